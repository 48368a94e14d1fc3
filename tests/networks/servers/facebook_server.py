"""A local Facebook Pages Graph API server: feed, photos, videos, comments, insights, tokens.

It acts for Page tokens (``/me`` is the Page) and user tokens (``/me/accounts`` lists the Pages
with their Page tokens; ``/oauth/access_token?grant_type=fb_exchange_token`` gives a long-lived
user token). Photos arrive as ``url`` (fetched like Graph does) or multipart ``source``;
``published=false`` photos are only usable as ``attached_media`` of a feed post. Post ids are
``{page-id}_{n}``. Errors and failure knobs come from :class:`GraphServer`; answers from
``fixtures/facebook/``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, Request, load_fixture
from tests.networks.servers.meta_graph import GraphServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "facebook"
PAGE_ID = "104117855321234"
PAGE_TOKEN = "EAAPage-token"
USER_TOKEN = "EAAUser-token"
USER_ID = "10224455667788"
CLIENT_ID, CLIENT_SECRET = "fb-app", "fb-secret"


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def graph_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class FacebookServer(GraphServer):
    fixtures = FIXTURES

    def __init__(self, media_dir: Path | None = None, **kw: Any) -> None:
        super().__init__(media_dir, **kw)
        self.tokens = {PAGE_TOKEN: PAGE_ID, USER_TOKEN: USER_ID}
        self.posts: dict[str, dict[str, Any]] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.insights: dict[str, dict[str, int]] = {}
        self.reactions: dict[str, int] = {}
        self.exchanged: list[str] = []
        self.extra_pages: list[dict[str, str]] = []  # more Pages the user manages

    # --- helpers ---
    def add_comment(
        self, target: str, text: str, author: tuple[str, str] = ("5550001", "Bob Baker")
    ) -> str:
        with self.lock:
            parent = self.comments.get(target)
            post = parent["post"] if parent else target
            cid = f"{post.split('_')[-1]}_{self.next_id()}"
            self.comments[cid] = {
                "id": cid,
                "message": text,
                "created_time": graph_time(),
                "from": {"id": author[0], "name": author[1]},
                "post": post,
                "parent": target if parent else None,
            }
            return cid

    def _post(self, message: str, **extra: Any) -> str:
        with self.lock:
            pid = f"{PAGE_ID}_{self.next_id()}"
            self.posts[pid] = {
                "id": pid,
                "message": message,
                "created_time": graph_time(),
                "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{pid.split('_')[1]}",
                "order": time.monotonic(),
                **extra,
            }
            return pid

    # --- routes ---
    def graph(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        seg, p = req.segments, self.params(req)
        actor = self.who(req)
        if req.path == "/oauth/access_token":
            return self._exchange(p)
        if req.path == "/me/accounts":
            if actor != USER_ID:
                raise ApiError(400, "(#100) Tried accessing nonexisting field (accounts)", code=100)
            body = fixture("accounts__one_page")
            body["data"][0]["access_token"] = PAGE_TOKEN
            body["data"] += [dict(page) for page in self.extra_pages]
            return 200, body, {}
        if req.path == "/me":
            return 200, fixture("page__me") if actor == PAGE_ID else {"id": USER_ID}, {}
        if len(seg) == 2 and seg[0] == PAGE_ID and req.method == "POST":
            if actor != PAGE_ID:
                raise ApiError(403, "(#200) Requires a Page access token", code=200)
            return self._create(seg[1], p)
        if len(seg) == 2 and seg[0] == PAGE_ID and seg[1] == "published_posts":
            return 200, self._published(p), {}
        if len(seg) == 1:
            return self._node(req.method, seg[0], p)
        if len(seg) == 2 and seg[1] == "comments":
            return self._comments(req.method, seg[0], p)
        if len(seg) == 2 and seg[1] == "insights":
            return self._insights(seg[0], p)
        raise ApiError(400, "Unknown path components", code=2500)

    def _exchange(self, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if (p.get("client_id"), p.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            raise ApiError(400, "Error validating client secret.", code=1)
        if p.get("grant_type") != "fb_exchange_token" or p.get("fb_exchange_token") not in (
            self.tokens
        ):
            raise ApiError(400, "Invalid OAuth access token.", code=190)
        with self.lock:
            token = f"EAAUser-long-{self.next_id()}"
            self.tokens[token] = USER_ID
            self.exchanged.append(token)
        body = fixture("token__long_lived")
        body["access_token"] = token
        return 200, body, {}

    def _create(self, edge: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if edge == "feed":
            message = str(p.get("message", ""))
            attached = json.loads(p["attached_media"]) if p.get("attached_media") else []
            with self.lock:
                ids = [a["media_fbid"] for a in attached]
                if any(i not in self.photos or self.photos[i]["published"] for i in ids):
                    raise ApiError(400, "(#100) Invalid attached_media", code=100)
            if not message and not p.get("link") and not ids:
                raise ApiError(400, "(#100) Missing message or attachment", code=100)
            return 200, {"id": self._post(message, link=p.get("link"), photos=ids)}, {}
        if edge == "photos":
            content = self._media(p)
            published = p.get("published", "true") != "false"
            with self.lock:
                photo_id = self.next_id()
                self.photos[photo_id] = {
                    "id": photo_id,
                    "size": len(content),
                    "published": published,
                    "alt_text": p.get("alt_text_custom"),
                }
            if not published:
                return 200, {"id": photo_id}, {}
            post_id = self._post(str(p.get("caption", "")), photos=[photo_id])
            return 200, {"id": photo_id, "post_id": post_id}, {}
        if edge == "videos":
            content = self._media(p, key="file_url")
            post_id = self._post(str(p.get("description", "")), video=len(content))
            return 200, {"id": post_id.split("_")[1]}, {}
        raise ApiError(400, "Unknown path components", code=2500)

    def _media(self, p: dict[str, Any], key: str = "url") -> bytes:
        source = p.get("source")
        if isinstance(source, dict):
            return bytes(source["content"])
        if p.get(key):
            return self.fetch(str(p[key]))
        raise ApiError(400, "(#324) Requires upload file", code=324)

    def _published(self, p: dict[str, Any]) -> dict[str, Any]:
        since = int(p.get("since", 0) or 0)
        limit = int(p.get("limit", 25))
        start = int(p.get("after", 0) or 0)
        with self.lock:
            posts = sorted(self.posts.values(), key=lambda x: x["order"], reverse=True)
        posts = [
            x
            for x in posts
            if datetime.strptime(x["created_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since
        ]
        page = [
            {k: x[k] for k in ("id", "message", "created_time", "permalink_url")}
            for x in posts[start : start + limit]
        ]
        body: dict[str, Any] = {"data": page}
        if start + limit < len(posts):
            body["paging"] = {
                "cursors": {"before": str(start), "after": str(start + limit)},
                "next": f"{self.url}/v23.0/{PAGE_ID}/published_posts?after={start + limit}",
            }
        return body

    def _node(self, method: str, node: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            post = self.posts.get(node) or self.posts.get(f"{PAGE_ID}_{node}")
            if post is None and node in self.comments and method == "DELETE":
                del self.comments[node]
                return 200, {"success": True}, {}
            if post is None:
                raise self.unknown(node)
            if method == "DELETE":
                del self.posts[post["id"]]
                return 200, {"success": True}, {}
            fields = str(p.get("fields", ""))
            if "reactions" in fields:
                comments = sum(1 for c in self.comments.values() if c["post"] == post["id"])
                body = fixture("post__counts")
                body["id"] = post["id"]
                body["reactions"]["summary"]["total_count"] = self.reactions.get(post["id"], 0)
                body["comments"]["summary"]["total_count"] = comments
                return 200, body, {}
            return 200, {k: post[k] for k in ("id", "message", "created_time", "permalink_url")}, {}

    def _comments(
        self, method: str, target: str, p: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if f"{PAGE_ID}_{target}" in self.posts:  # a video id: its post
                target = f"{PAGE_ID}_{target}"
            known = target in self.posts or target in self.comments
        if not known:
            raise self.unknown(target)
        if method == "POST":
            return (
                200,
                {"id": self.add_comment(target, p["message"], (PAGE_ID, "Clairon Café"))},
                {},
            )
        with self.lock:
            items = [
                c for c in self.comments.values() if c["post"] == target or c["parent"] == target
            ]
            data = []
            for c in items:
                item = {k: c[k] for k in ("id", "message", "created_time", "from")}
                if c["parent"]:
                    item["parent"] = {"id": c["parent"]}
                data.append(item)
        return 200, {"data": data, "paging": {"cursors": {"before": "a", "after": "b"}}}, {}

    def _insights(self, target: str, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if target not in self.posts:
                raise self.unknown(target)
            counts = self.insights.get(target, {})
        body = fixture("insights__post")
        wanted = str(p.get("metric", "")).split(",")
        body["data"] = [m for m in body["data"] if m["name"] in wanted]
        for metric in body["data"]:
            metric["values"][0]["value"] = counts.get(metric["name"], 0)
            metric["id"] = f"{target}/insights/{metric['name']}/lifetime"
        return 200, body, {}
