"""A local TikTok Content Posting API server: creator_info, video/init (direct post),
inbox/video/init (drafts), chunked PUT uploads, status/fetch, video/list, video/query and the
OAuth v2 token endpoint.

Every answer is ``{"data": …, "error": {"code", "message", "log_id"}}``; a fault may set the
error ``code`` (``server.fail_next(403, code="spam_risk_too_many_posts")``). Uploads check the
``Content-Range`` against the ``chunk_size`` / ``total_chunk_count`` declared at init (206 per
chunk, 201 at the end); a complete upload is ``PROCESSING_UPLOAD`` for ``processing_polls``
status reads, then ``PUBLISH_COMPLETE`` (with ``publicaly_available_post_id`` for public
posts) or ``SEND_TO_USER_INBOX`` for drafts; ``fail_next_publish`` makes it ``FAILED``.
``PULL_FROM_URL`` sources are fetched from the given URL (``/media/<name>`` serves
``media_dir``).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tiktok"
DEFAULT_TOKEN = "act.example-token"
REFRESH_TOKEN = "rft.example-refresh"
CLIENT_KEY, CLIENT_SECRET = "awclairon", "tt-secret"
USERNAME = "claironcafe"

_CODES = {
    400: "invalid_params",
    401: "access_token_invalid",
    403: "scope_not_authorized",
    404: "not_found",
    429: "rate_limit_exceeded",
}


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


class TikTokServer(FakeApi):
    def __init__(self, media_dir: Path | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.media_dir = media_dir
        self.tokens = {DEFAULT_TOKEN}
        self.refresh = {REFRESH_TOKEN}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.processing_polls = 0
        self.fail_next_publish: str | None = None
        self.privacy_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.max_duration = 600

    def rate_limit_headers(self) -> dict[str, str]:
        return {}

    def default_message(self, status: int) -> str:
        return {
            401: "The access token is invalid or not found in the request.",
            429: "The API rate limit was exceeded. Please try again later.",
        }.get(status, "Something went wrong. Please try again later." if status >= 500 else "-")

    def error_body(self, error: ApiError) -> Any:
        if "fixture" in error.extra:
            return fixture(str(error.extra["fixture"]))
        code = error.extra.get("code") or _CODES.get(error.status, "internal_error")
        return {
            "data": {},
            "error": {"code": code, "message": error.message, "log_id": "20261124144000ABCDEF"},
        }

    @staticmethod
    def ok(data: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "2026"}}, {}

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.path == "/v2/oauth/token/" and req.method == "POST":
            return self._token(req.form)
        if req.method == "GET" and req.path.startswith("/media/") and self.media_dir:
            path = self.media_dir / req.path.rsplit("/", 1)[-1]
            if not path.is_file():
                raise ApiError(404, "not found")
            return 200, {"size": path.stat().st_size}, {}
        if req.path.startswith("/upload/") and req.method == "PUT":
            return self._chunk(req)
        if req.bearer() not in self.tokens:
            raise ApiError(401, self.default_message(401))
        body = req.form
        if req.path == "/v2/post/publish/creator_info/query/":
            info = fixture("creator_info__ok")
            info["privacy_level_options"] = self.privacy_options
            info["max_video_post_duration_sec"] = self.max_duration
            return self.ok(info)
        if req.path == "/v2/post/publish/video/init/":
            return self._init(body, draft=False)
        if req.path == "/v2/post/publish/inbox/video/init/":
            return self._init(body, draft=True)
        if req.path == "/v2/post/publish/status/fetch/":
            return self._status(str(body.get("publish_id", "")))
        if req.path == "/v2/video/list/":
            return self._list(body)
        if req.path == "/v2/video/query/":
            ids = (body.get("filters") or {}).get("video_ids") or []
            with self.lock:
                found = [self.videos[i] for i in ids if i in self.videos]
            keys = req.query.get("fields", "id").split(",")
            return self.ok({"videos": [{k: v.get(k, 0) for k in keys} for v in found]})
        raise ApiError(404, "The requested path is not found", code="not_found")

    def _token(self, form: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if (form.get("client_key"), form.get("client_secret")) != (CLIENT_KEY, CLIENT_SECRET):
            return (
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client key or secret is incorrect.",
                    "log_id": "x",
                },
                {},
            )
        with self.lock:
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") not in self.refresh
            ):
                body = {
                    "error": "invalid_grant",
                    "error_description": "Refresh token is invalid or expired.",
                    "log_id": "x",
                }
                return 400, body, {}
            self.refresh.discard(form["refresh_token"])  # TikTok rotates refresh tokens
            access, refresh = f"act.{self.next_id()}", f"rft.{self.next_id()}"
            self.tokens.add(access)
            self.refresh.add(refresh)
        body = fixture("token__refreshed")
        body.update(access_token=access, refresh_token=refresh)
        return 200, body, {}

    def _init(self, body: dict[str, Any], *, draft: bool) -> tuple[int, Any, dict[str, str]]:
        source = body.get("source_info") or {}
        info = body.get("post_info") or {}
        if not draft:
            if info.get("privacy_level") not in self.privacy_options:
                raise ApiError(
                    400,
                    "privacy_level is not one of the creator's options",
                    code="privacy_level_option_mismatch",
                )
            if len(str(info.get("title", "")).encode("utf-16-le")) // 2 > 2200:
                raise ApiError(400, "title is too long", code="invalid_params")
        with self.lock:
            publish_id = f"v_pub_file~v2-1.{self.next_id()}"
            task: dict[str, Any] = {
                "id": publish_id,
                "draft": draft,
                "post_info": info,
                "source": source,
                "received": 0,
                "chunks": [],
                "complete": False,
                "polls_left": self.processing_polls,
            }
            self.tasks[publish_id] = task
        if source.get("source") == "PULL_FROM_URL":
            try:
                with urllib.request.urlopen(str(source["video_url"]), timeout=2):
                    pass
            except (urllib.error.URLError, OSError, ValueError):
                with self.lock:
                    del self.tasks[publish_id]
                raise ApiError(
                    403,
                    "The domain or URL prefix of video_url is not verified",
                    code="url_ownership_unverified",
                ) from None
            with self.lock:
                task["complete"] = True
            return self.ok({"publish_id": publish_id})
        size, chunk, count = (
            int(source.get(k, 0)) for k in ("video_size", "chunk_size", "total_chunk_count")
        )
        if source.get("source") != "FILE_UPLOAD" or size <= 0 or count != max(1, size // chunk):
            with self.lock:
                del self.tasks[publish_id]
            raise ApiError(
                400,
                "chunk_size and total_chunk_count do not match video_size",
                code="invalid_params",
            )
        return self.ok(
            {"publish_id": publish_id, "upload_url": f"{self.url}/upload/?upload_id={publish_id}"}
        )

    def _chunk(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            task = self.tasks.get(req.query.get("upload_id", ""))
            if task is None:
                raise ApiError(404, "upload not found", code="not_found")
            source = task["source"]
            spec = req.headers.get("content-range", "").removeprefix("bytes ")
            rng, _, total = spec.partition("/")
            first, last = (int(x) for x in rng.split("-"))
            if (
                int(total) != source["video_size"]
                or first != task["received"]
                or last - first + 1 != len(req.raw)
            ):
                raise ApiError(
                    400, "Content-Range does not match the upload", code="invalid_params"
                )
            task["received"] += len(req.raw)
            task["chunks"].append(rng)
            if task["received"] < source["video_size"]:
                return 206, None, {}
            task["complete"] = True
            return 201, None, {}

    def _status(self, publish_id: str) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            task = self.tasks.get(publish_id)
            if task is None:
                raise ApiError(400, "publish_id is invalid", code="invalid_publish_id")
            data: dict[str, Any] = {"uploaded_bytes": task["received"]}
            if not task["complete"]:
                data["status"] = "PROCESSING_UPLOAD"
            elif task["polls_left"] > 0:
                task["polls_left"] -= 1
                data["status"] = "PROCESSING_UPLOAD"
            elif self.fail_next_publish:
                task["failed"], self.fail_next_publish = self.fail_next_publish, None
                data.update(status="FAILED", fail_reason=task["failed"])
            elif task.get("failed"):
                data.update(status="FAILED", fail_reason=task["failed"])
            elif task["draft"]:
                data["status"] = "SEND_TO_USER_INBOX"
            else:
                data["status"] = "PUBLISH_COMPLETE"
                if "video_id" not in task:
                    task["video_id"] = str(7_300_000_000_000_000_000 + len(self.videos) + 1)
                    self.videos[task["video_id"]] = {
                        "id": task["video_id"],
                        "title": task["post_info"].get("title", ""),
                        "video_description": task["post_info"].get("title", ""),
                        "create_time": int(time.time()),
                        "share_url": f"https://www.tiktok.com/@{USERNAME}/video/{task['video_id']}",
                        "privacy": task["post_info"].get("privacy_level"),
                        "view_count": 0,
                        "like_count": 0,
                        "comment_count": 0,
                        "share_count": 0,
                    }
                if task["post_info"].get("privacy_level") == "PUBLIC_TO_EVERYONE":
                    data["publicaly_available_post_id"] = [int(task["video_id"])]
            return self.ok(data)

    def _list(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        size = int(body.get("max_count", 20))
        start = int(body.get("cursor") or 0)
        with self.lock:
            public = [v for v in self.videos.values() if v["privacy"] == "PUBLIC_TO_EVERYONE"]
        public.sort(key=lambda v: (v["create_time"], v["id"]), reverse=True)
        page = public[start : start + size]
        keys = ("id", "title", "video_description", "create_time", "share_url")
        return self.ok(
            {
                "videos": [{k: v[k] for k in keys} for v in page],
                "cursor": start + len(page),
                "has_more": start + size < len(public),
            }
        )
