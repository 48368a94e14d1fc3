"""The Threads connector: Graph API containers and publish, threads, replies, insights, refresh.

Publishing is two steps: a container (``POST /{user-id}/threads``; repeatable, since an
unpublished container is invisible and expires after 24 hours), polled until ``FINISHED`` for
video and carousels, then ``POST /{user-id}/threads_publish?creation_id=`` (not repeatable). When
the publish call fails or its answer is lost, the container's ``status`` says what happened:
``PUBLISHED`` -> UnknownOutcome (reconcile finds the post), ``FINISHED`` -> the error as mapped
(a retry creates a fresh container), no answer at all -> UnknownOutcome.

The Threads API answers like Graph (same error body and codes, same usage headers), so the HTTP
call and the error mapping are :class:`~clairon.networks.graph.GraphConnector`'s, with the
version ``v1.0`` and a POST's parameters in the query, as the Threads docs show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from clairon.errors import (
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
from clairon.networks.chains import publish_chain, reconcile_chain
from clairon.networks.graph import ContainerConnector, parse_graph_time, retry_after_seconds
from clairon.networks.oauth import OAuthConfig
from clairon.networks.rules import rules_for

__all__ = ["ThreadsConnector", "retry_after_seconds"]

POST_FIELDS = "id,text,timestamp,permalink,username,is_reply,replied_to,root_post"
RECONCILE_PAGE = 100
RECONCILE_MAX_PAGES = 5
CLOCK_SKEW = timedelta(minutes=2)


class ThreadsConnector(ContainerConnector):
    network: ClassVar[str] = "threads"
    display_name: ClassVar[str] = "Threads"
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
            Capability.refresh_token,
            Capability.reconcile,
            Capability.oauth,
        }
    )
    max_concurrency: ClassVar[int] = 1  # containers and publishes per account, in order
    default_base_url: ClassVar[str | None] = "https://graph.threads.net"
    api_version: ClassVar[str] = "v1.0"
    post_params_in_query: ClassVar[bool] = True
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://threads.net/oauth/authorize",
        token_url="https://graph.threads.net/oauth/access_token",
        scopes=(
            "threads_basic",
            "threads_content_publish",
            "threads_manage_replies",
            "threads_read_replies",
            "threads_manage_insights",
            "threads_delete",
        ),
        pkce=False,
        scope_separator=",",
    )
    container_poll_interval: ClassVar[float] = 60.0  # Meta: once a minute, at most 5 minutes
    container_poll_timeout: ClassVar[float] = 300.0
    status_field: ClassVar[str] = "status"
    detail_field: ClassVar[str] = "error_message"
    publish_edge: ClassVar[str] = "threads_publish"
    ready_states: ClassVar[frozenset[str | None]] = frozenset({"FINISHED", "PUBLISHED", None})

    _me: dict[str, Any] | None = None

    # --- identity and tokens ---
    def _user(self) -> dict[str, Any]:
        if self._me is None:
            self._me = self._call("GET", "/me", fields="id,username,name")
        return self._me

    @property
    def user_id(self) -> str:
        return str(self.account.credentials.get("user_id") or self._user()["id"])

    def whoami(self) -> tuple[str, str]:
        me = self._user()
        return str(me["username"]), str(me.get("name", ""))

    def refresh_token(self) -> dict[str, str]:
        """A long-lived token: the connect flow's short-lived one (1 hour) is first exchanged
        (``GET /access_token?grant_type=th_exchange_token``, needs the app secret); a long-lived
        one (60 days, at least a day old) is extended with ``th_refresh_token``."""
        creds = self.account.credentials
        secret = self.app_credentials.get("client_secret", "")
        if creds.get("long_lived") != "true" and secret:
            try:
                body = self._call(
                    "GET",
                    "/access_token",
                    versioned=False,
                    grant_type="th_exchange_token",
                    client_secret=secret,
                )
            except Rejected:  # already long-lived: refresh it instead
                body = self._call(
                    "GET", "/refresh_access_token", versioned=False, grant_type="th_refresh_token"
                )
        else:
            body = self._call(
                "GET", "/refresh_access_token", versioned=False, grant_type="th_refresh_token"
            )
        fresh = {"access_token": str(body["access_token"]), "long_lived": "true"}
        if body.get("expires_in"):
            expires = datetime.now(UTC) + timedelta(seconds=int(body["expires_in"]))
            fresh["expires_at"] = expires.isoformat()
        return fresh

    def publishing_quota(self) -> tuple[int, int]:
        """(posts used, posts allowed) in the rolling 24 hours."""
        body = self._call(
            "GET", f"/{self.user_id}/threads_publishing_limit", fields="quota_usage,config"
        )
        (entry,) = body.get("data") or [{}]
        total = int((entry.get("config") or {}).get("quota_total", 250))
        return int(entry.get("quota_usage", 0)), total

    # --- rules ---
    def limits(self) -> Limits:
        return rules_for("threads")

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        if request.media and len(self._media_urls(request)) != len(request.media):
            problems.append(
                Problem(
                    "media",
                    "Threads fetches media from public URLs: set the account setting "
                    "public_media_base_url or options.media_urls",
                )
            )
        return problems

    def _media_urls(self, request: PublishRequest) -> list[str]:
        urls = request.options.get("media_urls")
        if urls:
            return [str(u) for u in urls]
        base = self.account.settings.get("public_media_base_url")
        return [f"{str(base).rstrip('/')}/{m.path.name}" for m in request.media] if base else []

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        used, total = self.publishing_quota()
        if used >= total:
            raise RateLimited(
                f"Threads allows {total} posts per 24 hours and {used} are used", retry_after=3600
            )
        container = self._container(request, request.text, request.reply_to)
        main_id = self._publish(container)
        extra = publish_chain(
            request, main_id, lambda text, parent: self._publish(self._text_container(text, parent))
        )
        return self._result(main_id, extra)

    def _text_container(self, text: str, reply_to: str | None = None) -> str:
        body = self._call(
            "POST", f"/{self.user_id}/threads", media_type="TEXT", text=text, reply_to_id=reply_to
        )
        return str(body["id"])

    def _container(self, request: PublishRequest, text: str, reply_to: str | None) -> str:
        if not request.media:
            return self._text_container(text, reply_to)
        urls = self._media_urls(request)
        if len(urls) != len(request.media):
            raise Rejected("Threads needs a public URL for every media file")
        if len(request.media) == 1:
            container = self._media_container(
                request.media[0], urls[0], text=text, reply_to=reply_to
            )
            self._wait_until_finished(container)
            return container
        children = [
            self._media_container(m, u, carousel=True)
            for m, u in zip(request.media, urls, strict=True)
        ]
        for child in children:
            self._wait_until_finished(child)
        body = self._call(
            "POST",
            f"/{self.user_id}/threads",
            media_type="CAROUSEL",
            children=",".join(children),
            text=text,
            reply_to_id=reply_to,
        )
        self._wait_until_finished(str(body["id"]))
        return str(body["id"])

    def _media_container(
        self,
        media: MediaFile,
        url: str,
        *,
        text: str | None = None,
        reply_to: str | None = None,
        carousel: bool = False,
    ) -> str:
        kind = "VIDEO" if media.kind == "video" else "IMAGE"
        body = self._call(
            "POST",
            f"/{self.user_id}/threads",
            media_type=kind,
            image_url=url if kind == "IMAGE" else None,
            video_url=url if kind == "VIDEO" else None,
            alt_text=media.alt_text or None,
            is_carousel_item="true" if carousel else None,
            text=text,
            reply_to_id=reply_to,
        )
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

    def delete(self, network_post_id: str) -> None:
        try:
            self._call("DELETE", f"/{network_post_id}")
        except Rejected as exc:
            if exc.status == 404 or "does not exist" in exc.reason:
                return
            raise

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        return self._result(self._publish(self._text_container(text, network_item_id)))

    # --- reading ---
    def _conversation(self, media_id: str) -> list[dict[str, Any]]:
        body = self._call("GET", f"/{media_id}/conversation", fields=POST_FIELDS, reverse="false")
        return list(body.get("data") or [])

    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        own = self._user().get("username")
        items = self._conversation(network_post_id)
        since = next((parse_graph_time(i["timestamp"]) for i in items if i["id"] == since_id), None)
        comments: list[RemoteComment] = []
        for item in items:
            created = parse_graph_time(str(item["timestamp"]))
            if item.get("username") == own or (since is not None and created <= since):
                continue
            parent = str((item.get("replied_to") or {}).get("id") or network_post_id)
            comments.append(
                RemoteComment(
                    network_item_id=str(item["id"]),
                    parent_network_id=parent,
                    author_handle=str(item.get("username", "")),
                    text=str(item.get("text", "")),
                    created_at=created,
                    url=item.get("permalink"),
                    kind="comment" if parent == network_post_id else "reply",
                )
            )
        return comments

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        body = self._call(
            "GET",
            f"/{network_post_id}/insights",
            metric="views,likes,replies,reposts,quotes,shares",
        )
        values = {
            str(m["name"]): int(((m.get("values") or [{}])[0]).get("value", 0))
            for m in body.get("data") or []
        }
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=values.get("views", 0),
            reactions=values.get("likes", 0),
            comments=values.get("replies", 0),
            shares=values.get("reposts", 0) + values.get("quotes", 0) + values.get("shares", 0),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """The account's posts since ``since`` minus clock skew (replies from
        ``/{user-id}/replies`` when the post was itself a reply), matched on the exact text."""
        edge = "replies" if request.reply_to else "threads"
        params: dict[str, Any] = {
            "fields": POST_FIELDS,
            "since": int((since - CLOCK_SKEW).timestamp()),
            "limit": RECONCILE_PAGE,
        }
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._call("GET", f"/{self.user_id}/{edge}", **params)
            for post in page.get("data") or []:
                parent = (post.get("replied_to") or {}).get("id")
                if post.get("text") == request.text and parent == request.reply_to:
                    return self._reconciled(request, str(post["id"]))
            after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
            if not (page.get("paging") or {}).get("next") or not after:
                return None
            params["after"] = after
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} posts since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )

    def _reconciled(self, request: PublishRequest, main_id: str) -> PublishResult:
        replies: dict[tuple[str | None, str], str] = {}
        if request.thread or request.first_comment:
            own = self._user().get("username")
            replies = {
                (str((i.get("replied_to") or {}).get("id")), str(i.get("text"))): str(i["id"])
                for i in self._conversation(main_id)
                if i.get("username") == own
            }
        extra = reconcile_chain(request, main_id, replies, normalise=str)
        return self._result(main_id, extra)
