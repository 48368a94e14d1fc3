"""The LinkedIn connector: Posts API for members and organizations, images, documents, comments.

Every call sends ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``. The
commentary is written in LinkedIn's "little" format (:mod:`clairon.networks.linkedin_text`), so
reserved characters never truncate a post. Errors: 401 -> AuthExpired, 429 -> RateLimited (a
``Retry-After``, else the end of the UTC day for LinkedIn's daily quotas), other 4xx ->
Rejected with the body's ``message``, 5xx -> Transient, a lost answer to a create ->
UnknownOutcome. The post id is the ``x-restli-id`` header (``urn:li:share:…`` or
``urn:li:ugcPost:…``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

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
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)
from clairon.networks.linkedin_media import LinkedInUploads
from clairon.networks.linkedin_text import from_little, to_little
from clairon.networks.oauth import OAuthConfig, refresh_tokens
from clairon.networks.rules import rules_for

__all__ = ["LinkedInConnector", "retry_after_seconds"]

API_VERSION = "202510"
RECONCILE_PAGE = 50
RECONCILE_MAX_PAGES = 4
CLOCK_SKEW = timedelta(minutes=2)


def urn_path(urn: str) -> str:
    return quote(urn, safe="")


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float:
    """``Retry-After`` if sent; LinkedIn's quotas are daily (reset at midnight UTC)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        pass
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        message = str(body.get("message") or "")
        details = [
            str(e.get("message"))
            for e in (body.get("errorDetails") or {}).get("inputErrors") or []
            if isinstance(e, dict) and e.get("message")
        ]
        if message or details:
            return "; ".join([message, *details] if message else details)
    return f"HTTP {response.status_code}"


class LinkedInConnector(Connector):
    network: ClassVar[str] = "linkedin"
    display_name: ClassVar[str] = "LinkedIn"
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
    default_base_url: ClassVar[str | None] = "https://api.linkedin.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://www.linkedin.com/oauth/v2/authorization",
        token_url="https://www.linkedin.com/oauth/v2/accessToken",
        scopes=("openid", "profile", "w_member_social"),
        pkce=False,  # LinkedIn's 3-legged flow for web apps uses the client secret
    )
    organization_scopes: ClassVar[tuple[str, ...]] = (
        "w_organization_social",
        "r_organization_social",
    )

    # --- HTTP ---
    def _call(
        self, method: str, path: str, *, repeatable: bool = True, **kwargs: Any
    ) -> httpx.Response:
        token = self._token()
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "LinkedIn-Version": str(self.account.settings.get("linkedin_version", API_VERSION)),
            "X-Restli-Protocol-Version": "2.0.0",
            **kwargs.pop("headers", {}),
        }
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        response = self._request(
            method, url, label=f"{method} {path}", repeatable=repeatable, headers=headers, **kwargs
        )
        status = response.status_code
        if status < 400:
            return response
        message, body = _message(response), response.text[:2000]
        if status == 401:
            raise AuthExpired(f"LinkedIn refused the token: {message}", status=status, body=body)
        if status == 429:
            raise RateLimited(
                f"LinkedIn rate limit: {message}",
                retry_after=retry_after_seconds(response),
                status=status,
                body=body,
            )
        if status >= 500:
            raise Transient(f"LinkedIn server error {status}: {message}", status=status, body=body)
        raise Rejected(message, status=status, body=body)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise Transient(f"LinkedIn sent a body that is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise Transient("LinkedIn sent an unexpected body")
        return body

    # --- identity ---
    def author(self) -> str:
        """The organization URN (account setting ``author_urn``) or the member's person URN."""
        urn = self.account.settings.get("author_urn") or self.account.credentials.get("person_urn")
        if urn:
            return str(urn)
        return f"urn:li:person:{self._userinfo()['sub']}"

    def _userinfo(self) -> dict[str, Any]:
        return self._json(self._call("GET", "/v2/userinfo"))

    def whoami(self) -> tuple[str, str]:
        info = self._userinfo()
        return f"urn:li:person:{info['sub']}", str(info.get("name", ""))

    def refresh_token(self) -> dict[str, str]:
        """Programmatic refresh (only for apps LinkedIn approved for it); else reconnect."""
        refresh = self.account.credentials.get("refresh_token")
        if not refresh or self.oauth is None:
            raise AuthExpired("LinkedIn gave no refresh token to this app; reconnect needed")
        config = self.oauth
        if self.account.settings.get("oauth_base_url"):  # a test or proxy token endpoint
            config = replace(
                config, token_url=f"{self.account.settings['oauth_base_url']}/oauth/v2/accessToken"
            )
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
        return rules_for("linkedin")

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        if request.thread:
            problems.append(Problem("thread", "LinkedIn has no threads; publish one post"))
        return problems

    def _uploads(self) -> LinkedInUploads:
        return LinkedInUploads(self._call, self.account.settings)

    def commentary(self, request: PublishRequest) -> str:
        return to_little(request.text, request.options.get("mentions"))

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        author = self.author()
        content = self._uploads().content(author, request) if request.media else None
        body: dict[str, Any] = {
            "author": author,
            "commentary": self.commentary(request),
            "visibility": str(request.options.get("visibility", "PUBLIC")),
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content:
            body["content"] = content
        response = self._call("POST", "/rest/posts", repeatable=False, json=body)
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise UnknownOutcome("LinkedIn accepted the post without an x-restli-id")
        extra: dict[str, Any] = {}
        if request.first_comment:
            try:
                extra["first_comment_id"] = self._comment(urn, request.first_comment, author)
            except NetworkError as exc:  # the post is live: never repost it for its comment
                extra["missing_parts"] = ["first_comment"]
                extra["partial_error"] = f"{type(exc).__name__}: {exc}"
        return self._result(urn, extra)

    def _comment(
        self, target: str, text: str, actor: str, parent_comment: str | None = None
    ) -> str:
        body: dict[str, Any] = {
            "actor": actor,
            "object": target,
            "message": {"text": to_little(text)},
        }
        if parent_comment:
            body["parentComment"] = parent_comment
        path = f"/rest/socialActions/{urn_path(parent_comment or target)}/comments"
        response = self._call("POST", path, repeatable=False, json=body)
        comment = self._json(response)
        return str(comment.get("commentUrn") or response.headers.get("x-restli-id") or "")

    def _result(self, urn: str, extra: dict[str, Any] | None = None) -> PublishResult:
        return PublishResult(
            network_post_id=urn,
            url=f"https://www.linkedin.com/feed/update/{urn}/",
            published_at=datetime.now(UTC),
            extra=extra or {},
        )

    def delete(self, network_post_id: str) -> None:
        try:
            self._call("DELETE", f"/rest/posts/{urn_path(network_post_id)}")
        except Rejected as exc:
            if exc.status == 404:
                return
            raise

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        """Reply to a comment (``urn:li:comment:(<object>,<id>)``) or comment on a post."""
        if network_item_id.startswith("urn:li:comment:("):
            target = network_item_id.removeprefix("urn:li:comment:(").rsplit(",", 1)[0]
            urn = self._comment(target, text, self.author(), parent_comment=network_item_id)
        else:
            urn = self._comment(network_item_id, text, self.author())
        return self._result(urn)

    # --- reading ---
    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        path = f"/rest/socialActions/{urn_path(network_post_id)}/comments"
        elements = self._json(self._call("GET", path, params={"count": 100}))["elements"]
        author = self.author()
        since_ms = self._comment_time(since_id, elements)
        comments: list[RemoteComment] = []
        for item in elements:
            if item.get("actor") == author:
                continue
            created = int((item.get("created") or {}).get("time", 0))
            if since_ms is not None and created <= since_ms:
                continue
            parent = item.get("parentComment")
            comments.append(
                RemoteComment(
                    network_item_id=str(item["commentUrn"]),
                    parent_network_id=str(parent) if parent else network_post_id,
                    author_handle=str(item.get("actor", "")),
                    text=from_little(str((item.get("message") or {}).get("text", ""))),
                    created_at=datetime.fromtimestamp(created / 1000, UTC),
                    kind="reply" if parent else "comment",
                )
            )
        return comments

    def _comment_time(self, since_id: str | None, elements: list[dict[str, Any]]) -> int | None:
        if since_id is None:
            return None
        for item in elements:
            if item.get("commentUrn") == since_id:
                return int((item.get("created") or {}).get("time", 0))
        return None

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        meta = self._json(self._call("GET", f"/rest/socialMetadata/{urn_path(network_post_id)}"))
        reactions = sum(
            int(r.get("count", 0)) for r in (meta.get("reactionSummaries") or {}).values()
        )
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            reactions=reactions,
            comments=int((meta.get("commentSummary") or {}).get("count", 0)),
        )

    def _first_comment_state(
        self, request: PublishRequest, urn: str, author: str
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"reconciled": True}
        if not request.first_comment:
            return extra
        path = f"/rest/socialActions/{urn_path(urn)}/comments"
        wanted = to_little(request.first_comment)
        for item in self._json(self._call("GET", path, params={"count": 100}))["elements"]:
            if item.get("actor") == author and (item.get("message") or {}).get("text") == wanted:
                extra["first_comment_id"] = str(item["commentUrn"])
                return extra
        extra["missing_parts"] = ["first_comment"]
        return extra

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """The author's posts (``q=author``, newest first) back to ``since`` minus clock skew,
        matched on the exact commentary we send. Members need the ``r_member_social`` scope."""
        author = self.author()
        wanted = self.commentary(request)
        floor_ms = int((since - CLOCK_SKEW).timestamp() * 1000)
        start = 0
        for _ in range(RECONCILE_MAX_PAGES):
            params = {"author": author, "q": "author", "count": RECONCILE_PAGE, "start": start}
            page = self._json(
                self._call(
                    "GET", "/rest/posts", params=params, headers={"X-RestLi-Method": "FINDER"}
                )
            )
            elements = page.get("elements") or []
            for post in elements:
                if int(post.get("createdAt", 0)) < floor_ms:
                    return None
                if post.get("commentary") == wanted:
                    urn = str(post["id"])
                    return self._result(urn, self._first_comment_state(request, urn, author))
            if len(elements) < RECONCILE_PAGE:
                return None
            start += RECONCILE_PAGE
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} posts since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )
