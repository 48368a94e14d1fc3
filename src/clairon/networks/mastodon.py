"""The Mastodon connector: statuses, media, replies, metrics and reconcile over the REST API.

Every call maps failures onto :mod:`clairon.errors`: 401 -> AuthExpired, 429 -> RateLimited
(``X-RateLimit-Reset`` or ``Retry-After``), other 4xx -> Rejected (the server's own words),
5xx and connection failures before the request left -> Transient, and a request that left but
got no answer on a non-repeatable call -> UnknownOutcome. Statuses are created with an
``Idempotency-Key`` (one per part: thread posts and the first comment get derived keys), so a
retry within Mastodon's one-hour idempotency window returns the status already created.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, ClassVar

import httpx
import regex

from clairon.errors import (
    AuthExpired,
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
    MediaRule,
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)

__all__ = ["MastodonConnector", "MastodonCounter", "html_to_text"]

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23
DEFAULT_MAX_MEDIA = 4
DEFAULT_MIMES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm"}
)
RECONCILE_PAGE = 40
RECONCILE_MAX_PAGES = 5
CLOCK_SKEW = timedelta(minutes=2)  # the instance's clock may run behind ours

# Mastodon counts a URL (with its scheme) as ``characters_reserved_per_url`` and a mention
# ``@user@domain`` as ``@user`` (StatusLengthValidator), then counts grapheme clusters.
_URL = regex.compile(r"(?<![\w/])https?://[^\s<>\"]+?(?=[.,;:!?)\]'\"]*(?:\s|$))", regex.I)
_MENTION = regex.compile(
    r"(?<![=/\w])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?:@[\w.-]+\w)?", regex.I
)
_SPACE = regex.compile(r"\s+")


# Failures that happen before any byte of the request reached the server.


class MastodonCounter:
    """Mastodon's length rule for one instance (picklable, unlike a closure)."""

    def __init__(self, url_length: int = DEFAULT_URL_LENGTH) -> None:
        self.url_length = url_length

    def __call__(self, text: str) -> int:
        countable = _URL.sub("x" * self.url_length, text)
        countable = _MENTION.sub(lambda m: "@" + m.group(1), countable)
        return len(regex.findall(r"\X", countable))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self._paragraphs:
                self.parts.append("\n\n")
            self._paragraphs += 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """A status's HTML ``content`` as the plain text a reader sees (links in full)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()


def _comparable(text: str) -> str:
    """Text reduced to what survives Mastodon's rendering (remote mentions lose the domain)."""
    text = str(_MENTION.sub(lambda m: "@" + m.group(1), text))
    return str(_SPACE.sub(" ", text)).strip()


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _id_key(status_id: str) -> tuple[int, str]:
    return (int(status_id), "") if status_id.isdigit() else (0, status_id)


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for field in ("error_description", "error"):
            if isinstance(body.get(field), str) and body[field]:
                return str(body[field])
    text = response.text.strip()
    return text[:300] or f"HTTP {response.status_code}"


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float:
    """Seconds to wait from ``X-RateLimit-Reset`` (ISO time) or ``Retry-After``; 60 if absent."""
    now = now or datetime.now(UTC)
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, (_parse_time(reset) - now).total_seconds())
        except ValueError:
            pass
    retry = response.headers.get("Retry-After")
    if retry:
        try:
            return max(0.0, float(retry))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(retry) - now).total_seconds())
            except (TypeError, ValueError):
                pass
    return 60.0


class MastodonConnector(Connector):
    network: ClassVar[str] = "mastodon"
    display_name: ClassVar[str] = "Mastodon"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.delete,
            Capability.media,
            Capability.thread,
            Capability.first_comment,
            Capability.read_comments,
            Capability.reply,
            Capability.metrics,
            Capability.reconcile,
        }
    )
    max_concurrency: ClassVar[int] = 2
    media_poll_interval: ClassVar[float] = 1.0  # seconds; account setting overrides
    media_poll_timeout: ClassVar[float] = 300.0

    _limits: Limits | None = None
    _me: dict[str, Any] | None = None

    # --- HTTP ---
    def _call(
        self,
        method: str,
        path: str,
        *,
        repeatable: bool = True,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One API call with errors mapped. ``repeatable``: sending it twice does no harm."""
        if not self.base_url:
            raise Rejected("no Mastodon instance URL is set for this account")
        sent_headers = {"Accept": "application/json", **(headers or {})}
        if auth:
            token = self._token()
            sent_headers["Authorization"] = f"Bearer {token}"
        response = self._request(
            method,
            f"{self.base_url}{path}",
            label=f"{method} {path}",
            repeatable=repeatable,
            host=self.base_url,
            headers=sent_headers,
            **kwargs,
        )
        self._raise_for_status(response)
        return response

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = _error_message(response)
        body = response.text[:2000]
        if status == 401:
            raise AuthExpired(f"Mastodon refused the token: {message}", status=status, body=body)
        if status == 429:
            raise RateLimited(
                f"Mastodon rate limit: {message}",
                retry_after=retry_after_seconds(response),
                status=status,
                body=body,
            )
        if status >= 500:
            raise Transient(f"Mastodon server error {status}: {message}", status=status, body=body)
        raise Rejected(message, status=status, body=body)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise Transient(f"Mastodon sent a body that is not JSON: {exc}") from exc

    # --- rules ---
    def limits(self) -> Limits:
        if self._limits is None:
            config = self._instance_configuration()
            if config is None:
                return self._build_limits({})
            self._limits = self._build_limits(config)
        return self._limits

    def _instance_configuration(self) -> dict[str, Any] | None:
        for path in ("/api/v2/instance", "/api/v1/instance"):
            try:
                body = self._json(self._call("GET", path, auth=False))
            except (Transient, Rejected, RateLimited, AuthExpired):
                continue
            if isinstance(body, dict):
                config = body.get("configuration")
                if isinstance(config, dict) and config:
                    return config
                if "max_toot_chars" in body:  # older forks (Pleroma, glitch)
                    return {"statuses": {"max_characters": body["max_toot_chars"]}}
        return None

    def _build_limits(self, config: dict[str, Any]) -> Limits:
        statuses = config.get("statuses") or {}
        media = config.get("media_attachments") or {}
        url_length = int(statuses.get("characters_reserved_per_url", DEFAULT_URL_LENGTH))
        image_limit = media.get("image_size_limit")
        video_limit = media.get("video_size_limit")
        sizes = [int(v) for v in (image_limit, video_limit) if v]
        mimes = frozenset(media.get("supported_mime_types") or DEFAULT_MIMES)
        return Limits(
            network=self.network,
            max_length=int(statuses.get("max_characters", DEFAULT_MAX_CHARACTERS)),
            count=MastodonCounter(url_length),
            media=(
                MediaRule(
                    kinds=frozenset({"image", "gif", "video"}),
                    mimes=frozenset(m for m in mimes if m.split("/")[0] in ("image", "video")),
                    max_count=int(statuses.get("max_media_attachments", DEFAULT_MAX_MEDIA)),
                    max_bytes=max(sizes) if sizes else None,
                ),
            ),
            mixed_media=False,
            extra={
                "characters_reserved_per_url": url_length,
                "image_size_limit": int(image_limit) if image_limit else None,
                "video_size_limit": int(video_limit) if video_limit else None,
            },
        )

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        limits = self.limits()
        spoiler = str(request.options.get("spoiler_text", ""))
        if spoiler:  # Mastodon counts the content warning with the text
            problems += limits.check_text(spoiler + request.text, "spoiler_text + text")
        for i, media in enumerate(request.media):
            cap = limits.extra.get(
                "video_size_limit" if media.kind == "video" else "image_size_limit"
            )
            if cap and media.size_bytes > cap:
                problems.append(
                    Problem(
                        f"media[{i}] {media.path.name}",
                        f"{media.size_bytes} bytes is over this instance's {media.kind} "
                        f"limit of {cap} bytes",
                    )
                )
        kinds = {m.kind for m in request.media}
        if "video" in kinds and len(request.media) > 1:
            problems.append(Problem("media", "Mastodon takes one video alone, not with others"))
        return problems

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        media_ids = [
            self._upload(m.path.read_bytes(), m.mime, m.path.name, m.alt_text)
            for m in request.media
        ]
        main = self._create_status(
            request.text,
            key=request.idempotency_key,
            in_reply_to=request.reply_to,
            language=request.language,
            media_ids=media_ids,
            options=request.options,
        )
        extra: dict[str, Any] = {}
        parent = str(main["id"])
        thread_ids: list[str] = []
        for i, part in enumerate(request.thread, start=2):
            status = self._create_status(
                part,
                key=f"{request.idempotency_key}:thread:{i}",
                in_reply_to=parent,
                language=request.language,
                options=request.options,
            )
            parent = str(status["id"])
            thread_ids.append(parent)
        if thread_ids:
            extra["thread_ids"] = thread_ids
        if request.first_comment:
            comment = self._create_status(
                request.first_comment,
                key=f"{request.idempotency_key}:first-comment",
                in_reply_to=str(main["id"]),
                language=request.language,
                options=request.options,
            )
            extra["first_comment_id"] = str(comment["id"])
        return self._result(main, extra)

    def _create_status(
        self,
        text: str,
        *,
        key: str,
        in_reply_to: str | None = None,
        language: str = "",
        media_ids: Sequence[str] = (),
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        options = options or {}
        form: dict[str, Any] = {
            "status": text,
            "visibility": str(
                options.get("visibility") or self.account.settings.get("visibility", "public")
            ),
        }
        if language:
            form["language"] = language.split("-")[0].lower()
        if in_reply_to:
            form["in_reply_to_id"] = in_reply_to
        if media_ids:
            form["media_ids[]"] = list(media_ids)
        if options.get("spoiler_text"):
            form["spoiler_text"] = str(options["spoiler_text"])
        if options.get("sensitive"):
            form["sensitive"] = "true"
        response = self._call(
            "POST",
            "/api/v1/statuses",
            repeatable=False,
            headers={"Idempotency-Key": key},
            data=form,
        )
        status = self._json(response)
        if not isinstance(status, dict) or "id" not in status:
            raise UnknownOutcome("Mastodon answered the post without a status id")
        return status

    def _upload(self, content: bytes, mime: str, filename: str, description: str) -> str:
        """Upload one file (repeatable: an unused attachment is never shown and is cleaned up)."""
        data = {"description": description} if description else {}
        response = self._call(
            "POST", "/api/v2/media", files={"file": (filename, content, mime)}, data=data
        )
        media = self._json(response)
        media_id = str(media["id"])
        if response.status_code == 202 or not media.get("url"):
            self._wait_for_media(media_id)
        return media_id

    def _wait_for_media(self, media_id: str) -> None:
        settings = self.account.settings
        interval = float(settings.get("media_poll_interval", self.media_poll_interval))
        deadline = time.monotonic() + float(
            settings.get("media_poll_timeout", self.media_poll_timeout)
        )
        while True:
            response = self._call("GET", f"/api/v1/media/{media_id}")
            if response.status_code == 200 and self._json(response).get("url"):
                return
            if time.monotonic() + interval > deadline:
                raise Transient(f"Mastodon is still processing media {media_id}; try again later")
            time.sleep(interval)

    def _result(self, status: dict[str, Any], extra: dict[str, Any] | None = None) -> PublishResult:
        created = status.get("created_at")
        return PublishResult(
            network_post_id=str(status["id"]),
            url=status.get("url") or status.get("uri"),
            published_at=_parse_time(created) if isinstance(created, str) else None,
            extra=extra or {},
        )

    def delete(self, network_post_id: str) -> None:
        try:
            self._call("DELETE", f"/api/v1/statuses/{network_post_id}")
        except Rejected as exc:
            if exc.status == 404:  # already gone: the state the caller asked for
                return
            raise

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        # Same item + same text = same key, so a retry inside the hour cannot double a reply.
        digest = hashlib.sha256(f"{network_item_id}\n{text}".encode()).hexdigest()[:32]
        status = self._create_status(text, key=f"reply:{digest}", in_reply_to=network_item_id)
        return self._result(status)

    # --- reading ---
    def _own_account(self) -> dict[str, Any]:
        if self._me is None:
            me = self._json(self._call("GET", "/api/v1/accounts/verify_credentials"))
            if not isinstance(me, dict) or "id" not in me:
                raise Transient("verify_credentials answered without an account id")
            self._me = me
        return self._me

    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        context = self._json(self._call("GET", f"/api/v1/statuses/{network_post_id}/context"))
        own_id = str(self._own_account()["id"])
        comments: list[RemoteComment] = []
        for status in context.get("descendants", []):
            author = status.get("account") or {}
            if str(author.get("id")) == own_id:
                continue  # our own thread parts and replies are not inbox items
            item_id = str(status["id"])
            if since_id is not None and _id_key(item_id) <= _id_key(since_id):
                continue
            parent = status.get("in_reply_to_id")
            comments.append(
                RemoteComment(
                    network_item_id=item_id,
                    parent_network_id=str(parent) if parent is not None else None,
                    author_handle=str(author.get("acct", "")),
                    author_name=str(author.get("display_name", "")),
                    text=html_to_text(str(status.get("content", ""))),
                    created_at=_parse_time(str(status["created_at"])),
                    url=status.get("url") or status.get("uri"),
                    kind="comment" if str(parent) == network_post_id else "reply",
                    author_followers=author.get("followers_count"),
                )
            )
        return comments

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        status = self._json(self._call("GET", f"/api/v1/statuses/{network_post_id}"))
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            reactions=int(status.get("favourites_count", 0)),
            shares=int(status.get("reblogs_count", 0)),
            comments=int(status.get("replies_count", 0)),
        )

    def _follow_ups(self, request: PublishRequest, main_id: str) -> dict[str, Any]:
        """Which thread parts and first comment of a reconciled post exist, and which are missing.

        A missing part can be published later with the same derived idempotency key."""
        extra: dict[str, Any] = {"reconciled": True}
        if not request.thread and not request.first_comment:
            return extra
        context = self._json(self._call("GET", f"/api/v1/statuses/{main_id}/context"))
        own_id = str(self._own_account()["id"])
        replies: dict[tuple[str, str], str] = {}
        for status in context.get("descendants", []):
            if str((status.get("account") or {}).get("id")) == own_id:
                text = _comparable(html_to_text(str(status.get("content", ""))))
                replies.setdefault((str(status.get("in_reply_to_id")), text), str(status["id"]))
        missing: list[str] = []
        parent, thread_ids = main_id, []
        for i, part in enumerate(request.thread, start=2):
            found = replies.get((parent, _comparable(part)))
            if found is None:
                missing += [f"thread[{j}]" for j in range(i, len(request.thread) + 2)]
                break
            thread_ids.append(parent := found)
        if thread_ids:
            extra["thread_ids"] = thread_ids
        if request.first_comment:
            comment = replies.get((main_id, _comparable(request.first_comment)))
            if comment is None:
                missing.append("first_comment")
            else:
                extra["first_comment_id"] = comment
        if missing:
            extra["missing_parts"] = missing
        return extra

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """Look for the main status among the account's recent statuses (newest first).

        ``None`` only once a page reaches statuses older than ``since`` (or the account's end)
        without a match; if the match may lie further back, raise Transient."""
        wanted = _comparable(request.text)
        floor = since - CLOCK_SKEW
        account_id = self._own_account()["id"]
        params: dict[str, Any] = {"limit": RECONCILE_PAGE}
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._json(
                self._call("GET", f"/api/v1/accounts/{account_id}/statuses", params=params)
            )
            for status in page:
                created = _parse_time(str(status["created_at"]))
                if created < floor:
                    return None
                if (
                    status.get("in_reply_to_id") == request.reply_to
                    and _comparable(html_to_text(str(status.get("content", "")))) == wanted
                ):
                    return self._result(status, self._follow_ups(request, str(status["id"])))
            if len(page) < RECONCILE_PAGE:
                return None
            params["max_id"] = str(page[-1]["id"])
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} statuses since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )
