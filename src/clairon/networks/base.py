"""What every network connector is: capabilities, limits, requests/results, the base class.

Generic code never names a network: it asks ``Capability.x in connector.capabilities``.
Connectors raise only :mod:`clairon.errors` network errors, which tell the worker what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import httpx

from clairon.errors import AuthExpired, Problem, Rejected, Transient, UnknownOutcome
from clairon.networks.oauth import OAuthConfig, refresh_tokens

__all__ = [
    "NOT_SENT",
    "AccountContext",
    "Capability",
    "Connector",
    "Limits",
    "MediaFile",
    "MediaRule",
    "PublishRequest",
    "PublishResult",
    "RemoteComment",
    "RemoteMetrics",
    "TextCounter",
    "code_points",
]


# Failures that happen before any byte of the request reached the server.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


class Capability(StrEnum):
    publish = "publish"
    delete = "delete"
    media = "media"
    thread = "thread"
    first_comment = "first_comment"
    read_comments = "read_comments"
    reply = "reply"
    metrics = "metrics"
    refresh_token = "refresh_token"
    reconcile = "reconcile"  # can list recent posts to settle an unknown outcome
    oauth = "oauth"


TextCounter = Callable[[str], int]


def code_points(text: str) -> int:
    return len(text)


@dataclass(frozen=True, slots=True)
class MediaRule:
    """Media accepted by one network for one post type."""

    kinds: frozenset[str] = frozenset({"image"})  # image, video, gif, document
    mimes: frozenset[str] = frozenset()  # empty = any mime of those kinds
    max_count: int = 4
    max_bytes: int | None = None
    min_width: int | None = None
    min_height: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    min_duration: float | None = None  # seconds (video)
    max_duration: float | None = None
    post_type: str = "feed"


@dataclass(frozen=True, slots=True)
class Limits:
    """A network's text and media rules. ``count`` is the network's own length rule."""

    network: str
    max_length: int
    count: TextCounter = code_points
    length_unit: str = "characters"
    max_bytes: int | None = None
    max_hashtags: int | None = None
    media: tuple[MediaRule, ...] = (MediaRule(),)
    mixed_media: bool = False  # may images and videos be mixed in one post
    daily_publish_cap: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def check_text(self, text: str, location: str = "text") -> list[Problem]:
        """Every text rule the given text breaks (empty list when it fits)."""
        problems: list[Problem] = []
        length = self.count(text)
        if length > self.max_length:
            problems.append(
                Problem(
                    location,
                    f"{length} {self.length_unit} is over {self.network}'s limit of "
                    f"{self.max_length} (by {length - self.max_length})",
                )
            )
        if self.max_bytes is not None:
            size = len(text.encode("utf-8"))
            if size > self.max_bytes:
                problems.append(
                    Problem(location, f"{size} bytes is over {self.network}'s {self.max_bytes}")
                )
        if self.max_hashtags is not None:
            from clairon.networks.hashtags import count_hashtags

            tags = count_hashtags(text)
            if tags > self.max_hashtags:
                problems.append(
                    Problem(
                        location,
                        f"{tags} hashtags is over {self.network}'s limit of {self.max_hashtags}",
                    )
                )
        return problems

    def media_rule(self, post_type: str = "feed") -> MediaRule | None:
        for rule in self.media:
            if rule.post_type == post_type:
                return rule
        return None


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: Path
    mime: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    alt_text: str = ""

    @property
    def kind(self) -> str:
        if self.mime == "image/gif":
            return "gif"
        major = self.mime.split("/", 1)[0]
        if major in ("image", "video"):
            return major
        return "document"


@dataclass(frozen=True, slots=True)
class PublishRequest:
    """One variant to publish. ``idempotency_key`` is stable across retries of this variant."""

    variant_id: int
    idempotency_key: str
    text: str
    language: str = ""
    media: tuple[MediaFile, ...] = ()
    thread: tuple[str, ...] = ()  # further posts, published as replies to the first
    first_comment: str = ""
    reply_to: str | None = None
    post_type: str = "feed"
    options: dict[str, Any] = field(default_factory=dict)  # network-specific (title, board...)
    ai_generated: bool = False


@dataclass(frozen=True, slots=True)
class PublishResult:
    network_post_id: str
    url: str | None
    published_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # thread ids, first comment id...


@dataclass(frozen=True, slots=True)
class RemoteComment:
    network_item_id: str
    parent_network_id: str | None
    author_handle: str
    text: str
    created_at: datetime
    author_name: str = ""
    url: str | None = None
    kind: str = "comment"  # comment, reply, mention, message
    author_followers: int | None = None


@dataclass(frozen=True, slots=True)
class RemoteMetrics:
    observed_at: datetime
    impressions: int = 0
    reach: int = 0
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    saves: int = 0
    video_views: int = 0


@dataclass(frozen=True, slots=True)
class AccountContext:
    """What a connector knows about the account it acts for (credentials decrypted)."""

    account_id: int
    handle: str
    credentials: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)
    base_url: str | None = None  # instance URL, or an override for tests/self-hosting
    data_dir: Path | None = None  # where a connector may keep files (the outbox writes here)


class Connector:
    """Base class of every connector. Subclasses set the class attributes and override the
    methods of the capabilities they declare; the others raise :class:`Rejected`."""

    network: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    max_concurrency: ClassVar[int] = 4  # simultaneous calls per account
    default_base_url: ClassVar[str | None] = None
    oauth: ClassVar[OAuthConfig | None] = None  # set by networks that connect with OAuth 2

    def __init__(
        self,
        account: AccountContext,
        *,
        http: httpx.Client | None = None,
        timeout: float = 20.0,
        app_credentials: dict[str, str] | None = None,
    ) -> None:
        self.account = account
        self.app_credentials = app_credentials or {}
        self.base_url = (account.base_url or self.default_base_url or "").rstrip("/")
        self._owns_http = http is None
        self.http = http if http is not None else httpx.Client(timeout=timeout)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _token(self) -> str:
        """The stored OAuth access token; none stored -> AuthExpired (the user reconnects)."""
        token = str(self.account.credentials.get("access_token", ""))
        if not token:
            raise AuthExpired(f"no {self.display_name} access token is stored for this account")
        return token

    def _request(
        self,
        method: str,
        url: str,
        *,
        label: str,
        repeatable: bool,
        host: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One HTTP request with the transport failures mapped: not sent -> Transient; sent
        but unanswered -> Transient when ``repeatable``, else UnknownOutcome (never retried
        blindly). ``label`` names the call in messages, ``host`` whom we could not reach."""
        try:
            return self.http.request(method, url, **kwargs)
        except NOT_SENT as exc:
            raise Transient(f"could not reach {host or self.display_name}: {exc}") from exc
        except httpx.TransportError as exc:
            if repeatable:
                raise Transient(f"{label}: {exc!r}") from exc
            raise UnknownOutcome(
                f"{label} was sent but no answer came back ({type(exc).__name__})"
            ) from exc

    # --- rules ---
    def limits(self) -> Limits:
        raise NotImplementedError

    def validate(self, request: PublishRequest) -> list[Problem]:
        """Every rule the request breaks, before anything is sent."""
        limits = self.limits()
        problems = limits.check_text(request.text)
        for i, part in enumerate(request.thread, start=2):
            problems += limits.check_text(part, f"thread[{i}]")
        if request.media:
            rule = limits.media_rule(request.post_type)
            if rule is None:
                problems.append(
                    Problem("media", f"{self.network} accepts no media for '{request.post_type}'")
                )
            else:
                from clairon.networks.media import check_media

                problems += check_media(list(request.media), rule, self.network)
        return problems

    # --- capabilities (override the ones declared) ---
    def publish(self, request: PublishRequest) -> PublishResult:
        raise self._unsupported(Capability.publish)

    def delete(self, network_post_id: str) -> None:
        raise self._unsupported(Capability.delete)

    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        raise self._unsupported(Capability.read_comments)

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        raise self._unsupported(Capability.reply)

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        raise self._unsupported(Capability.metrics)

    def refresh_token(self) -> dict[str, str]:
        """Return new credentials (merged over the old ones by the caller); an ``expires_at``
        key (ISO-8601) tells when the new access token expires. The default uses the
        connector's OAuth 2 configuration and the stored refresh token."""
        refresh = self.account.credentials.get("refresh_token")
        if self.oauth is None or Capability.refresh_token not in self.capabilities:
            raise self._unsupported(Capability.refresh_token)
        if not refresh:
            raise AuthExpired(f"no refresh token stored for {self.network}; reconnect needed")
        tokens = refresh_tokens(
            self.http,
            self.oauth,
            client_id=self.app_credentials.get("client_id", ""),
            client_secret=self.app_credentials.get("client_secret", ""),
            refresh_token=refresh,
        )
        creds = tokens.as_credentials()
        if tokens.expires_at is not None:
            creds["expires_at"] = tokens.expires_at.isoformat()
        return creds

    def whoami(self) -> tuple[str, str]:
        """(handle, display name) of the account the credentials belong to (after OAuth)."""
        raise self._unsupported(Capability.oauth)

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """Settle an unknown outcome: the post if the network has it, ``None`` if proved absent.

        Raise a NetworkError when the answer cannot be known now (try again later)."""
        raise self._unsupported(Capability.reconcile)

    def _unsupported(self, capability: Capability) -> Rejected:
        return Rejected(f"{self.network} does not support '{capability}'")
