"""The Instagram connector: Graph API containers, carousels, reels, first comment, insights.

Publishing is container -> publish. ``GET /{ig-user-id}/content_publishing_limit`` is read
first and an exhausted quota raises RateLimited before anything is created. Containers
(``POST /{ig-user-id}/media``) are repeatable (an unpublished container is invisible and
expires after 24 hours) and polled on ``status_code`` until ``FINISHED``; ``ERROR`` -> Rejected,
``EXPIRED`` -> Transient. ``POST /{ig-user-id}/media_publish`` is not repeatable: when it fails
the container's ``status_code`` decides (``PUBLISHED`` -> UnknownOutcome, reconciled later),
and a lost answer is UnknownOutcome. A first comment that fails once the post is live is
reported in ``PublishResult.extra`` (``missing_parts``, ``partial_error``), never retried
by republishing. Graph fetches media by URL: account setting ``public_media_base_url`` (the
file name is appended) or ``options["media_urls"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from clairon.errors import (
    AuthExpired,
    NetworkError,
    Problem,
    RateLimited,
    Rejected,
    Transient,
)
from clairon.networks.base import (
    Capability,
    Limits,
    MediaFile,
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)
from clairon.networks.graph import ContainerConnector, parse_graph_time
from clairon.networks.oauth import OAuthConfig
from clairon.networks.rules import rules_for

__all__ = ["InstagramConnector"]

MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type"
COMMENT_FIELDS = "id,text,timestamp,username,replies{id,text,timestamp,username}"
RECONCILE_PAGE = 50
RECONCILE_MAX_PAGES = 4
CLOCK_SKEW = timedelta(minutes=2)
QUOTA_WAIT = 3600.0  # the quota is a rolling 24 hours; look again in an hour


class InstagramConnector(ContainerConnector):
    network: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.media,
            Capability.first_comment,
            Capability.read_comments,
            Capability.reply,
            Capability.metrics,
            Capability.refresh_token,
            Capability.reconcile,
            Capability.oauth,
        }
    )
    max_concurrency: ClassVar[int] = 1  # containers then publish, one post at a time
    default_base_url: ClassVar[str | None] = "https://graph.instagram.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://www.instagram.com/oauth/authorize",
        token_url="https://api.instagram.com/oauth/access_token",
        scopes=(
            "instagram_business_basic",
            "instagram_business_content_publish",
            "instagram_business_manage_comments",
            "instagram_business_manage_insights",
        ),
        pkce=False,
        scope_separator=",",
    )
    container_poll_interval: ClassVar[float] = 5.0
    container_poll_timeout: ClassVar[float] = 300.0

    _me: dict[str, Any] | None = None

    # --- identity and tokens ---
    def _user(self) -> dict[str, Any]:
        if self._me is None:
            ig = self.account.credentials.get("ig_user_id")
            self._me = self._call("GET", f"/{ig}" if ig else "/me", fields="id,username,name")
        return self._me

    @property
    def user_id(self) -> str:
        return str(self.account.credentials.get("ig_user_id") or self._user()["id"])

    def whoami(self) -> tuple[str, str]:
        me = self._user()
        return str(me["username"]), str(me.get("name", ""))

    def refresh_token(self) -> dict[str, str]:
        """Right after Instagram Login the stored token is short-lived (an hour): exchange it
        for a 60-day one (``ig_exchange_token``, needs the app secret). Afterwards extend the
        long-lived token (``ig_refresh_token``; it must be at least 24 hours old). Accounts
        connected through Facebook Login hold a Page-derived token that needs no refresh."""
        if self.account.settings.get("login") == "facebook":
            raise AuthExpired("Instagram via Facebook Login: reconnect to renew the token")
        if self.account.credentials.get("token_kind") == "long_lived":
            body = self._call(
                "GET", "/refresh_access_token", versioned=False, grant_type="ig_refresh_token"
            )
        else:
            body = self._call(
                "GET",
                "/access_token",
                versioned=False,
                grant_type="ig_exchange_token",
                client_secret=self.app_credentials.get("client_secret", ""),
            )
        creds = {"access_token": str(body["access_token"]), "token_kind": "long_lived"}
        if body.get("expires_in"):
            expires = datetime.now(UTC) + timedelta(seconds=int(body["expires_in"]))
            creds["expires_at"] = expires.isoformat()
        return creds

    def publishing_quota(self) -> tuple[int, int]:
        """(posts used, posts allowed) in the rolling 24 hours."""
        body = self._call(
            "GET", f"/{self.user_id}/content_publishing_limit", fields="quota_usage,config"
        )
        entry = (body.get("data") or [{}])[0]
        allowed = self.limits().daily_publish_cap or 100
        total = int((entry.get("config") or {}).get("quota_total", allowed))
        return int(entry.get("quota_usage", 0)), total

    # --- rules ---
    def limits(self) -> Limits:
        tags = self.account.settings.get("max_hashtags")
        return rules_for("instagram", **({"max_hashtags": int(tags)} if tags else {}))

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        if not request.media:
            problems.append(Problem("media", "Instagram posts need at least one image or video"))
        elif len(self.media_urls(request)) != len(request.media):
            problems.append(
                Problem(
                    "media",
                    "Instagram fetches media from public URLs: set the account setting "
                    "public_media_base_url or options.media_urls",
                )
            )
        if request.thread:
            problems.append(Problem("thread", "Instagram has no threads"))
        return problems

    def media_urls(self, request: PublishRequest) -> list[str]:
        urls = request.options.get("media_urls")
        if urls:
            return [str(u) for u in urls]
        base = self.account.settings.get("public_media_base_url")
        return [f"{str(base).rstrip('/')}/{m.path.name}" for m in request.media] if base else []

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:
            raise Rejected("; ".join(str(p) for p in problems))
        used, total = self.publishing_quota()
        if used >= total:
            raise RateLimited(
                f"Instagram allows {total} posts per 24 hours and {used} are used",
                retry_after=QUOTA_WAIT,
            )
        container = self._build_container(request)
        media_id = self._publish(container)
        extra: dict[str, Any] = {"container_id": container}
        if request.first_comment:
            try:
                extra["first_comment_id"] = self._comment(media_id, request.first_comment)
            except NetworkError as exc:  # the post is live: report the gap, never repost
                extra["missing_parts"] = ["first_comment"]
                extra["partial_error"] = f"{type(exc).__name__}: {exc}"
        return self._result(media_id, extra)

    def _build_container(self, request: PublishRequest) -> str:
        urls = self.media_urls(request)
        caption = request.text
        if request.post_type == "carousel" or len(request.media) > 1:
            children = [
                self._container(m, u, carousel=True)
                for m, u in zip(request.media, urls, strict=True)
            ]
            for child in children:
                self._wait_until_finished(child)
            container = str(
                self._call(
                    "POST",
                    f"/{self.user_id}/media",
                    media_type="CAROUSEL",
                    children=",".join(children),
                    caption=caption,
                )["id"]
            )
        else:
            container = self._container(
                request.media[0], urls[0], caption=caption, post_type=request.post_type
            )
        self._wait_until_finished(container)
        return container

    def _container(
        self,
        media: MediaFile,
        url: str,
        *,
        caption: str | None = None,
        post_type: str = "feed",
        carousel: bool = False,
    ) -> str:
        video = media.kind == "video"
        if post_type == "story":
            media_type: str | None = "STORIES"
        elif carousel:
            media_type = "VIDEO" if video else None
        else:  # every single feed video is a reel since July 2023
            media_type = "REELS" if video else None
        body = self._call(
            "POST",
            f"/{self.user_id}/media",
            media_type=media_type,
            image_url=None if video else url,
            video_url=url if video else None,
            is_carousel_item=True if carousel else None,
            caption=caption if post_type != "story" else None,
            # alt_text is for images in feed posts and carousels, not reels or stories
            alt_text=media.alt_text or None if not video and post_type != "story" else None,
        )
        return str(body["id"])

    def _comment(self, media_id: str, text: str) -> str:
        body = self._call("POST", f"/{media_id}/comments", repeatable=False, message=text)
        return str(body["id"])

    def _result(self, media_id: str, extra: dict[str, Any] | None = None) -> PublishResult:
        url: str | None = None
        published: datetime | None = None
        try:
            post = self._call("GET", f"/{media_id}", fields="permalink,timestamp")
            url = post.get("permalink")
            published = parse_graph_time(post["timestamp"]) if post.get("timestamp") else None
        except NetworkError:  # the post is live; its link can be read later
            pass
        return PublishResult(media_id, url, published, extra or {})

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        """Reply to a comment (``POST /{comment-id}/replies``)."""
        body = self._call("POST", f"/{network_item_id}/replies", repeatable=False, message=text)
        return PublishResult(str(body["id"]), None, datetime.now(UTC))

    # --- reading ---
    def _comments(self, media_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self._pages(f"/{media_id}/comments", 5, fields=COMMENT_FIELDS, limit=50):
            for comment in page:
                items.append({**comment, "parent": media_id})
                for reply in (comment.get("replies") or {}).get("data") or []:
                    items.append({**reply, "parent": str(comment["id"])})
        return items

    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        own = self._user().get("username")
        items = self._comments(network_post_id)
        since = next((_order(i) for i in items if i["id"] == since_id), None)
        comments: list[RemoteComment] = []
        for item in items:
            created = parse_graph_time(str(item["timestamp"]))
            if item.get("username") == own or (since is not None and _order(item) <= since):
                continue
            top = item["parent"] == network_post_id
            comments.append(
                RemoteComment(
                    network_item_id=str(item["id"]),
                    parent_network_id=str(item["parent"]),
                    author_handle=str(item.get("username", "")),
                    text=str(item.get("text", "")),
                    created_at=created,
                    kind="comment" if top else "reply",
                )
            )
        return comments

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        body = self._call(
            "GET",
            f"/{network_post_id}/insights",
            metric="views,reach,likes,comments,shares,saved",
        )
        values = {
            str(m["name"]): int(((m.get("values") or [{}])[0]).get("value", 0))
            for m in body.get("data") or []
        }
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=values.get("views", 0),
            reach=values.get("reach", 0),
            reactions=values.get("likes", 0),
            comments=values.get("comments", 0),
            shares=values.get("shares", 0),
            saves=values.get("saved", 0),
            video_views=values.get("views", 0),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """The account's media newest first back to ``since`` minus clock skew, matched on the
        exact caption; the first comment looked up among our own comments on it."""
        floor = since - CLOCK_SKEW
        pages = self._pages(
            f"/{self.user_id}/media", RECONCILE_MAX_PAGES, fields=MEDIA_FIELDS, limit=RECONCILE_PAGE
        )
        for page in pages:
            for media in page:
                if parse_graph_time(str(media["timestamp"])) < floor:
                    return None
                if (media.get("caption") or "") == request.text:
                    return self._reconciled(request, str(media["id"]))
        if len(pages) < RECONCILE_MAX_PAGES or len(pages[-1]) < RECONCILE_PAGE:
            return None
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} posts since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )

    def _reconciled(self, request: PublishRequest, media_id: str) -> PublishResult:
        extra: dict[str, Any] = {"reconciled": True}
        if request.first_comment:
            own = self._user().get("username")
            found = next(
                (
                    str(c["id"])
                    for c in self._comments(media_id)
                    if c.get("username") == own
                    and c.get("text") == request.first_comment
                    and c["parent"] == media_id
                ),
                None,
            )
            if found is None:
                extra["missing_parts"] = ["first_comment"]
            else:
                extra["first_comment_id"] = found
        return self._result(media_id, extra)


def _order(item: dict[str, Any]) -> tuple[datetime, int]:
    """Graph times have one-second resolution; ids grow, so they break ties."""
    item_id = str(item["id"])
    return parse_graph_time(str(item["timestamp"])), int(item_id) if item_id.isdigit() else 0
