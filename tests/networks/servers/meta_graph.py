"""Shared shape of the local Meta Graph API servers (Facebook Pages, Instagram).

Paths carry a version (``/v23.0/...``), which is stripped before routing. Errors are Graph's
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``: 401 -> code 190
(``OAuthException``), 429 -> code 4 with ``X-App-Usage`` and ``X-Business-Use-Case-Usage``
headers carrying ``estimated_time_to_regain_access``, 5xx -> code 2 ``is_transient``. A fault
may set ``code`` / ``error_subcode`` (``server.fail_next(400, code=17, headers=...)``). Media
URLs are fetched like Graph's cURL does: ``/media/<name>`` serves files from ``media_dir``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

_VERSION = re.compile(r"^/v\d+\.\d+(?=/)")
_OAUTH_CODES = (190, 4, 17, 32, 613, 100)
USAGE = {"call_count": 100, "total_cputime": 20, "total_time": 25}


def usage_headers(minutes: int = 12, business_id: str = "1001") -> dict[str, str]:
    buc = {
        business_id: [
            {"type": "pages", **USAGE, "estimated_time_to_regain_access": minutes},
        ]
    }
    return {"X-App-Usage": json.dumps(USAGE), "X-Business-Use-Case-Usage": json.dumps(buc)}


class GraphServer(FakeApi):
    server_name = "Graph"

    def __init__(self, media_dir: Path | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.media_dir = media_dir
        self.tokens: dict[str, str] = {}

    def rate_limit_headers(self) -> dict[str, str]:
        return usage_headers()

    def default_message(self, status: int) -> str:
        return {
            401: "Error validating access token: Session has expired.",
            429: "(#4) Application request limit reached",
        }.get(status, "An unexpected error has occurred. Please retry your request later.")

    fixtures: Path | None = None

    def error_body(self, error: ApiError) -> Any:
        if "fixture" in error.extra and self.fixtures is not None:
            return load_fixture(self.fixtures, str(error.extra["fixture"]))
        status = error.status
        code = error.extra.get("code")
        if code is None:
            code = {401: 190, 429: 4}.get(status, 2 if status >= 500 else 100)
        body: dict[str, Any] = {
            "message": error.message,
            "type": "OAuthException"
            if code in (190, 4, 17, 32, 613, 100)
            else "GraphMethodException",
            "code": int(code),
            "fbtrace_id": "AbCdEfGhIjK",
        }
        if "error_subcode" in error.extra:
            body["error_subcode"] = int(error.extra["error_subcode"])
        if status == 401:
            body["error_subcode"] = 463
        if status >= 500:
            body["is_transient"] = True
        if "error_user_msg" in error.extra:
            body["error_user_msg"] = error.extra["error_user_msg"]
        return {"error": body}

    # --- helpers for subclasses ---
    def who(self, req: Request) -> str:
        token = req.bearer() or req.query.get("access_token") or req.form.get("access_token")
        if not token or token not in self.tokens:
            raise ApiError(401, self.default_message(401))
        return self.tokens[token]

    def params(self, req: Request) -> dict[str, Any]:
        return {**req.query, **req.form}

    def fetch(self, url: str) -> bytes:
        """Fetch a media URL like Graph does; an unreachable one is Graph's 9004 error."""
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return bytes(answer.read())
        except (urllib.error.URLError, OSError, ValueError):
            raise ApiError(
                400,
                "Only photo or video can be accepted as media type.",
                code=9004,
                error_subcode=2207052,
                error_user_msg="The media could not be fetched from this URI: " + url,
            ) from None

    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.method == "GET" and req.path.startswith("/media/") and self.media_dir:
            path = self.media_dir / req.path.rsplit("/", 1)[-1]
            if not path.is_file():
                raise ApiError(404, "not found")
            return 200, {"size": path.stat().st_size}, {}
        req.path = _VERSION.sub("", req.path)
        return self.graph(req)

    def graph(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        raise ApiError(400, "Unknown path components", code=2500)

    def unknown(self, object_id: str) -> ApiError:
        return ApiError(
            400,
            f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation.",
            code=100,
            error_subcode=33,
        )
