"""A local Pinterest API v5 server: pins, boards, board pins, media upload, analytics, OAuth.

``POST /v5/pins`` checks the board belongs to the user, the title (100) and description (500)
limits and the ``media_source`` (``image_url`` fetched like Pinterest does, ``image_base64``
decoded, ``multiple_image_*`` with 2–5 items, ``video_id`` only once the media ``succeeded``),
and answers 201 with the pin. ``POST /v5/media`` registers a video and returns an
``upload_url`` on the same server (a multipart POST with the ``upload_parameters``, 204 like
S3); the media stays ``processing`` for ``media_polls`` reads. Errors are
``{"code", "message"}``; 429 carries ``X-RateLimit-*`` headers. Failure knobs from FakeApi.
"""

from __future__ import annotations

import base64
import binascii
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pinterest"
DEFAULT_TOKEN = "pina_token"
REFRESH_TOKEN = "pinr_refresh"
CLIENT_ID, CLIENT_SECRET = "1484362", "pin-secret"
BOARDS = {"549755885175": "Recipes", "549755885176": "Café life"}
BOARD = "549755885175"

_CODES = {400: 1, 401: 2, 403: 3, 404: 4, 429: 8}


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "")


class PinterestServer(FakeApi):
    def __init__(self, media_dir: Path | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.media_dir = media_dir
        self.tokens = {DEFAULT_TOKEN}
        self.pins: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.analytics: dict[str, dict[str, int]] = {}
        self.media_polls = 0
        self.media_fails = False

    def rate_limit_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "1000",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "42",
        }

    def default_message(self, status: int) -> str:
        return {
            401: "Authentication failed.",
            429: "You have exceeded your rate limit. Try again later.",
        }.get(status, "Something went wrong on our end." if status >= 500 else "Invalid request")

    def error_body(self, error: ApiError) -> Any:
        if "fixture" in error.extra:
            return fixture(str(error.extra["fixture"]))
        code = error.extra.get("code", _CODES.get(error.status, 500 if error.status >= 500 else 1))
        return {"code": code, "message": error.message}

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.path == "/v5/oauth/token" and req.method == "POST":
            return self._token(req)
        if req.method == "GET" and req.path.startswith("/media-files/") and self.media_dir:
            path = self.media_dir / req.path.rsplit("/", 1)[-1]
            if not path.is_file():
                raise ApiError(404, "not found")
            return 200, {"size": path.stat().st_size}, {}
        if req.path.startswith("/s3-upload/") and req.method == "POST":
            return self._s3(req)
        if req.bearer() not in self.tokens:
            raise ApiError(401, self.default_message(401))
        seg = req.segments
        if req.path == "/v5/user_account":
            return 200, fixture("user_account__business"), {}
        if req.path == "/v5/boards" and req.method == "GET":
            items = [{**fixture("board__item"), "id": i, "name": n} for i, n in BOARDS.items()]
            start = int(req.query.get("bookmark", "0") or 0)
            size = int(req.query.get("page_size", "25"))
            body = {"items": items[start : start + size], "bookmark": None}
            if start + size < len(items):
                body["bookmark"] = str(start + size)
            return 200, body, {}
        if seg[:2] == ["v5", "boards"] and len(seg) == 4 and seg[3] == "pins":
            return 200, self._board_pins(seg[2], req.query), {}
        if req.path == "/v5/pins" and req.method == "POST":
            return 201, self._create(req.form), {}
        if seg[:2] == ["v5", "pins"] and len(seg) == 3 and req.method == "DELETE":
            with self.lock:
                if self.pins.pop(seg[2], None) is None:
                    raise ApiError(404, "Pin not found.")
            return 204, None, {}
        if seg[:2] == ["v5", "pins"] and seg[3:] == ["analytics"]:
            return 200, self._analytics(seg[2], req.query), {}
        if req.path == "/v5/media" and req.method == "POST":
            return 201, self._register(req.form), {}
        if seg[:2] == ["v5", "media"] and len(seg) == 3:
            return 200, self._media_status(seg[2]), {}
        raise ApiError(404, "Not found", code=404)

    def _token(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if req.headers.get("authorization") != f"Basic {expected}":
            return 401, {"code": 2, "message": "Authentication failed."}, {}
        form = req.form
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != REFRESH_TOKEN:
            return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}, {}
        token = f"pina_{self.next_id()}"
        with self.lock:
            self.tokens.add(token)
        body = fixture("token__refreshed")
        body["access_token"] = token
        return 200, body, {}

    def _fetch(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                pass
        except (urllib.error.URLError, OSError, ValueError):
            raise ApiError(400, f"Sorry, we could not fetch the image at {url}.", code=1) from None

    def _decode(self, item: dict[str, Any]) -> int:
        if item.get("content_type") not in ("image/jpeg", "image/png"):
            raise ApiError(400, "content_type must be image/jpeg or image/png")
        try:
            return len(base64.b64decode(str(item.get("data", "")), validate=True))
        except (binascii.Error, ValueError):
            raise ApiError(400, "Invalid base64 image data") from None

    def _create(self, form: dict[str, Any]) -> dict[str, Any]:
        board = str(form.get("board_id", ""))
        if board not in BOARDS:
            raise ApiError(404, "Board not found.", code=4)
        if len(str(form.get("title", ""))) > 100 or len(str(form.get("description", ""))) > 500:
            raise ApiError(400, "Invalid parameters: title or description too long")
        source = form.get("media_source") or {}
        kind = source.get("source_type")
        media: dict[str, Any] = {"source_type": kind}
        if kind == "image_url":
            self._fetch(str(source.get("url")))
        elif kind == "image_base64":
            media["bytes"] = self._decode(source)
        elif kind in ("multiple_image_urls", "multiple_image_base64"):
            items = source.get("items") or []
            if not 2 <= len(items) <= 5:
                raise ApiError(400, "Carousel pins take 2 to 5 images")
            for item in items:
                if kind == "multiple_image_urls":
                    self._fetch(str(item.get("url")))
                else:
                    self._decode(item)
            media["items"] = len(items)
        elif kind == "video_id":
            with self.lock:
                registered = self.media.get(str(source.get("media_id")))
            if registered is None or registered["status"] != "succeeded":
                raise ApiError(400, "Media not found or not ready", code=1)
            media["media_id"] = registered["id"]
        else:
            raise ApiError(400, "Invalid media_source")
        with self.lock:
            pin_id = str(813_744_226_000_000_000 + len(self.pins) + int(self.next_id()[-6:]))
            pin = fixture("pin__created")
            pin.update(
                id=pin_id,
                created_at=iso(),
                board_id=board,
                board_section_id=form.get("board_section_id"),
                title=form.get("title"),
                description=form.get("description"),
                link=form.get("link"),
                alt_text=form.get("alt_text"),
            )
            pin["media"] = {"media_type": "video" if kind == "video_id" else "image", **media}
            self.pins[pin_id] = pin
            time.sleep(0.001)
            return dict(pin)

    def _board_pins(self, board: str, q: dict[str, str]) -> dict[str, Any]:
        if board not in BOARDS:
            raise ApiError(404, "Board not found.", code=4)
        with self.lock:
            pins = [p for p in self.pins.values() if p["board_id"] == board]
        pins.sort(key=lambda p: (p["created_at"], p["id"]), reverse=True)
        start, size = int(q.get("bookmark", "0") or 0), int(q.get("page_size", "25"))
        body: dict[str, Any] = {"items": pins[start : start + size], "bookmark": None}
        if start + size < len(pins):
            body["bookmark"] = str(start + size)
        return body

    def _analytics(self, pin_id: str, q: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            if pin_id not in self.pins:
                raise ApiError(404, "Pin not found.")
            counts = self.analytics.get(pin_id, {})
        start, end = (datetime.fromisoformat(q[k]).date() for k in ("start_date", "end_date"))
        if (end - start).days > 90:
            raise ApiError(400, "start_date cannot be more than 90 days before end_date")
        wanted = q.get("metric_types", "").split(",")
        metrics = {m: counts.get(m, 0) for m in wanted}
        body = fixture("analytics__pin")
        body["all"]["summary_metrics"] = metrics
        body["all"]["lifetime_metrics"] = metrics
        return body

    def _register(self, form: dict[str, Any]) -> dict[str, Any]:
        if form.get("media_type") != "video":
            raise ApiError(400, "media_type must be video")
        with self.lock:
            media_id = self.next_id()
            self.media[media_id] = {
                "id": media_id,
                "status": "registered",
                "size": 0,
                "polls_left": self.media_polls,
            }
        body = fixture("media__registered")
        body.update(media_id=media_id, upload_url=f"{self.url}/s3-upload/{media_id}")
        return body

    def _s3(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        media_id = req.path.rsplit("/", 1)[-1]
        expected = fixture("media__registered")["upload_parameters"]
        with self.lock:
            media = self.media.get(media_id)
            if media is None or any(req.form.get(k) != v for k, v in expected.items()):
                raise ApiError(403, "AccessDenied")
            upload = req.form.get("file")
            media["size"] = len(upload["content"]) if isinstance(upload, dict) else 0
            media["status"] = "processing"
        return 204, None, {}

    def _media_status(self, media_id: str) -> dict[str, Any]:
        with self.lock:
            media = self.media.get(media_id)
            if media is None:
                raise ApiError(404, "Media not found.")
            if media["status"] == "processing":
                if media["polls_left"] > 0:
                    media["polls_left"] -= 1
                else:
                    media["status"] = "failed" if self.media_fails else "succeeded"
            return {"media_id": media_id, "media_type": "video", "status": media["status"]}
