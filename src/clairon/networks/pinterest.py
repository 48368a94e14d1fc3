"""The Pinterest connector: API v5 pins (image, carousel, video) on a board, analytics, reconcile.

A pin needs a board: ``options["board_id"]`` or the account setting ``default_board_id``
(:meth:`PinterestConnector.boards` lists them for the UI). Images go by URL when the account has
``public_media_base_url``, else inline as base64; videos are registered (``POST /v5/media``),
uploaded to the returned ``upload_url`` with its ``upload_parameters``, polled until
``succeeded``, then pinned by ``media_id``. ``POST /v5/pins`` is not repeatable: a lost answer
is UnknownOutcome, settled over the board's pins. Errors are ``{"code", "message"}``: 401 ->
AuthExpired, 429 -> RateLimited (``Retry-After`` / ``X-RateLimit-Reset``), 5xx -> Transient,
other 4xx -> Rejected.
"""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn

import httpx

from clairon.errors import AuthExpired, Problem, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks.base import (
    Capability,
    Connector,
    Limits,
    MediaFile,
    PublishRequest,
    PublishResult,
    RemoteMetrics,
)
from clairon.networks.oauth import OAuthConfig, refresh_tokens
from clairon.networks.rules import check_options, rules_for

__all__ = ["PinterestConnector"]

BASE64_MIMES = frozenset({"image/jpeg", "image/png"})
METRICS = "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW"
RECONCILE_PAGE = 50
RECONCILE_MAX_PAGES = 4
CLOCK_SKEW = timedelta(minutes=2)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def retry_after_seconds(response: httpx.Response) -> float:
    for name in ("retry-after", "x-ratelimit-reset"):
        try:
            return max(0.0, float(response.headers.get(name, "")))
        except ValueError:
            continue
    return 60.0


class PinterestConnector(Connector):
    network: ClassVar[str] = "pinterest"
    display_name: ClassVar[str] = "Pinterest"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.delete,
            Capability.media,
            Capability.metrics,
            Capability.refresh_token,
            Capability.reconcile,
            Capability.oauth,
        }
    )
    max_concurrency: ClassVar[int] = 2
    default_base_url: ClassVar[str | None] = "https://api.pinterest.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://www.pinterest.com/oauth/",
        token_url="https://api.pinterest.com/v5/oauth/token",
        scopes=("boards:read", "pins:read", "pins:write", "user_accounts:read"),
        pkce=False,
        client_auth="basic",
        scope_separator=",",
    )
    media_poll_interval: ClassVar[float] = 2.0
    media_poll_timeout: ClassVar[float] = 300.0

    # --- HTTP ---
    def _call(
        self, method: str, path: str, *, repeatable: bool = True, **kwargs: Any
    ) -> httpx.Response:
        token = self._token()
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        response = self._request(
            method,
            f"{self.base_url}{path}",
            label=f"{method} {path}",
            repeatable=repeatable,
            headers=headers,
            **kwargs,
        )
        if response.status_code < 400:
            return response
        self._raise(response)

    def _raise(self, response: httpx.Response) -> NoReturn:
        status, text = response.status_code, response.text[:2000]
        try:
            body = response.json()
        except ValueError:
            body = None
        message = (
            str(body.get("message") or f"HTTP {status}")
            if isinstance(body, dict)
            else text.strip()[:300] or f"HTTP {status}"
        )
        if status == 401:
            raise AuthExpired(f"Pinterest refused the token: {message}", status=status, body=text)
        if status == 429:
            raise RateLimited(
                f"Pinterest rate limit: {message}",
                retry_after=retry_after_seconds(response),
                status=status,
                body=text,
            )
        if status >= 500:
            raise Transient(f"Pinterest server error {status}: {message}", status=status, body=text)
        raise Rejected(message, status=status, body=text)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise Transient(f"Pinterest sent a body that is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise Transient("Pinterest sent an unexpected body")
        return body

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._json(self._call("GET", path, params=params))

    # --- identity and tokens ---
    def whoami(self) -> tuple[str, str]:
        me = self._get("/v5/user_account")
        return str(me["username"]), str(me.get("business_name") or me.get("username"))

    def boards(self) -> list[dict[str, str]]:
        """The account's boards (id, name, privacy), for the UI to pick a default."""
        found: list[dict[str, str]] = []
        params: dict[str, Any] = {"page_size": 100}
        for _ in range(10):
            page = self._get("/v5/boards", **params)
            found += [
                {
                    "id": str(b["id"]),
                    "name": str(b.get("name", "")),
                    "privacy": str(b.get("privacy", "")),
                }
                for b in page.get("items") or []
            ]
            if not page.get("bookmark"):
                break
            params["bookmark"] = page["bookmark"]
        return found

    def refresh_token(self) -> dict[str, str]:
        """``grant_type=refresh_token`` with HTTP Basic client auth; Pinterest may return a new
        refresh token (continuous refresh), else the stored one is kept."""
        refresh = self.account.credentials.get("refresh_token")
        if not refresh or self.oauth is None:
            raise AuthExpired("no Pinterest refresh token is stored; reconnect needed")
        config = self.oauth
        if self.account.settings.get("oauth_token_url"):
            config = replace(config, token_url=str(self.account.settings["oauth_token_url"]))
        tokens = refresh_tokens(
            self.http,
            config,
            client_id=self.app_credentials.get("client_id", ""),
            client_secret=self.app_credentials.get("client_secret", ""),
            refresh_token=refresh,
        )
        creds = tokens.as_credentials()
        if tokens.expires_at is not None:
            creds["expires_at"] = tokens.expires_at.isoformat()
        return creds

    # --- rules ---
    def limits(self) -> Limits:
        return rules_for("pinterest")

    def board_id(self, request: PublishRequest) -> str:
        return str(
            request.options.get("board_id") or self.account.settings.get("default_board_id") or ""
        )

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        problems += check_options(self.limits(), request.options)
        if not self.board_id(request):
            problems.append(
                Problem(
                    "options.board_id",
                    "a pin needs a board: set options.board_id or the account's default_board_id",
                )
            )
        if not request.media:
            problems.append(Problem("media", "a pin needs an image or a video"))
        link = str(request.options.get("link", ""))
        if len(link) > int(self.limits().extra.get("link_max_length", 2048)):
            problems.append(Problem("options.link", "the link is over 2,048 characters"))
        for i, media in enumerate(request.media):
            if len(media.alt_text) > 500:
                problems.append(Problem(f"media[{i}]", "alt text is over 500 characters"))
            if (
                media.kind == "image"
                and not self._public_url(media)
                and media.mime not in BASE64_MIMES
            ):
                problems.append(
                    Problem(
                        f"media[{i}] {media.path.name}",
                        f"{media.mime} can only be pinned from a public URL "
                        "(set public_media_base_url)",
                    )
                )
        if request.thread:
            problems.append(Problem("thread", "Pinterest has no threads"))
        return problems

    def _public_url(self, media: MediaFile) -> str | None:
        base = self.account.settings.get("public_media_base_url")
        return f"{str(base).rstrip('/')}/{media.path.name}" if base else None

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:
            raise Rejected("; ".join(str(p) for p in problems))
        body: dict[str, Any] = {
            "board_id": self.board_id(request),
            "description": request.text,
            "media_source": self._media_source(request),
        }
        for key in ("title", "link", "board_section_id", "dominant_color"):
            if request.options.get(key):
                body[key] = str(request.options[key])
        if request.media[0].alt_text:
            body["alt_text"] = request.media[0].alt_text
        pin = self._json(self._call("POST", "/v5/pins", repeatable=False, json=body))
        if "id" not in pin:
            raise UnknownOutcome("Pinterest answered the pin without an id")
        return self._result(pin)

    def _media_source(self, request: PublishRequest) -> dict[str, Any]:
        media = request.media
        if media[0].kind == "video":
            return self._video_source(media[0], request)
        if len(media) == 1:
            url = self._public_url(media[0])
            if url:
                return {"source_type": "image_url", "url": url}
            return {"source_type": "image_base64", **self._inline(media[0])}
        if all(self._public_url(m) for m in media):
            return {
                "source_type": "multiple_image_urls",
                "items": [{"url": self._public_url(m)} for m in media],
            }
        return {"source_type": "multiple_image_base64", "items": [self._inline(m) for m in media]}

    def _inline(self, media: MediaFile) -> dict[str, str]:
        return {
            "content_type": media.mime,
            "data": base64.b64encode(media.path.read_bytes()).decode("ascii"),
        }

    def _video_source(self, media: MediaFile, request: PublishRequest) -> dict[str, Any]:
        registered = self._json(self._call("POST", "/v5/media", json={"media_type": "video"}))
        media_id = str(registered["media_id"])
        fields = {str(k): str(v) for k, v in (registered.get("upload_parameters") or {}).items()}
        try:
            upload = self.http.post(
                str(registered["upload_url"]),
                data=fields,
                files={"file": (media.path.name, media.path.read_bytes(), media.mime)},
            )
        except httpx.TransportError as exc:  # an unused media id is never shown
            raise Transient(f"video upload to Pinterest failed: {exc!r}") from exc
        if upload.status_code >= 300:
            raise Transient(f"video upload to Pinterest answered {upload.status_code}")
        self._wait_for_media(media_id)
        source: dict[str, Any] = {"source_type": "video_id", "media_id": media_id}
        cover = request.options.get("cover_image_url")
        if cover:
            source["cover_image_url"] = str(cover)
        else:
            source["cover_image_key_frame_time"] = int(request.options.get("cover_key_frame_ms", 0))
        return source

    def _wait_for_media(self, media_id: str) -> None:
        settings = self.account.settings
        interval = float(settings.get("media_poll_interval", self.media_poll_interval))
        deadline = time.monotonic() + float(
            settings.get("media_poll_timeout", self.media_poll_timeout)
        )
        while True:
            status = self._get(f"/v5/media/{media_id}").get("status")
            if status == "succeeded":
                return
            if status == "failed":
                raise Rejected(f"Pinterest could not process video {media_id}")
            if time.monotonic() + interval > deadline:
                raise Transient(f"Pinterest is still processing video {media_id}")
            time.sleep(interval)

    def _result(self, pin: dict[str, Any], extra: dict[str, Any] | None = None) -> PublishResult:
        created = pin.get("created_at")
        return PublishResult(
            str(pin["id"]),
            f"https://www.pinterest.com/pin/{pin['id']}/",
            _parse_time(str(created)) if created else datetime.now(UTC),
            {"board_id": pin.get("board_id"), **(extra or {})},
        )

    def delete(self, network_post_id: str) -> None:
        try:
            self._call("DELETE", f"/v5/pins/{network_post_id}")
        except Rejected as exc:
            if exc.status == 404:
                return
            raise

    # --- reading ---
    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        """``GET /v5/pins/{id}/analytics`` over the last 90 days (Pinterest's window)."""
        today = datetime.now(UTC).date()
        body = self._get(
            f"/v5/pins/{network_post_id}/analytics",
            start_date=(today - timedelta(days=89)).isoformat(),
            end_date=today.isoformat(),
            metric_types=METRICS,
        )
        block = body.get("all") or {}
        values = block.get("summary_metrics") or block.get("lifetime_metrics") or {}
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=int(values.get("IMPRESSION", 0)),
            saves=int(values.get("SAVE", 0)),
            clicks=int(values.get("PIN_CLICK", 0)) + int(values.get("OUTBOUND_CLICK", 0)),
            video_views=int(values.get("VIDEO_MRC_VIEW", 0)),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """The board's pins (``GET /v5/boards/{id}/pins``, newest first) back to ``since``
        minus clock skew, matched on description, title and link."""
        floor = since - CLOCK_SKEW
        title = request.options.get("title") or None
        link = request.options.get("link") or None
        params: dict[str, Any] = {"page_size": RECONCILE_PAGE}
        path = f"/v5/boards/{self.board_id(request)}/pins"
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._get(path, **params)
            for pin in page.get("items") or []:
                if _parse_time(str(pin.get("created_at"))) < floor:
                    return None
                same = (
                    (pin.get("description") or "") == request.text
                    and (pin.get("title") or None) == title
                    and (pin.get("link") or None) == link
                )
                if same:
                    return self._result(pin, {"reconciled": True})
            if not page.get("bookmark"):
                return None
            params["bookmark"] = page["bookmark"]
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} pins since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )
