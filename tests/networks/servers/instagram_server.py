"""A local Instagram Graph API server: containers, media_publish, comments, insights, quota.

``POST /{ig-user-id}/media`` fetches ``image_url`` / ``video_url`` (unreachable -> error 9004 /
2207052), creates a container whose ``status_code`` is ``IN_PROGRESS`` for
``processing_polls`` reads then ``FINISHED`` (or ``ERROR`` / ``EXPIRED`` when
``next_container_state`` says so). ``media_publish`` publishes a ``FINISHED`` container once
(``PUBLISHED`` afterwards), counts against ``content_publishing_limit`` and refuses when the
quota is used (code 9, subcode 2207042). ``publish_then_fail`` publishes and then answers a
500, the partial failure that only the container status reveals. Answers come from
``fixtures/instagram/``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, Request, load_fixture
from tests.networks.servers.meta_graph import GraphServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instagram"
DEFAULT_TOKEN = "IGQVJ-token"
IG_USER = "17841405822304914"
USERNAME = "clairon.cafe"
CLIENT_ID, CLIENT_SECRET = "ig-app", "ig-secret"


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def graph_time(moment: float | None = None) -> str:
    return datetime.fromtimestamp(moment or time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class InstagramServer(GraphServer):
    fixtures = FIXTURES

    def __init__(self, media_dir: Path | None = None, **kw: Any) -> None:
        super().__init__(media_dir, **kw)
        self.tokens = {DEFAULT_TOKEN: IG_USER}
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.insights: dict[str, dict[str, int]] = {}
        self.processing_polls = 0
        self.next_container_state: str | None = None
        self.publish_then_fail = False
        self.quota_usage, self.quota_total = 0, 100
        self.refreshed: list[str] = []

    # --- test helpers ---
    def add_comment(self, target: str, text: str, username: str = "bob.bakes") -> str:
        with self.lock:
            cid = self.next_id()
            parent = self.comments.get(target)
            self.comments[cid] = {
                "id": cid,
                "text": text,
                "username": username,
                "timestamp": graph_time(),
                "media": parent["media"] if parent else target,
                "parent": target if parent else None,
            }
            return cid

    def published(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for m in self.media.values()]

    # --- routes ---
    def graph(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        seg, p = req.segments, self.params(req)
        if req.path in ("/refresh_access_token", "/access_token"):
            user = self.who(req)
            grant = {
                "/refresh_access_token": "ig_refresh_token",
                "/access_token": "ig_exchange_token",
            }
            if p.get("grant_type") != grant[req.path]:
                raise ApiError(400, "Invalid grant_type", code=100)
            if req.path == "/access_token" and p.get("client_secret") != CLIENT_SECRET:
                raise ApiError(400, "Error validating client secret.", code=1)
            with self.lock:
                token = f"IGQVJ-{self.next_id()}"
                self.tokens[token] = user
                self.refreshed.append(token)
            body = fixture("token__refreshed")
            body["access_token"] = token
            return 200, body, {}
        user = self.who(req)
        if req.path == "/me" or (seg == [user] and req.method == "GET"):
            return 200, fixture("user__me"), {}
        if len(seg) == 2 and seg[0] == user:
            return self._user_edge(seg[1], req, p)
        if len(seg) == 1 and req.method == "GET":
            return self._node(seg[0])
        if len(seg) == 2 and seg[1] == "comments":
            return self._comments(seg[0], req, p)
        if len(seg) == 2 and seg[1] == "replies" and req.method == "POST":
            with self.lock:
                if seg[0] not in self.comments:
                    raise self.unknown(seg[0])
            return 200, {"id": self.add_comment(seg[0], p["message"], USERNAME)}, {}
        if len(seg) == 2 and seg[1] == "insights":
            return self._insights(seg[0], p)
        raise ApiError(400, "Unknown path components", code=2500)

    def _user_edge(
        self, edge: str, req: Request, p: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        if edge == "content_publishing_limit":
            body = fixture("content_publishing_limit__ok")
            body["data"][0]["quota_usage"] = self.quota_usage
            body["data"][0]["config"]["quota_total"] = self.quota_total
            return 200, body, {}
        if edge == "media" and req.method == "POST":
            return 200, {"id": self._create_container(p)}, {}
        if edge == "media" and req.method == "GET":
            return 200, self._list_media(p), {}
        if edge == "media_publish" and req.method == "POST":
            return self._publish(str(p.get("creation_id", "")))
        raise ApiError(400, "Unknown path components", code=2500)

    def _create_container(self, p: dict[str, Any]) -> str:
        kind = p.get("media_type", "IMAGE")
        if kind == "CAROUSEL":
            children = str(p.get("children", "")).split(",")
            with self.lock:
                if not 2 <= len(children) <= 10 or any(
                    not self.containers.get(c, {}).get("carousel_item") for c in children
                ):
                    raise ApiError(400, "Invalid parameter", code=100, error_subcode=2207028)
        else:
            url = (
                p.get("video_url")
                if kind in ("REELS", "VIDEO", "STORIES") and p.get("video_url")
                else p.get("image_url")
            )
            if not url:
                raise ApiError(400, "The parameter image_url is required.", code=100)
            self.fetch(str(url))
            children = []
        caption = str(p.get("caption", ""))
        if len(caption) > 2200:
            raise ApiError(400, "The caption is too long", code=100, error_subcode=2207010)
        with self.lock:
            cid = self.next_id()
            state = self.next_container_state
            self.next_container_state = None
            self.containers[cid] = {
                "id": cid,
                "media_type": kind,
                "caption": caption,
                "children": children,
                "carousel_item": p.get("is_carousel_item") == "true",
                "alt_text": p.get("alt_text"),
                "polls_left": self.processing_polls,
                "final": state or "FINISHED",
                "status_code": "IN_PROGRESS",
            }
            return cid

    def _container_state(self, container: dict[str, Any]) -> str:
        if container["status_code"] == "PUBLISHED":
            return "PUBLISHED"
        if container["polls_left"] > 0:
            container["polls_left"] -= 1
            return "IN_PROGRESS"
        container["status_code"] = container["final"]
        return str(container["final"])

    def _publish(self, creation_id: str) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            container = self.containers.get(creation_id)
            if container is None:
                raise self.unknown(creation_id)
            if self.quota_usage >= self.quota_total:
                raise ApiError(
                    400,
                    "Application request limit reached",
                    code=9,
                    error_subcode=2207042,
                    error_user_msg="You reached the maximum number of posts in 24 hours.",
                )
            if container["status_code"] != "FINISHED":
                raise ApiError(400, "Media ID is not available", code=9007, error_subcode=2207027)
            mid = self.next_id()
            container["status_code"] = "PUBLISHED"
            self.quota_usage += 1
            self.media[mid] = {
                "id": mid,
                "caption": container["caption"],
                "media_type": "CAROUSEL_ALBUM"
                if container["media_type"] == "CAROUSEL"
                else ("VIDEO" if container["media_type"] == "REELS" else "IMAGE"),
                "timestamp": graph_time(),
                "permalink": f"https://www.instagram.com/p/C{mid[-8:]}/",
                "container": creation_id,
                "alt_text": container["alt_text"],
                "children": container["children"],
            }
            if self.publish_then_fail:
                self.publish_then_fail = False
                raise ApiError(500, self.default_message(500))
        return 200, {"id": mid}, {}

    def _node(self, node: str) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if node in self.containers:
                container = self.containers[node]
                code = self._container_state(container)
                status = {"ERROR": "Error: 2207026", "EXPIRED": "Expired"}.get(code, code.title())
                return 200, {"id": node, "status_code": code, "status": status}, {}
            if node in self.media:
                media = self.media[node]
                return 200, {k: media[k] for k in ("id", "caption", "timestamp", "permalink")}, {}
        raise self.unknown(node)

    def _list_media(self, p: dict[str, Any]) -> dict[str, Any]:
        limit = int(p.get("limit", 25))
        with self.lock:
            items = sorted(self.media.values(), key=lambda m: int(m["id"]), reverse=True)
        start = int(p.get("after", 0) or 0)
        page = [
            {k: m[k] for k in ("id", "caption", "timestamp", "permalink", "media_type")}
            for m in items[start : start + limit]
        ]
        body: dict[str, Any] = {"data": page}
        if start + limit < len(items):
            body["paging"] = {
                "cursors": {"before": str(start), "after": str(start + limit)},
                "next": f"{self.url}/v23.0/{IG_USER}/media?after={start + limit}",
            }
        return body

    def _comments(
        self, target: str, req: Request, p: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if target not in self.media:
                raise self.unknown(target)
            if req.method == "POST":
                return 200, {"id": self.add_comment(target, p["message"], USERNAME)}, {}
            tops = [c for c in self.comments.values() if c["media"] == target and not c["parent"]]
            data = []
            for c in tops:
                replies = [
                    {k: r[k] for k in ("id", "text", "timestamp", "username")}
                    for r in self.comments.values()
                    if r["parent"] == c["id"]
                ]
                item = {k: c[k] for k in ("id", "text", "timestamp", "username")}
                if replies:
                    item["replies"] = {"data": replies}
                data.append(item)
        return 200, {"data": data}, {}

    def _insights(self, target: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if target not in self.media:
                raise self.unknown(target)
            counts = self.insights.get(target, {})
        body = fixture("insights__reel")
        wanted = str(p.get("metric", "")).split(",")
        body["data"] = [m for m in body["data"] if m["name"] in wanted]
        for metric in body["data"]:
            metric["values"][0]["value"] = counts.get(metric["name"], 0)
            metric["id"] = f"{target}/insights/{metric['name']}/lifetime"
        return 200, body, {}
