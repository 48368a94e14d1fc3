"""The YouTube connector: resumable ``videos.insert``, comments, replies, statistics, reconcile.

An upload starts a resumable session (``POST /upload/youtube/v3/videos?uploadType=resumable``
with the video resource as JSON; repeatable, nothing exists until the last byte arrives) and
sends the file in chunks (``PUT`` with ``Content-Range: bytes a-b/total``; ``308`` + ``Range``
says how much arrived). After an interrupted chunk the session is asked where it stands
(``PUT`` with ``Content-Range: bytes */total``) and the upload resumes from there; when even that
cannot be read after the last chunk left, the video may exist: UnknownOutcome, reconciled over
the channel's uploads playlist. Errors ``{"error": {"code", "message", "errors": [{"reason"}]}}``:
401 -> AuthExpired; ``quotaExceeded`` / ``uploadLimitExceeded`` -> RateLimited until the next
midnight Pacific time (when the daily quota resets); ``rateLimitExceeded`` /
``userRateLimitExceeded`` / 429 -> RateLimited (``Retry-After`` or a minute); 5xx -> Transient;
other 4xx -> Rejected.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn
from zoneinfo import ZoneInfo

import httpx

from clairon.errors import (
    AuthExpired,
    NetworkError,
    Problem,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from clairon.networks.base import (
    Capability,
    Connector,
    Limits,
    MediaFile,
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)
from clairon.networks.oauth import OAuthConfig, refresh_tokens
from clairon.networks.rules import check_options, rules_for

__all__ = ["YouTubeConnector", "next_pacific_midnight"]

API = "/youtube/v3"
UPLOAD = "/upload/youtube/v3/videos"
CHUNK = 256 * 1024  # resumable chunks must be multiples of 256 KiB (except the last)
DEFAULT_CHUNK = 32 * CHUNK  # 8 MiB
PRIVACY = ("private", "unlisted", "public")
DAILY_REASONS = frozenset({"quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
RECONCILE_PAGE = 50
RECONCILE_MAX_PAGES = 4
CLOCK_SKEW = timedelta(minutes=2)
PACIFIC = ZoneInfo("America/Los_Angeles")


def next_pacific_midnight(now: datetime | None = None) -> float:
    """Seconds until the YouTube Data API quota resets (midnight, America/Los_Angeles)."""
    now = (now or datetime.now(UTC)).astimezone(PACIFIC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds())


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class YouTubeConnector(Connector):
    network: ClassVar[str] = "youtube"
    display_name: ClassVar[str] = "YouTube"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.delete,
            Capability.media,
            Capability.read_comments,
            Capability.reply,
            Capability.metrics,
            Capability.refresh_token,
            Capability.reconcile,
            Capability.oauth,
        }
    )
    max_concurrency: ClassVar[int] = 1  # uploads are long and share the daily quota
    default_base_url: ClassVar[str | None] = "https://www.googleapis.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",
        scopes=(
            "https://www.googleapis.com/auth/youtube.upload",
            "https://www.googleapis.com/auth/youtube.force-ssl",
        ),
        pkce=True,
        extra_authorize_params={"access_type": "offline", "prompt": "consent"},
    )
    upload_retries: ClassVar[int] = 5

    _channel: dict[str, Any] | None = None

    # --- HTTP ---
    def _send(
        self,
        method: str,
        path: str,
        *,
        repeatable: bool = True,
        ok: tuple[int, ...] = (200, 201, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        token = self._token()
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        response = self._request(
            method, url, label=f"{method} {path}", repeatable=repeatable, headers=headers, **kwargs
        )
        if response.status_code in ok:
            return response
        self._raise(response)

    def _raise(self, response: httpx.Response) -> NoReturn:
        status, text = response.status_code, response.text[:2000]
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, dict):
            error = {"message": text.strip()[:300] or f"HTTP {status}"}
        reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
        message = str(error.get("message") or f"HTTP {status}")
        if status == 401:
            raise AuthExpired(f"YouTube refused the token: {message}", status=status, body=text)
        if reasons & DAILY_REASONS:
            raise RateLimited(
                f"YouTube daily quota: {message}",
                retry_after=next_pacific_midnight(),
                status=status,
                body=text,
            )
        if reasons & RATE_REASONS or status == 429:
            try:
                wait = float(response.headers.get("retry-after", "60"))
            except ValueError:
                wait = 60.0
            raise RateLimited(
                f"YouTube rate limit: {message}", retry_after=wait, status=status, body=text
            )
        if status >= 500:
            raise Transient(f"YouTube server error {status}: {message}", status=status, body=text)
        raise Rejected(message, status=status, body=text)

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        try:
            body = self._send("GET", f"{API}/{path}", params=params).json()
        except ValueError as exc:
            raise Transient(f"YouTube sent a body that is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise Transient("YouTube sent an unexpected body")
        return body

    # --- identity and tokens ---
    def channel(self) -> dict[str, Any]:
        if self._channel is None:
            items = self._get("channels", part="snippet,contentDetails", mine="true").get("items")
            if not items:
                raise Rejected("this Google account has no YouTube channel")
            self._channel = dict(items[0])
        return self._channel

    def whoami(self) -> tuple[str, str]:
        channel = self.channel()
        snippet = channel.get("snippet") or {}
        return str(snippet.get("customUrl") or channel["id"]), str(snippet.get("title", ""))

    def refresh_token(self) -> dict[str, str]:
        """Google answers a refresh without a new refresh token: the stored one is kept."""
        refresh = self.account.credentials.get("refresh_token")
        if not refresh or self.oauth is None:
            raise AuthExpired("no YouTube refresh token is stored; reconnect needed")
        config = self.oauth
        if self.account.settings.get("oauth_token_url"):  # a test or proxy token endpoint
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
        return rules_for("youtube")

    def title(self, request: PublishRequest) -> str:
        """``options["title"]``, else the first line of the text cut at 100 characters."""
        title = request.options.get("title")
        if title is None:
            first = request.text.strip().splitlines()[0] if request.text.strip() else ""
            title = first[:100].rstrip()
        return str(title)

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        problems += check_options(self.limits(), {**request.options, "title": self.title(request)})
        if len(request.media) != 1 or request.media[0].kind != "video":
            problems.append(Problem("media", "a YouTube upload is exactly one video"))
        if not self.title(request):
            problems.append(Problem("options.title", "YouTube needs a title"))
        privacy = self._privacy(request)
        if privacy not in PRIVACY:
            problems.append(
                Problem("options.privacy_status", f"'{privacy}' is not one of {', '.join(PRIVACY)}")
            )
        if request.thread:
            problems.append(Problem("thread", "YouTube has no threads"))
        return problems

    def _privacy(self, request: PublishRequest) -> str:
        return str(
            request.options.get("privacy_status")
            or self.account.settings.get("privacy_status")
            or "public"
        )

    def video_resource(self, request: PublishRequest) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "title": self.title(request),
            "description": request.text,
            "categoryId": str(request.options.get("category_id", "22")),
        }
        if request.options.get("tags"):
            snippet["tags"] = [str(t) for t in request.options["tags"]]
        if request.language:
            snippet["defaultLanguage"] = request.language
        made_for_kids = request.options.get(
            "made_for_kids", self.account.settings.get("made_for_kids", False)
        )
        status: dict[str, Any] = {
            "privacyStatus": self._privacy(request),
            "selfDeclaredMadeForKids": bool(made_for_kids),
            "containsSyntheticMedia": request.ai_generated,
        }
        if request.options.get("publish_at"):  # scheduled publication of a private video
            status["publishAt"] = str(request.options["publish_at"])
        return {"snippet": snippet, "status": status}

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:
            raise Rejected("; ".join(str(p) for p in problems))
        media = request.media[0]
        session = self._start_session(media, self.video_resource(request))
        video = self._upload(session, media)
        return self._result(video)

    def _start_session(self, media: MediaFile, resource: dict[str, Any]) -> str:
        response = self._send(
            "POST",
            UPLOAD,
            params={"uploadType": "resumable", "part": "snippet,status"},
            headers={
                "Content-Type": "application/json; charset=UTF-8",
                "X-Upload-Content-Length": str(media.size_bytes),
                "X-Upload-Content-Type": media.mime,
            },
            content=json.dumps(resource).encode(),
        )
        location = response.headers.get("location")
        if not location:
            raise Transient("YouTube started no upload session (no Location header)")
        return str(location)

    def _upload(self, session: str, media: MediaFile) -> dict[str, Any]:
        data = media.path.read_bytes()
        total = len(data)
        chunk = int(self.account.settings.get("upload_chunk_bytes", DEFAULT_CHUNK))
        chunk = max(CHUNK, chunk - chunk % CHUNK)
        retries = int(self.account.settings.get("upload_retries", self.upload_retries))
        offset, failures = 0, 0
        while True:
            end = min(offset + chunk, total)
            last = end == total
            try:
                response = self._send(
                    "PUT",
                    session,
                    repeatable=not last,
                    ok=(200, 201, 308),
                    headers={
                        "Content-Type": media.mime,
                        "Content-Range": f"bytes {offset}-{end - 1}/{total}",
                    },
                    content=data[offset:end],
                )
            except (Transient, UnknownOutcome) as exc:
                failures += 1
                response = self._session_status(session, total, exc, retries)
                if response.status_code == 308 and failures > retries:
                    raise Transient(
                        f"the upload keeps failing after {retries} retries ({exc}); nothing was "
                        "published"
                    ) from exc
            if response.status_code in (200, 201):
                return self._video(response)
            offset = _received(response)

    def _session_status(
        self, session: str, total: int, cause: NetworkError, retries: int
    ) -> httpx.Response:
        """Where the interrupted upload stands (``Content-Range: bytes */total``), asked up to
        ``retries`` times with a pause between tries."""
        delay = float(self.account.settings.get("upload_retry_delay", 2.0))
        error: NetworkError = cause
        for attempt in range(max(1, retries)):
            if attempt:
                time.sleep(delay * attempt)
            try:
                return self._send(
                    "PUT",
                    session,
                    ok=(200, 201, 308),
                    headers={"Content-Range": f"bytes */{total}"},
                    content=b"",
                )
            except Rejected as exc:
                if exc.status == 404:  # the session expired (a week) or was lost: start again
                    raise Transient("the YouTube upload session is gone; start again") from exc
                raise
            except Transient as exc:
                error = exc
        if isinstance(cause, UnknownOutcome):
            raise UnknownOutcome(
                f"the last chunk was sent, the answer lost ({cause}), and the session could "
                f"not be asked ({error})"
            ) from error
        raise error

    def _video(self, response: httpx.Response) -> dict[str, Any]:
        try:
            video = response.json()
        except ValueError as exc:
            raise UnknownOutcome("YouTube finished the upload without a video resource") from exc
        if not isinstance(video, dict) or "id" not in video:
            raise UnknownOutcome("YouTube finished the upload without a video id")
        return video

    def _result(self, video: dict[str, Any], extra: dict[str, Any] | None = None) -> PublishResult:
        published = (video.get("snippet") or {}).get("publishedAt")
        return PublishResult(
            str(video["id"]),
            f"https://www.youtube.com/watch?v={video['id']}",
            _parse_time(str(published)) if published else datetime.now(UTC),
            {"upload_status": (video.get("status") or {}).get("uploadStatus"), **(extra or {})},
        )

    def delete(self, network_post_id: str) -> None:
        try:
            self._send("DELETE", f"{API}/videos", params={"id": network_post_id})
        except Rejected as exc:
            if exc.status == 404:
                return
            raise

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        """Reply to a top-level comment (``comments.insert`` with ``parentId``)."""
        body = {"snippet": {"parentId": network_item_id, "textOriginal": text}}
        response = self._send(
            "POST", f"{API}/comments", repeatable=False, params={"part": "snippet"}, json=body
        )
        comment = response.json()
        return PublishResult(str(comment["id"]), None, datetime.now(UTC))

    # --- reading ---
    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        body = self._get(
            "commentThreads",
            part="snippet,replies",
            videoId=network_post_id,
            maxResults=100,
            order="time",
            textFormat="plainText",
        )
        own = self.channel()["id"]
        found: list[RemoteComment] = []
        for thread in body.get("items") or []:
            top = (thread.get("snippet") or {}).get("topLevelComment") or {}
            found.append(self._comment(top, network_post_id, "comment"))
            for reply in (thread.get("replies") or {}).get("comments") or []:
                parent = str((reply.get("snippet") or {}).get("parentId") or top.get("id"))
                found.append(self._comment(reply, parent, "reply"))
        found.sort(key=lambda c: (c.created_at, c.network_item_id))
        order = [c.network_item_id for c in found]
        start = order.index(since_id) + 1 if since_id in order else 0
        return [c for c in found[start:] if c.author_handle != own]

    def _comment(self, item: dict[str, Any], parent: str, kind: str) -> RemoteComment:
        snippet = item.get("snippet") or {}
        return RemoteComment(
            network_item_id=str(item.get("id")),
            parent_network_id=parent,
            author_handle=str((snippet.get("authorChannelId") or {}).get("value", "")),
            author_name=str(snippet.get("authorDisplayName", "")),
            text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
            created_at=_parse_time(str(snippet.get("publishedAt"))),
            kind=kind,
        )

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        items = self._get("videos", part="statistics", id=network_post_id).get("items") or []
        if not items:
            raise Rejected(f"YouTube has no video {network_post_id}", status=404)
        stats = items[0].get("statistics") or {}
        views = int(stats.get("viewCount", 0))
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=views,
            video_views=views,
            reactions=int(stats.get("likeCount", 0)),
            comments=int(stats.get("commentCount", 0)),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """The channel's uploads playlist (newest first) back to ``since`` minus clock skew,
        matched on the exact title and description."""
        uploads = ((self.channel().get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
            "uploads"
        )
        if not uploads:
            raise Transient("the channel's uploads playlist is not readable yet")
        title, floor = self.title(request), since - CLOCK_SKEW
        params: dict[str, Any] = {
            "part": "snippet,status",
            "playlistId": uploads,
            "maxResults": RECONCILE_PAGE,
        }
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._get("playlistItems", **params)
            for item in page.get("items") or []:
                snippet = item.get("snippet") or {}
                if _parse_time(str(snippet.get("publishedAt"))) < floor:
                    return None
                if snippet.get("title") == title and snippet.get("description") == request.text:
                    video_id = str((snippet.get("resourceId") or {}).get("videoId"))
                    video = {"id": video_id, "snippet": snippet}
                    return self._result(video, {"reconciled": True})
            if not page.get("nextPageToken"):
                return None
            params["pageToken"] = page["nextPageToken"]
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} uploads since "
            f"{since.isoformat()}; cannot settle the outcome yet"
        )


def _received(response: httpx.Response) -> int:
    """The next byte to send after a 308: ``Range: bytes=0-N`` -> N + 1 (no Range: 0)."""
    value = response.headers.get("range", "")
    if not value:
        return 0
    try:
        return int(value.rsplit("-", 1)[1]) + 1
    except (IndexError, ValueError) as exc:
        raise Transient(f"YouTube sent an unreadable Range header: {value!r}") from exc
