"""The TikTok connector: Content Posting API direct post and upload-as-draft, status, metrics.

A post is: ``creator_info/query`` (the privacy levels this creator may use, the longest video),
``video/init`` (direct post, with ``post_info``) or ``inbox/video/init`` (a draft the creator
finishes in the app), the file ``PUT`` to ``upload_url`` in chunks (``Content-Range``), then
``status/fetch`` polled until ``PUBLISH_COMPLETE`` / ``SEND_TO_USER_INBOX`` (``FAILED`` ->
Rejected with ``fail_reason``). With ``PULL_FROM_URL`` (account setting
``public_media_base_url`` on a verified domain) TikTok fetches the file itself. Every answer is
``{"data": …, "error": {"code", "message", "log_id"}}`` and the ``code`` decides, whatever the
HTTP status: ``access_token_invalid`` -> AuthExpired; ``rate_limit_exceeded`` -> RateLimited (a
minute); ``spam_risk_too_many_posts`` / ``reached_active_user_cap`` -> RateLimited (a day);
``internal_error`` and 5xx -> Transient; anything else -> Rejected with the message.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn

import httpx

from clairon.errors import (
    AuthExpired,
    Problem,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from clairon.networks.base import (
    NOT_SENT,
    Capability,
    Connector,
    Limits,
    MediaFile,
    PublishRequest,
    PublishResult,
    RemoteMetrics,
)
from clairon.networks.oauth import OAuthConfig, refresh_tokens
from clairon.networks.rules import rules_for

__all__ = ["TikTokConnector", "chunk_plan"]

MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK = 5 * MB, 64 * MB
DAILY_CODES = frozenset({"spam_risk_too_many_posts", "reached_active_user_cap"})
AUTH_CODES = frozenset({"access_token_invalid", "access_token_expired"})
DONE = {"direct": "PUBLISH_COMPLETE", "draft": "SEND_TO_USER_INBOX"}
VIDEO_FIELDS = "id,title,video_description,create_time,share_url"
RECONCILE_PAGE = 20
RECONCILE_MAX_PAGES = 5
CLOCK_SKEW = timedelta(minutes=2)


def chunk_plan(size: int, chunk: int = 10 * MB) -> list[tuple[int, int]]:
    """(first, last) byte of each chunk: files under 5 MB go whole; otherwise
    ``size // chunk`` chunks, the last one taking the remainder (TikTok's media transfer rule)."""
    if size <= 0:
        return []
    if size < MIN_CHUNK or chunk >= size:
        return [(0, size - 1)]
    count = max(1, size // chunk)
    bounds = [(i * chunk, (i + 1) * chunk - 1) for i in range(count)]
    bounds[-1] = (bounds[-1][0], size - 1)
    return bounds


class TikTokConnector(Connector):
    network: ClassVar[str] = "tiktok"
    display_name: ClassVar[str] = "TikTok"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.media,
            Capability.metrics,
            Capability.refresh_token,
            Capability.reconcile,
            Capability.oauth,
        }
    )
    max_concurrency: ClassVar[int] = 1  # 6 init calls a minute per user token
    default_base_url: ClassVar[str | None] = "https://open.tiktokapis.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://www.tiktok.com/v2/auth/authorize/",
        token_url="https://open.tiktokapis.com/v2/oauth/token/",
        scopes=("user.info.basic", "video.publish", "video.upload", "video.list"),
        pkce=False,
        scope_separator=",",
        client_id_param="client_key",
    )
    status_poll_interval: ClassVar[float] = 5.0
    status_poll_timeout: ClassVar[float] = 120.0

    _creator: dict[str, Any] | None = None

    # --- HTTP ---
    def _api(
        self,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        repeatable: bool = True,
        **params: Any,
    ) -> dict[str, Any]:
        """``POST /v2/...`` with a JSON body; the ``data`` object of a successful answer."""
        token = self._token()
        response = self._request(
            "POST",
            f"{self.base_url}{path}",
            label=f"POST {path}",
            repeatable=repeatable,
            params=params or None,
            json=body if body is not None else {},
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json; charset=UTF-8",
            },
        )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        error = answer.get("error") if isinstance(answer, dict) else None
        code = str((error or {}).get("code", "")) if isinstance(error, dict) else ""
        if response.status_code < 400 and code == "ok":
            data = answer.get("data") if isinstance(answer, dict) else None
            return data if isinstance(data, dict) else {}
        self._raise(response, code, error if isinstance(error, dict) else {})

    def _raise(self, response: httpx.Response, code: str, error: dict[str, Any]) -> NoReturn:
        status, text = response.status_code, response.text[:2000]
        message = str(error.get("message") or text.strip()[:300] or f"HTTP {status}")
        if error.get("log_id"):
            message = f"{message} (log_id {error['log_id']})"
        if code in AUTH_CODES or status == 401:
            raise AuthExpired(f"TikTok refused the token: {message}", status=status, body=text)
        if code in DAILY_CODES:
            raise RateLimited(
                f"TikTok posting cap ({code}): {message}",
                retry_after=86400.0,
                status=status,
                body=text,
            )
        if code == "rate_limit_exceeded" or status == 429:
            try:
                wait = float(response.headers.get("retry-after", "60"))
            except ValueError:
                wait = 60.0
            raise RateLimited(
                f"TikTok rate limit: {message}", retry_after=wait, status=status, body=text
            )
        if code == "internal_error" or status >= 500 or not code:
            raise Transient(f"TikTok error {code or status}: {message}", status=status, body=text)
        raise Rejected(f"{code}: {message}", status=status, body=text)

    # --- identity and tokens ---
    def creator_info(self) -> dict[str, Any]:
        """``creator_info/query``: nickname, privacy_level_options, comment/duet/stitch
        switches and ``max_video_post_duration_sec``; read before every direct post."""
        self._creator = self._api("/v2/post/publish/creator_info/query/")
        return self._creator

    def whoami(self) -> tuple[str, str]:
        info = self.creator_info()
        return str(info.get("creator_username", "")), str(info.get("creator_nickname", ""))

    def refresh_token(self) -> dict[str, str]:
        """TikTok rotates the refresh token (365 days); the new pair replaces the old."""
        refresh = self.account.credentials.get("refresh_token")
        if not refresh or self.oauth is None:
            raise AuthExpired("no TikTok refresh token is stored; reconnect needed")
        config = self.oauth
        if self.account.settings.get("oauth_token_url"):
            config = replace(config, token_url=str(self.account.settings["oauth_token_url"]))
        tokens = refresh_tokens(
            self.http,
            config,
            client_id=self.app_credentials.get("client_key", "")
            or self.app_credentials.get("client_id", ""),
            client_secret=self.app_credentials.get("client_secret", ""),
            refresh_token=refresh,
        )
        creds = tokens.as_credentials()
        if tokens.expires_at is not None:
            creds["expires_at"] = tokens.expires_at.isoformat()
        if tokens.raw.get("open_id"):
            creds["open_id"] = str(tokens.raw["open_id"])
        return creds

    # --- rules ---
    def limits(self) -> Limits:
        return rules_for("tiktok")

    def mode(self, request: PublishRequest) -> str:
        """``direct`` (post now) or ``draft`` (upload to the creator's inbox)."""
        return str(request.options.get("mode") or self.account.settings.get("mode") or "direct")

    def privacy_level(self, request: PublishRequest) -> str:
        return str(
            request.options.get("privacy_level") or self.account.settings.get("privacy_level") or ""
        )

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        if len(request.media) != 1 or request.media[0].kind != "video":
            problems.append(Problem("media", "this connector posts exactly one video to TikTok"))
        if self.mode(request) not in DONE:
            problems.append(Problem("options.mode", "mode is 'direct' or 'draft'"))
        elif self.mode(request) == "direct" and not self.privacy_level(request):
            problems.append(
                Problem(
                    "options.privacy_level",
                    "TikTok requires the creator to choose who can view the post "
                    "(PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY)",
                )
            )
        if request.thread:
            problems.append(Problem("thread", "TikTok has no threads"))
        return problems

    def _check_creator(self, request: PublishRequest, media: MediaFile) -> None:
        info = self.creator_info()
        problems: list[str] = []
        options = info.get("privacy_level_options") or []
        if self.privacy_level(request) not in options:
            problems.append(
                f"privacy level {self.privacy_level(request)} is not offered to this creator "
                f"({', '.join(options)})"
            )
        longest = info.get("max_video_post_duration_sec")
        if longest and media.duration_seconds and media.duration_seconds > float(longest):
            problems.append(
                f"{media.path.name} lasts {media.duration_seconds:.0f} s, over this creator's "
                f"{longest} s"
            )
        if problems:
            raise Rejected("; ".join(problems))

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:
            raise Rejected("; ".join(str(p) for p in problems))
        media, mode = request.media[0], self.mode(request)
        if mode == "direct":
            self._check_creator(request, media)
        source, pull = self._source_info(media)
        body: dict[str, Any] = {"source_info": source}
        if mode == "direct":
            body["post_info"] = self._post_info(request)
            path = "/v2/post/publish/video/init/"
        else:
            path = "/v2/post/publish/inbox/video/init/"
        # a FILE_UPLOAD task does nothing until its bytes arrive; a pull starts at once
        init = self._api(path, body, repeatable=not pull)
        publish_id = str(init["publish_id"])
        if not pull:
            self._upload(str(init["upload_url"]), media, source)
        return self._wait(publish_id, mode)

    def _post_info(self, request: PublishRequest) -> dict[str, Any]:
        options, settings = request.options, self.account.settings
        info: dict[str, Any] = {
            "title": request.text,
            "privacy_level": self.privacy_level(request),
            "disable_comment": bool(
                options.get("disable_comment", settings.get("disable_comment", False))
            ),
            "disable_duet": bool(options.get("disable_duet", settings.get("disable_duet", False))),
            "disable_stitch": bool(
                options.get("disable_stitch", settings.get("disable_stitch", False))
            ),
            "is_aigc": request.ai_generated,
        }
        if options.get("video_cover_timestamp_ms") is not None:
            info["video_cover_timestamp_ms"] = int(options["video_cover_timestamp_ms"])
        if options.get("brand_content_toggle"):
            info["brand_content_toggle"] = True
        if options.get("brand_organic_toggle"):
            info["brand_organic_toggle"] = True
        return info

    def _source_info(self, media: MediaFile) -> tuple[dict[str, Any], bool]:
        base = self.account.settings.get("public_media_base_url")
        if base:
            url = f"{str(base).rstrip('/')}/{media.path.name}"
            return {"source": "PULL_FROM_URL", "video_url": url}, True
        chunk = int(self.account.settings.get("upload_chunk_bytes", 10 * MB))
        plan = chunk_plan(media.size_bytes, chunk)
        return {
            "source": "FILE_UPLOAD",
            "video_size": media.size_bytes,
            "chunk_size": plan[0][1] + 1,
            "total_chunk_count": len(plan),
        }, False

    def _upload(self, url: str, media: MediaFile, source: dict[str, Any]) -> None:
        data = media.path.read_bytes()
        plan = chunk_plan(len(data), int(source["chunk_size"]))
        for first, last in plan:
            final = last == len(data) - 1
            try:
                response = self.http.put(
                    url,
                    content=data[first : last + 1],
                    headers={
                        "Content-Type": media.mime,
                        "Content-Range": f"bytes {first}-{last}/{len(data)}",
                    },
                )
            except NOT_SENT as exc:
                raise Transient(f"could not reach TikTok's upload host: {exc}") from exc
            except httpx.TransportError as exc:
                if not final:
                    raise Transient(f"upload chunk {first}-{last}: {exc!r}") from exc
                raise UnknownOutcome(
                    f"the last chunk of {media.path.name} was sent but no answer came back"
                ) from exc
            if response.status_code not in (200, 201, 206):
                try:
                    error = response.json().get("error") or {}
                except (ValueError, AttributeError):
                    error = {}
                self._raise(response, str(error.get("code", "")), error)

    def _status(self, publish_id: str) -> dict[str, Any]:
        return self._api("/v2/post/publish/status/fetch/", {"publish_id": publish_id})

    def _wait(self, publish_id: str, mode: str) -> PublishResult:
        settings = self.account.settings
        interval = float(settings.get("status_poll_interval", self.status_poll_interval))
        deadline = time.monotonic() + float(
            settings.get("status_poll_timeout", self.status_poll_timeout)
        )
        while True:
            state = self._status(publish_id)
            status = str(state.get("status", ""))
            if status == "FAILED":
                raise Rejected(
                    f"TikTok could not post the video: {state.get('fail_reason') or status}"
                )
            if status == DONE[mode] or time.monotonic() + interval > deadline:
                return self._result(publish_id, state, done=status == DONE[mode])
            time.sleep(interval)

    def _result(self, publish_id: str, state: dict[str, Any], *, done: bool) -> PublishResult:
        """The public post id once moderation made the post public; until then the publish
        id (private posts and drafts never get a public id)."""
        public = [str(i) for i in state.get("publicaly_available_post_id") or []]
        post_id = public[0] if public else publish_id
        url = None
        if public and self._creator and self._creator.get("creator_username"):
            url = f"https://www.tiktok.com/@{self._creator['creator_username']}/video/{post_id}"
        extra: dict[str, Any] = {"publish_id": publish_id, "status": state.get("status")}
        if not done:
            extra["pending"] = True  # still processing: the status can be fetched later
        return PublishResult(post_id, url, datetime.now(UTC), extra)

    # --- reading ---
    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        data = self._api(
            "/v2/video/query/",
            {"filters": {"video_ids": [network_post_id]}},
            fields="id,view_count,like_count,comment_count,share_count",
        )
        videos = data.get("videos") or []
        if not videos:
            raise Rejected(f"TikTok has no public video {network_post_id}", status=404)
        video = videos[0]
        views = int(video.get("view_count", 0))
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=views,
            video_views=views,
            reactions=int(video.get("like_count", 0)),
            comments=int(video.get("comment_count", 0)),
            shares=int(video.get("share_count", 0)),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """The creator's public videos (``/v2/video/list/``, newest first) back to ``since``
        minus clock skew, matched on the exact caption. Drafts and private posts are not
        listed: they are never found (a repeated draft is harmless)."""
        if self.mode(request) == "draft":
            return None
        floor = int((since - CLOCK_SKEW).timestamp())
        body: dict[str, Any] = {"max_count": RECONCILE_PAGE}
        for _ in range(RECONCILE_MAX_PAGES):
            data = self._api("/v2/video/list/", body, fields=VIDEO_FIELDS)
            for video in data.get("videos") or []:
                if int(video.get("create_time", 0)) < floor:
                    return None
                caption = video.get("video_description") or video.get("title") or ""
                if caption == request.text:
                    return PublishResult(
                        str(video["id"]),
                        video.get("share_url"),
                        datetime.fromtimestamp(int(video["create_time"]), UTC),
                        {"reconciled": True},
                    )
            if not data.get("has_more"):
                return None
            body["cursor"] = data.get("cursor")
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} videos since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )

    def publish_status(self, publish_id: str) -> dict[str, Any]:
        """The raw ``status/fetch`` answer of an earlier publish (for pending results)."""
        return self._status(publish_id)
