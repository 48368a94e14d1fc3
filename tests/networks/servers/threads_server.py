"""A local Threads Graph API server for tests: containers, publish, conversation, insights.

Errors are Graph bodies ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``
from ``fixtures/threads/`` (code 190 expired token, code 4 rate limit with
``x-app-usage``/``x-business-use-case-usage`` headers, code 100 invalid parameter, code 1/2
unknown/unavailable). Knobs besides :class:`FakeApi`'s: ``container_polls`` (media containers
answer ``IN_PROGRESS`` that many times), ``container_error`` (they end ``ERROR``),
``publish_fails_after_acting`` (``threads_publish`` publishes, then answers code 2 / 500),
``quota_usage`` (posts used in the last 24 hours).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "threads"
DEFAULT_TOKEN = "th-token"
USER_ID = "1234567890"
APP_SECRET = "th-app-secret"
_ERRORS = {
    190: "error__expired_token",
    4: "error__rate_limited",
    100: "error__invalid_parameter",
    1: "error__unknown",
    2: "error__temporarily_unavailable",
}


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def graph_time(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S+0000")


class ThreadsServer(FakeApi):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.users = {USER_ID: fixture("me__ok")}
        self.tokens = {DEFAULT_TOKEN: USER_ID}
        self.short_lived: set[str] = set()
        self.app_secret = APP_SECRET
        self.containers: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.published: list[dict[str, Any]] = []
        self.container_polls = 0
        self.container_error = False
        self.publish_fails_after_acting = 0
        self.quota_usage = 4
        self.seeded_conversations: dict[str, str] = {}
        self.insights: dict[str, dict[str, int]] = {}

    def rate_limit_headers(self) -> dict[str, str]:
        usage = {"call_count": 100, "total_cputime": 12, "total_time": 20}
        business = {
            USER_ID: [{"type": "threads", "call_count": 100, "estimated_time_to_regain_access": 15}]
        }
        return {"x-app-usage": json.dumps(usage), "x-business-use-case-usage": json.dumps(business)}

    def error_body(self, error: ApiError) -> Any:
        code = error.extra.get("code") or {401: 190, 429: 4, 404: 100}.get(
            error.status, 1 if error.status >= 500 else 100
        )
        body = fixture(_ERRORS.get(code, "error__invalid_parameter"))
        body["error"]["code"] = code
        if error.message and error.message != "-":
            body["error"]["message"] = error.message
            body["error"].pop("error_user_msg", None)
        return body

    def default_message(self, status: int) -> str:
        return "-"

    def add_user(self, username: str) -> str:
        uid = self.next_id()
        self.users[uid] = {"id": uid, "username": username, "name": username.title()}
        self.tokens[f"token-{username}"] = uid
        return uid

    def add_reply(self, to_id: str, text: str, username: str = "bobdurand") -> str:
        uid = next((u for u, v in self.users.items() if v["username"] == username), None)
        uid = uid or self.add_user(username)
        container = self._create_container(
            uid, {"media_type": "TEXT", "text": text, "reply_to_id": to_id}
        )
        return str(self._publish(uid, container)["id"])

    # --- state ---
    def _create_container(self, uid: str, q: dict[str, str]) -> str:
        kind = q.get("media_type", "TEXT")
        text = q.get("text", "")
        if len(text) > 500:
            raise ApiError(400, code=100)  # the fixture's "text too long" user message
        if kind not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            raise ApiError(400, f"Invalid parameter media_type {kind}", code=100)
        if (kind == "IMAGE" and not q.get("image_url")) or (
            kind == "VIDEO" and not q.get("video_url")
        ):
            raise ApiError(400, "The parameter image_url or video_url is required.", code=100)
        with self.lock:
            reply_to = q.get("reply_to_id")
            if reply_to and reply_to not in self.posts:
                raise ApiError(
                    400,
                    fixture("error__not_found")["error"]["message"].replace("{id}", reply_to),
                    code=100,
                )
            children = [c for c in q.get("children", "").split(",") if c]
            for child in children:
                if child not in self.containers or not self.containers[child]["carousel_item"]:
                    raise ApiError(400, f"Invalid carousel child {child}", code=100)
            cid = self.next_id()
            media = kind in ("IMAGE", "VIDEO", "CAROUSEL")
            self.containers[cid] = {
                "id": cid,
                "owner": uid,
                "media_type": kind,
                "text": text,
                "reply_to": reply_to,
                "children": children,
                "url": q.get("image_url") or q.get("video_url"),
                "alt_text": q.get("alt_text"),
                "carousel_item": q.get("is_carousel_item") == "true",
                "polls": self.container_polls if media else 0,
                "status": "IN_PROGRESS" if media else "FINISHED",
            }
            return cid

    def _container_status(self, container: dict[str, Any]) -> str:
        if container["status"] == "IN_PROGRESS":
            if container["polls"] > 0:
                container["polls"] -= 1
            else:
                container["status"] = "ERROR" if self.container_error else "FINISHED"
        return str(container["status"])

    def _publish(self, uid: str, creation_id: str) -> dict[str, Any]:
        with self.lock:
            container = self.containers.get(creation_id)
            if container is None or container["owner"] != uid:
                raise ApiError(400, f"Invalid creation_id {creation_id}", code=100)
            if container["status"] == "PUBLISHED":
                raise ApiError(400, "The media has already been published.", code=100)
            if container["status"] != "FINISHED":
                raise ApiError(400, "Media Not Ready For Publishing", code=100)
            if container["carousel_item"]:
                raise ApiError(400, "A carousel item cannot be published alone", code=100)
            if self.quota_usage >= 250:
                raise ApiError(400, "The user has reached the publishing limit", code=100)
            container["status"] = "PUBLISHED"
            self.quota_usage += 1
            pid = self.next_id()
            username = self.users[uid]["username"]
            self.posts[pid] = {
                "id": pid,
                "owner": uid,
                "username": username,
                "text": container["text"],
                "timestamp": graph_time(),
                "permalink": f"https://www.threads.net/@{username}/post/P{pid[-8:]}",
                "reply_to": container["reply_to"],
                "media_type": container["media_type"],
                "children": container["children"],
                "container": creation_id,
            }
            self.published.append(
                {"id": pid, "text": container["text"], "reply_to": container["reply_to"]}
            )
            return {"id": pid}

    def post_json(self, post: dict[str, Any], fields: str) -> dict[str, Any]:
        body = fixture("post__text")
        body.update(
            id=post["id"],
            text=post["text"],
            timestamp=post["timestamp"],
            permalink=post["permalink"],
            username=post["username"],
            owner={"id": post["owner"]},
            is_reply=post["reply_to"] is not None,
        )
        if post["reply_to"]:
            body["replied_to"] = {"id": post["reply_to"]}
            root = post
            while root["reply_to"] and root["reply_to"] in self.posts:
                root = self.posts[root["reply_to"]]
            body["root_post"] = {"id": root["id"]}
        wanted = set(fields.split(",")) | {"id"} if fields else set(body)
        return {k: v for k, v in body.items() if k in wanted}

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        token = req.bearer() or req.query.get("access_token")
        uid = self.tokens.get(token or "")
        if uid is None:
            raise ApiError(400, fixture("error__expired_token")["error"]["message"], code=190)
        if req.path in ("/refresh_access_token", "/access_token"):
            return self._token(req, uid, token or "")
        seg = req.segments
        if seg[0] != "v1.0":
            raise ApiError(404, "Unknown path components", code=100)
        seg, q, m = seg[1:], req.query, req.method
        if seg == ["me"]:
            return 200, self.users[uid], {}
        if len(seg) == 2 and seg[0] == uid:
            if seg[1] == "threads" and m == "POST":
                return 200, {"id": self._create_container(uid, q)}, {}
            if seg[1] == "threads_publish" and m == "POST":
                body = self._publish(uid, q.get("creation_id", ""))
                if self.publish_fails_after_acting > 0:
                    self.publish_fails_after_acting -= 1
                    raise ApiError(500, code=2)
                return 200, body, {}
            if seg[1] == "threads_publishing_limit":
                body = fixture("publishing_limit__ok")
                body["data"][0]["quota_usage"] = self.quota_usage
                return 200, body, {}
            if seg[1] in ("threads", "replies") and m == "GET":
                return self._list(uid, seg[1] == "replies", q)
        if len(seg) == 1 and seg[0] in self.containers and m == "GET":
            with self.lock:
                container = self.containers[seg[0]]
                body = {"status": self._container_status(container), "id": seg[0]}
                if body["status"] == "ERROR":
                    body["error_message"] = "FAILED_DOWNLOADING_VIDEO"
            return 200, body, {}
        with self.lock:
            post = self.posts.get(seg[0])
            if post is None and seg[0] not in self.seeded_conversations:
                message = fixture("error__not_found")["error"]["message"].replace("{id}", seg[0])
                raise ApiError(400, message, code=100)
            if len(seg) == 1 and m == "GET":
                return 200, self.post_json(post or {}, q.get("fields", "")), {}
            if len(seg) == 1 and m == "DELETE":
                if post is None or post["owner"] != uid:
                    raise ApiError(400, "Permission denied to delete this post", code=10)
                del self.posts[seg[0]]
                return 200, {"success": True, "deleted_id": seg[0]}, {}
            if seg[1:] == ["conversation"]:
                if seg[0] in self.seeded_conversations:
                    text = (FIXTURES / f"{self.seeded_conversations[seg[0]]}.json").read_text()
                    return 200, json.loads(text.replace("{media_id}", seg[0])), {}
                return 200, {"data": self._descendants(seg[0], q.get("fields", ""))}, {}
            if seg[1:] == ["insights"]:
                body = fixture("insights__post")
                counts = self.insights.get(seg[0], {})
                for metric in body["data"]:
                    metric["values"] = [{"value": counts.get(metric["name"], 0)}]
                    metric["id"] = metric["id"].replace("{media_id}", seg[0])
                return 200, body, {}
        raise ApiError(400, "Unsupported request", code=100)

    def _token(self, req: Request, uid: str, token: str) -> tuple[int, Any, dict[str, str]]:
        grant = req.query.get("grant_type")
        with self.lock:
            if req.path == "/access_token":
                if (
                    grant != "th_exchange_token"
                    or req.query.get("client_secret") != self.app_secret
                ):
                    raise ApiError(400, "Error validating client secret.", code=1)
                if token not in self.short_lived:
                    raise ApiError(400, "The access token is already long-lived.", code=100)
            elif grant != "th_refresh_token" or token in self.short_lived:
                raise ApiError(400, "Cannot refresh a short-lived access token.", code=100)
            new = f"th-long-{self.next_id()}"
            self.tokens[new] = uid
        body = fixture("token__refreshed")
        body["access_token"] = new
        return 200, body, {}

    def short_token(self) -> str:
        with self.lock:
            token = f"th-short-{self.next_id()}"
            self.tokens[token] = USER_ID
            self.short_lived.add(token)
            return token

    def _descendants(self, media_id: str, fields: str) -> list[dict[str, Any]]:
        found, frontier = [], [media_id]
        while frontier:
            parent = frontier.pop(0)
            children = sorted(
                (p for p in self.posts.values() if p["reply_to"] == parent),
                key=lambda p: int(p["id"]),
            )
            found += children
            frontier += [c["id"] for c in children]
        return [self.post_json(p, fields) for p in found]

    def _list(self, uid: str, replies: bool, q: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        since = int(q.get("since", "0"))
        limit, offset = int(q.get("limit", "25")), int(q.get("after", "0") or 0)
        with self.lock:
            mine = [
                p
                for p in self.posts.values()
                if p["owner"] == uid
                and (p["reply_to"] is not None) == replies
                and datetime.strptime(p["timestamp"], "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since
            ]
            mine.sort(key=lambda p: int(p["id"]), reverse=True)
            page = [self.post_json(p, q.get("fields", "")) for p in mine[offset : offset + limit]]
        paging: dict[str, Any] = {"cursors": {"before": str(offset), "after": str(offset + limit)}}
        if offset + limit < len(mine):
            paging["next"] = f"{self.url}/v1.0/{uid}/threads?after={offset + limit}"
        return 200, {"data": page, "paging": paging}, {}
