"""The Facebook Pages connector: feed posts, photos, multi-photo posts, videos, first comment.

All calls act as the Page with a Page access token (credential ``access_token``; ``page_id``).
Text and links go to ``POST /{page-id}/feed``; one photo to ``POST /{page-id}/photos``
(``url`` when the account has ``public_media_base_url``, else the bytes as multipart
``source``); several photos are uploaded with ``published=false`` (repeatable: an unpublished
photo is never shown) and attached to one feed post with ``attached_media``; a video goes to
``POST /{page-id}/videos``. Creating calls are not repeatable: a lost answer is UnknownOutcome,
settled by :meth:`FacebookConnector.find_published` over ``/{page-id}/published_posts``. A
first comment that fails after the post exists is reported in ``PublishResult.extra``. Graph
errors map as described in :mod:`clairon.networks.graph`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from clairon.errors import AuthExpired, NetworkError, Problem, Rejected, Transient
from clairon.networks.base import (
    Capability,
    Limits,
    MediaFile,
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)
from clairon.networks.graph import GRAPH_VERSION, GraphConnector, parse_graph_time
from clairon.networks.oauth import OAuthConfig
from clairon.networks.rules import rules_for

__all__ = ["FacebookConnector"]

POST_FIELDS = "id,message,created_time,permalink_url"
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id}"
RECONCILE_PAGE = 50
RECONCILE_MAX_PAGES = 4
CLOCK_SKEW = timedelta(minutes=2)


class FacebookConnector(GraphConnector):
    network: ClassVar[str] = "facebook"
    display_name: ClassVar[str] = "Facebook"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.delete,
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
    max_concurrency: ClassVar[int] = 2
    default_base_url: ClassVar[str | None] = "https://graph.facebook.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url=f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        token_url=f"https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token",
        scopes=(
            "pages_show_list",
            "pages_read_engagement",
            "pages_manage_posts",
            "pages_read_user_content",
            "pages_manage_engagement",
            "read_insights",
        ),
        pkce=False,
        scope_separator=",",
    )

    _page: dict[str, str] | None = None

    # --- identity and tokens ---
    def _page_auth(self) -> dict[str, str]:
        """The Page acted for: ``{id, name, access_token}``. With a ``page_id`` credential the
        stored token is that Page's token; right after Facebook Login it is the user's token,
        and the Page comes from ``/me/accounts`` (the account setting ``page_id``, or the only
        Page the user manages)."""
        if self._page is not None:
            return self._page
        creds, raw = self.account.credentials, super()._token()
        if creds.get("page_id"):
            self._page = {"id": str(creds["page_id"]), "name": "", "access_token": raw}
            return self._page
        self._page = self._choose(self.pages(raw), self.account.settings.get("page_id"))
        return self._page

    def _choose(self, pages: list[dict[str, str]], wanted: str | None) -> dict[str, str]:
        chosen = [p for p in pages if p["id"] == wanted] if wanted else pages
        if len(chosen) != 1:
            listing = ", ".join(f"{p['id']} ({p['name']})" for p in pages) or "none"
            raise Rejected(
                "choose the Facebook Page to publish to: set the account setting page_id to "
                f"one of the Pages this user manages: {listing}"
            )
        return chosen[0]

    def _token(self) -> str:
        return self._page_auth()["access_token"]

    @property
    def page_id(self) -> str:
        return self._page_auth()["id"]

    def whoami(self) -> tuple[str, str]:
        page = self._page_auth()
        if not page["name"]:
            page["name"] = str(self._call("GET", "/me", fields="id,name").get("name", ""))
        return page["id"], page["name"]

    def pages(self, user_token: str | None = None) -> list[dict[str, str]]:
        """The Pages the user manages (``GET /me/accounts``): id, name and Page token each,
        for the connect flow to pick one."""
        token = user_token or self.account.credentials.get("user_access_token", "")
        if not token:
            raise AuthExpired("no Facebook user token is stored; reconnect needed")
        found: list[dict[str, str]] = []
        for page in self._pages(
            "/me/accounts", 5, token=token, fields="id,name,access_token,tasks", limit=100
        ):
            found += [
                {
                    "id": str(p["id"]),
                    "name": str(p.get("name", "")),
                    "access_token": str(p["access_token"]),
                }
                for p in page
                if p.get("access_token")
            ]
        return found

    def refresh_token(self) -> dict[str, str]:
        """Exchange the user token for a fresh long-lived one (``fb_exchange_token``), then
        take the Page token from ``/me/accounts`` again (a Page token derived from a
        long-lived user token does not expire). Right after Facebook Login the stored token is
        the short-lived user token itself: this turns it into a lasting Page token."""
        creds = self.account.credentials
        user_token = creds.get("user_access_token") or (
            "" if creds.get("page_id") else creds.get("access_token", "")
        )
        if not user_token:
            raise AuthExpired("no Facebook user token is stored; reconnect needed")
        body = self._call(
            "GET",
            "/oauth/access_token",
            token=user_token,
            grant_type="fb_exchange_token",
            client_id=self.app_credentials.get("client_id", ""),
            client_secret=self.app_credentials.get("client_secret", ""),
            fb_exchange_token=user_token,
        )
        long_lived = str(body["access_token"])
        wanted = creds.get("page_id") or self.account.settings.get("page_id")
        pages = self.pages(long_lived)
        if wanted and not any(p["id"] == wanted for p in pages):
            raise AuthExpired(f"the user no longer manages Page {wanted}; reconnect needed")
        page = self._choose(pages, wanted)
        refreshed = {
            "access_token": page["access_token"],
            "user_access_token": long_lived,
            "page_id": page["id"],
        }
        if body.get("expires_in"):
            expires = datetime.now(UTC) + timedelta(seconds=int(body["expires_in"]))
            refreshed["user_token_expires_at"] = expires.isoformat()
        return refreshed

    # --- rules ---
    def limits(self) -> Limits:
        return rules_for("facebook")

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        if request.thread:
            problems.append(Problem("thread", "Facebook Pages have no threads"))
        if not request.text and not request.media and not request.options.get("link"):
            problems.append(Problem("text", "a Facebook post needs text, a link or media"))
        return problems

    def _media_url(self, media: MediaFile) -> str | None:
        base = self.account.settings.get("public_media_base_url")
        return f"{str(base).rstrip('/')}/{media.path.name}" if base else None

    def _source(self, media: MediaFile) -> dict[str, Any] | None:
        if self._media_url(media):
            return None
        return {"source": (media.path.name, media.path.read_bytes(), media.mime)}

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:
            raise Rejected("; ".join(str(p) for p in problems))
        link = request.options.get("link")
        if not request.media:
            post_id = str(
                self._call(
                    "POST",
                    f"/{self.page_id}/feed",
                    repeatable=False,
                    message=request.text or None,
                    link=link,
                )["id"]
            )
        elif request.media[0].kind == "video":
            post_id = self._video(request.media[0], request)
        elif len(request.media) == 1:
            media = request.media[0]
            body = self._call(
                "POST",
                f"/{self.page_id}/photos",
                repeatable=False,
                files=self._source(media),
                url=self._media_url(media),
                caption=request.text or None,
                alt_text_custom=media.alt_text or None,
            )
            post_id = str(body.get("post_id") or body["id"])
        else:
            photos = [self._unpublished_photo(m) for m in request.media]
            post_id = str(
                self._call(
                    "POST",
                    f"/{self.page_id}/feed",
                    repeatable=False,
                    message=request.text or None,
                    attached_media=[{"media_fbid": p} for p in photos],
                )["id"]
            )
        extra: dict[str, Any] = {}
        if request.first_comment:
            try:
                extra["first_comment_id"] = self._comment(post_id, request.first_comment)
            except NetworkError as exc:  # the post is live: report the gap, never repost
                extra["missing_parts"] = ["first_comment"]
                extra["partial_error"] = f"{type(exc).__name__}: {exc}"
        return self._result(post_id, extra)

    def _unpublished_photo(self, media: MediaFile) -> str:
        body = self._call(
            "POST",
            f"/{self.page_id}/photos",
            files=self._source(media),
            url=self._media_url(media),
            published=False,
            temporary=True,
            alt_text_custom=media.alt_text or None,
        )
        return str(body["id"])

    def _video(self, media: MediaFile, request: PublishRequest) -> str:
        url = self._media_url(media)
        body = self._call(
            "POST",
            f"/{self.page_id}/videos",
            repeatable=False,
            files=self._source(media),
            file_url=url,
            description=request.text or None,
            title=request.options.get("title"),
        )
        return str(body.get("post_id") or body["id"])

    def _comment(self, target: str, text: str) -> str:
        return str(self._call("POST", f"/{target}/comments", repeatable=False, message=text)["id"])

    def _result(self, post_id: str, extra: dict[str, Any] | None = None) -> PublishResult:
        url: str | None = None
        published: datetime | None = None
        try:
            post = self._call("GET", f"/{post_id}", fields="permalink_url,created_time")
            url = post.get("permalink_url")
            created = post.get("created_time")
            published = parse_graph_time(str(created)) if created else None
        except NetworkError:  # the post is live; its link can be read later
            pass
        return PublishResult(post_id, url, published, extra or {})

    def delete(self, network_post_id: str) -> None:
        try:
            self._call("DELETE", f"/{network_post_id}")
        except Rejected as exc:
            if "does not exist" in exc.reason:
                return
            raise

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        """Reply to a comment, or comment on a post (``POST /{id}/comments``)."""
        return PublishResult(self._comment(network_item_id, text), None, datetime.now(UTC))

    # --- reading ---
    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        items = [
            item
            for page in self._pages(
                f"/{network_post_id}/comments",
                5,
                fields=COMMENT_FIELDS,
                filter="stream",
                order="chronological",
                limit=100,
            )
            for item in page
        ]
        ids = [str(i["id"]) for i in items]
        start = ids.index(since_id) + 1 if since_id in ids else 0
        page_id = self.page_id
        comments: list[RemoteComment] = []
        for item in items[start:]:
            author = item.get("from") or {}
            if str(author.get("id")) == str(page_id):
                continue
            parent = (item.get("parent") or {}).get("id")
            comments.append(
                RemoteComment(
                    network_item_id=str(item["id"]),
                    parent_network_id=str(parent or network_post_id),
                    author_handle=str(author.get("id", "")),
                    author_name=str(author.get("name", "")),
                    text=str(item.get("message", "")),
                    created_at=parse_graph_time(str(item["created_time"])),
                    kind="reply" if parent else "comment",
                )
            )
        return comments

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        insights = self._call(
            "GET",
            f"/{network_post_id}/insights",
            metric="post_impressions,post_impressions_unique,post_clicks",
        )
        values = {
            str(m["name"]): int(((m.get("values") or [{}])[0]).get("value", 0))
            for m in insights.get("data") or []
        }
        counts = self._call(
            "GET",
            f"/{network_post_id}",
            fields="reactions.summary(total_count).limit(0),"
            "comments.summary(total_count).limit(0),shares",
        )

        def total(edge: str) -> int:
            return int(((counts.get(edge) or {}).get("summary") or {}).get("total_count", 0))

        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=values.get("post_impressions", 0),
            reach=values.get("post_impressions_unique", 0),
            clicks=values.get("post_clicks", 0),
            reactions=total("reactions"),
            comments=total("comments"),
            shares=int((counts.get("shares") or {}).get("count", 0)),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """``GET /{page-id}/published_posts?since=`` (newest first), matched on the exact
        message; the first comment looked up among the Page's own comments."""
        pages = self._pages(
            f"/{self.page_id}/published_posts",
            RECONCILE_MAX_PAGES,
            fields=POST_FIELDS,
            since=int((since - CLOCK_SKEW).timestamp()),
            limit=RECONCILE_PAGE,
        )
        for page in pages:
            for post in page:
                if (post.get("message") or "") == request.text:
                    return self._reconciled(request, str(post["id"]))
        if len(pages) < RECONCILE_MAX_PAGES or len(pages[-1]) < RECONCILE_PAGE:
            return None
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} posts since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )

    def _reconciled(self, request: PublishRequest, post_id: str) -> PublishResult:
        extra: dict[str, Any] = {"reconciled": True}
        if request.first_comment:
            page_id = str(self.page_id)
            own = [
                item
                for page in self._pages(f"/{post_id}/comments", 5, fields=COMMENT_FIELDS)
                for item in page
                if str((item.get("from") or {}).get("id")) == page_id
                and item.get("message") == request.first_comment
            ]
            if own:
                extra["first_comment_id"] = str(own[0]["id"])
            else:
                extra["missing_parts"] = ["first_comment"]
        return self._result(post_id, extra)
