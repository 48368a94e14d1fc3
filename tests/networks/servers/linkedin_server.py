"""A local LinkedIn REST server for tests: Posts API, images/documents upload, social actions.

It requires ``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0`` (426 / 400 like
LinkedIn), answers a created post with 201 and the ``x-restli-id`` header, renders commentary
the way the "little" parser does (an unescaped reserved character outside an element **cuts the
post there**, as LinkedIn silently does), and answers errors with ``{"message", "status"}``
bodies from ``fixtures/linkedin/``. Failure knobs come from :class:`FakeApi`.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "linkedin"
DEFAULT_TOKEN = "li-token"
REFRESH_TOKEN = "li-refresh-1"
PERSON = "urn:li:person:782bbtaQ"
ORGANIZATION = "urn:li:organization:2414183"
CLIENT_ID, CLIENT_SECRET = "li-client", "li-secret"
RESERVED = set("\\|{}@[]()<>#*_~")
_ELEMENT = re.compile(
    r"\{hashtag\|\\#\|((?:\\.|[^\\{}|])*)\}|@\[((?:\\.|[^\\\]])*)\]\((urn:li:[a-zA-Z]+:[^()\s]+)\)"
)


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def render(little: str) -> str:
    """What LinkedIn shows: elements rendered, escapes removed, cut at a stray reserved char."""
    out, i = [], 0
    while i < len(little):
        m = _ELEMENT.match(little, i)
        if m:
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            prefix = "#" if m.group(1) is not None else "@"
            out.append(prefix + re.sub(r"\\(.)", r"\1", raw))
            i = m.end()
        elif little[i] == "\\" and i + 1 < len(little):
            out.append(little[i + 1])
            i += 2
        elif little[i] in RESERVED:
            break  # the silent truncation
        else:
            out.append(little[i])
            i += 1
    return "".join(out)


class LinkedInServer(FakeApi):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.tokens = {DEFAULT_TOKEN: PERSON}
        self.refresh = {REFRESH_TOKEN}
        self.admin_of = {PERSON: {ORGANIZATION}}
        self.posts: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.assets: dict[str, dict[str, Any]] = {}  # urn -> {"uploaded": bool}
        self.uploads: dict[str, str] = {}  # upload id -> asset urn
        self.comments: dict[str, list[dict[str, Any]]] = {}  # activity urn -> comments
        self.reactions: dict[str, dict[str, int]] = {}
        self.seeded_comments: dict[str, str] = {}
        self._clock = int(time.time() * 1000)
        self.video_part_bytes = 40  # LinkedIn uses 4 MB parts
        self.video_polls = 0
        self.video_fails = False

    def rate_limit_headers(self) -> dict[str, str]:
        return {}  # LinkedIn sends no reset header: its quotas are daily

    def error_body(self, error: ApiError) -> Any:
        name = {
            401: "error__expired_token",
            403: "error__access_denied",
            404: "error__not_found",
            422: "error__unprocessable",
            426: "error__version_missing",
            429: "error__throttled",
        }.get(error.status, "error__server_error" if error.status >= 500 else None)
        body = fixture(name) if name else {"message": error.message, "status": error.status}
        if error.message and error.status not in (401, 429) and error.message != "-":
            body["message"] = error.message
        body["status"] = error.status
        return body

    def default_message(self, status: int) -> str:
        return "-"

    def now_ms(self) -> int:
        with self.lock:
            self._clock = max(self._clock + 1, int(time.time() * 1000))
            return self._clock

    def activity_of(self, urn: str) -> str:
        return "urn:li:activity:" + urn.rsplit(":", 1)[-1]

    def add_comment(self, post_urn: str, text: str, actor: str = "urn:li:person:bobD90x") -> str:
        return str(self._add_comment(self.activity_of(post_urn), actor, text, None)["commentUrn"])

    def _add_comment(
        self, activity: str, actor: str, text: str, parent: str | None
    ) -> dict[str, Any]:
        with self.lock:
            body = fixture("comment__created")
            cid = self.next_id()
            body.update(
                actor=actor,
                agent=actor,
                id=cid,
                commentUrn=f"urn:li:comment:({activity},{cid})",
                object=activity,
                message={"text": text, "attributes": []},
            )
            body["created"] = body["lastModified"] = {"actor": actor, "time": self.now_ms()}
            if parent:
                body["parentComment"] = parent
            self.comments.setdefault(activity, []).append(body)
            return dict(body)

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.path == "/oauth/v2/accessToken" and req.method == "POST":
            return self._token(req.form)
        if req.path.startswith("/dms-uploads/") and req.method == "PUT":
            self._who(req)
            with self.lock:
                upload_id = req.path.rsplit("/", 1)[-1]
                urn = self.uploads.get(upload_id.split("-part")[0])
                if urn is None:
                    raise ApiError(404)
                self.assets[urn]["uploaded"] += len(req.raw)
                self.assets[urn].setdefault("parts", {})[upload_id] = len(req.raw)
            return 201, None, {"ETag": f'"etag-{upload_id}"'}
        member = self._who(req)
        if req.path == "/v2/userinfo":
            body = fixture("userinfo__member")
            body["sub"] = member.rsplit(":", 1)[-1]
            return 200, body, {}
        if req.headers.get("x-restli-protocol-version") != "2.0.0":
            raise ApiError(400, "X-Restli-Protocol-Version 2.0.0 is required")
        if not re.fullmatch(r"\d{6}", req.headers.get("linkedin-version", "")):
            raise ApiError(426, "Requested version  is not active")
        seg = [unquote(s) for s in req.segments]
        if seg == ["rest", "posts"] and req.method == "POST":
            return self._create_post(member, req.form)
        if seg == ["rest", "posts"] and req.method == "GET":
            return self._by_author(member, req.query)
        if seg[:2] == ["rest", "posts"] and len(seg) == 3 and req.method == "DELETE":
            with self.lock:
                post = self.posts.get(seg[2])
                if post is None:
                    raise ApiError(404)
                self._may_act_as(member, post["author"])
                del self.posts[seg[2]]
            return 204, None, {}
        if seg[:2] == ["rest", "videos"]:
            return self._video(member, seg, req)
        if seg[:2] == ["rest", "images"] or seg[:2] == ["rest", "documents"]:
            return self._initialize(member, seg[1], req)
        if seg[:2] == ["rest", "socialActions"] and seg[3:] == ["comments"]:
            return self._comments(member, seg[2], req)
        if seg[:2] == ["rest", "socialMetadata"] and len(seg) == 3:
            body = fixture("social_metadata__counts")
            counts = self.reactions.get(seg[2], {})
            body["reactionSummaries"] = {
                k: {"reactionType": k, "count": v} for k, v in counts.items()
            }
            total = len(self.comments.get(self.activity_of(seg[2]), []))
            body["commentSummary"] = {"count": total, "topLevelCount": total}
            body["entity"] = seg[2]
            return 200, body, {}
        raise ApiError(404)

    def _who(self, req: Request) -> str:
        token = req.bearer()
        if token is None or token not in self.tokens:
            raise ApiError(401)
        return self.tokens[token]

    def _may_act_as(self, member: str, author: str) -> None:
        if author != member and author not in self.admin_of.get(member, set()):
            raise ApiError(403)

    def _token(self, form: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return (
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                {},
            )
        with self.lock:
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") not in self.refresh
            ):
                return 400, fixture("token__invalid_grant"), {}
            access, refresh = f"li-access-{self.next_id()}", f"li-refresh-{self.next_id()}"
            self.tokens[access] = PERSON
            self.refresh.add(refresh)
        body = fixture("token__refreshed")
        body.update(access_token=access, refresh_token=refresh)
        return 200, body, {}

    def _create_post(self, member: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        author = str(body.get("author", ""))
        self._may_act_as(member, author)
        commentary = str(body.get("commentary", ""))
        if len(render(commentary)) > 3000:
            raise ApiError(422)
        content = body.get("content") or {}
        ids = [(content.get("media") or {}).get("id")] + [
            i["id"] for i in (content.get("multiImage") or {}).get("images", [])
        ]
        with self.lock:
            for urn in filter(None, ids):
                asset = self.assets.get(urn, {})
                ready = asset.get("status", "AVAILABLE") == "AVAILABLE"
                if not asset.get("uploaded") or not ready:
                    raise ApiError(400, f"Media {urn} is not uploaded or not available")
            urn = f"urn:li:share:{self.next_id()}"
            post = fixture("post__by_author")
            now = self.now_ms()
            post.update(
                id=urn,
                author=author,
                commentary=commentary,
                visibility=body.get("visibility"),
                createdAt=now,
                lastModifiedAt=now,
                publishedAt=now,
            )
            if content:
                post["content"] = content
            self.posts[urn] = post
            self.created.append(
                {"id": urn, "commentary": commentary, "rendered": render(commentary)}
            )
        return 201, None, {"x-restli-id": urn, "x-linkedin-id": urn}

    def _by_author(self, member: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if query.get("q") != "author":
            raise ApiError(400, "q=author is required")
        start, count = int(query.get("start", "0")), int(query.get("count", "10"))
        with self.lock:
            mine = [p for p in self.posts.values() if p["author"] == query.get("author")]
            mine.sort(key=lambda p: p["createdAt"], reverse=True)
            page = mine[start : start + count]
        return 200, {"elements": page, "paging": {"start": start, "count": count, "links": []}}, {}

    def _initialize(self, member: str, kind: str, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.query.get("action") != "initializeUpload" or req.method != "POST":
            raise ApiError(400, "action=initializeUpload is required")
        owner = req.form.get("initializeUploadRequest", {}).get("owner", "")
        self._may_act_as(member, owner)
        key = "image" if kind == "images" else "document"
        body = fixture(f"{kind}_initialize__ok")
        upload_id = self.next_id()
        urn = f"urn:li:{key}:C4E10AQ{upload_id}"
        body["value"].update({"uploadUrl": f"{self.url}/dms-uploads/{upload_id}", key: urn})
        with self.lock:
            self.assets[urn] = {"uploaded": 0, "owner": owner}
            self.uploads[upload_id] = urn
        return 200, body, {}

    def _video(self, member: str, seg: list[str], req: Request) -> tuple[int, Any, dict[str, str]]:
        action = req.query.get("action")
        with self.lock:
            if req.method == "GET" and len(seg) == 3:
                asset = self.assets.get(seg[2])
                if asset is None:
                    raise ApiError(404)
                status = asset.get("status", "WAITING_UPLOAD")
                if status == "PROCESSING":
                    if asset["polls"] > 0:
                        asset["polls"] -= 1
                    else:
                        status = asset["status"] = (
                            "PROCESSING_FAILED" if self.video_fails else "AVAILABLE"
                        )
                return 200, {"id": seg[2], "status": status, "owner": asset["owner"]}, {}
            if action == "initializeUpload":
                request = req.form["initializeUploadRequest"]
                self._may_act_as(member, request["owner"])
                size, step = int(request["fileSizeBytes"]), self.video_part_bytes
                upload_id = self.next_id()
                urn = f"urn:li:video:C5F10AQ{upload_id}"
                self.uploads[upload_id] = urn
                self.assets[urn] = {"uploaded": 0, "owner": request["owner"], "size": size}
                parts = [
                    {
                        "uploadUrl": f"{self.url}/dms-uploads/{upload_id}-part{i}",
                        "firstByte": start,
                        "lastByte": min(start + step, size) - 1,
                    }
                    for i, start in enumerate(range(0, size, step))
                ]
                value = {"video": urn, "uploadInstructions": parts, "uploadToken": ""}
                return 200, {"value": value}, {}
            if action == "finalizeUpload":
                request = req.form["finalizeUploadRequest"]
                asset = self.assets.get(request["video"])
                if asset is None or asset["uploaded"] != asset["size"]:
                    raise ApiError(400, "Video parts are missing; upload every part first")
                expected = [f'"etag-{p}"' for p in asset.get("parts", {})]
                if request["uploadedPartIds"] != expected:
                    raise ApiError(400, "uploadedPartIds do not match the uploaded parts")
                asset.update(status="PROCESSING", polls=self.video_polls)
                return 200, None, {}
        raise ApiError(400, "unknown videos action")

    def _comments(self, member: str, target: str, req: Request) -> tuple[int, Any, dict[str, str]]:
        if target.startswith("urn:li:comment:("):
            activity = target.removeprefix("urn:li:comment:(").rsplit(",", 1)[0]
        else:
            activity = self.activity_of(target)
        if req.method == "GET":
            if target in self.seeded_comments:
                text = (FIXTURES / f"{self.seeded_comments[target]}.json").read_text()
                import json

                number = activity.rsplit(":", 1)[-1]
                return 200, json.loads(text.replace("{activity}", number)), {}
            with self.lock:
                elements = list(self.comments.get(activity, []))
            return 200, {"elements": elements, "paging": {"start": 0, "count": 100}}, {}
        if req.method == "POST":
            self._may_act_as(member, str(req.form.get("actor", "")))
            with self.lock:
                known = {self.activity_of(u) for u in self.posts}
            if activity not in known:
                raise ApiError(404, f"Object {target} not found")
            text = str((req.form.get("message") or {}).get("text", ""))
            body = self._add_comment(
                activity, req.form["actor"], text, req.form.get("parentComment")
            )
            return 201, body, {"x-restli-id": body["commentUrn"]}
        raise ApiError(405, "Method not allowed")
