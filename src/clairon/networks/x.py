"""The X (Twitter) connector: API v2 posts, media upload v2, threads, replies, metrics, reconcile.

Failures map onto :mod:`clairon.errors`: 401 -> AuthExpired, 429 -> RateLimited (from
``x-rate-limit-reset``, epoch seconds, or the 24-hour user cap's reset), other 4xx -> Rejected
with the ``detail``/``title`` of X's problem JSON (403 duplicate content included), 5xx and
failures before the request left -> Transient, a create whose answer was lost -> UnknownOutcome.

X has no idempotency key. So once the main post exists, a failing thread part or first comment
never raises (a retry would post the main text again and meet "duplicate content"): the result
lists what is missing in ``extra["missing_parts"]`` with the error in ``extra["partial_error"]``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
import regex

from clairon.errors import (
    AuthExpired,
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
from clairon.networks.chains import publish_chain, reconcile_chain
from clairon.networks.oauth import OAuthConfig, refresh_tokens
from clairon.networks.rules import rules_for

__all__ = ["XConnector", "comparable_text", "retry_after_seconds"]

CHUNK_BYTES = 4 * 1024 * 1024  # APPEND takes at most 5 MB per segment
RECONCILE_PAGE = 100
RECONCILE_MAX_PAGES = 5
CLOCK_SKEW = timedelta(minutes=2)
TWEET_FIELDS = "created_at,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets"
_URL = regex.compile(r"https?://\S+", regex.I)
_SPACE = regex.compile(r"\s+")


def comparable_text(text: str) -> str:
    """Text as X may give it back: entities unescaped, links (t.co-wrapped or the media link X
    appends) removed, whitespace collapsed."""
    text = _URL.sub(" ", html.unescape(text))
    return str(_SPACE.sub(" ", text)).strip()


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float:
    """Seconds until X lifts the limit: the 24-hour user cap when exhausted, else the window."""
    now = time.time() if now is None else now
    headers = response.headers
    for remaining, reset in (
        ("x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"),
        ("x-rate-limit-remaining", "x-rate-limit-reset"),
    ):
        if headers.get(reset) and headers.get(remaining, "0") == "0":
            try:
                return max(0.0, float(headers[reset]) - now)
            except ValueError:
                continue
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return 900.0  # one 15-minute window


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        details = [
            str(e.get("message") or e.get("detail"))
            for e in body.get("errors") or []
            if isinstance(e, dict) and (e.get("message") or e.get("detail"))
        ]
        head = str(body.get("detail") or body.get("title") or "")
        if details and head and details[0] != head:
            return f"{head} ({'; '.join(details)})"
        if head or details:
            return head or "; ".join(details)
    return f"HTTP {response.status_code}"


class XConnector(Connector):
    network: ClassVar[str] = "x"
    display_name: ClassVar[str] = "X"
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
    max_concurrency: ClassVar[int] = 2
    default_base_url: ClassVar[str | None] = "https://api.x.com"
    oauth: ClassVar[OAuthConfig | None] = OAuthConfig(
        authorize_url="https://x.com/i/oauth2/authorize",
        token_url="https://api.x.com/2/oauth2/token",
        scopes=("tweet.read", "tweet.write", "users.read", "offline.access", "media.write"),
        client_auth="basic",
    )
    media_poll_timeout: ClassVar[float] = 300.0

    _me: dict[str, Any] | None = None

    # --- HTTP ---
    def _call(
        self, method: str, path: str, *, repeatable: bool = True, **kwargs: Any
    ) -> httpx.Response:
        token = self._token()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        response = self._request(
            method,
            f"{self.base_url}{path}",
            label=f"{method} {path}",
            repeatable=repeatable,
            headers=headers,
            **kwargs,
        )
        status = response.status_code
        if status < 400:
            return response
        message, body = _problem(response), response.text[:2000]
        if status == 401:
            raise AuthExpired(f"X refused the token: {message}", status=status, body=body)
        if status == 429:
            raise RateLimited(
                f"X rate limit: {message}",
                retry_after=retry_after_seconds(response),
                status=status,
                body=body,
            )
        if status >= 500:
            raise Transient(f"X server error {status}: {message}", status=status, body=body)
        raise Rejected(message, status=status, body=body)

    def _data(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError as exc:
            raise Transient(f"X sent a body that is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise Transient("X sent an unexpected body")
        if "data" not in body and body.get("errors"):
            # X answers 200 with only ``errors`` for a missing or hidden object.
            raise Rejected(_problem(response), status=response.status_code, body=response.text)
        return body.get("data"), body

    # --- rules ---
    def limits(self) -> Limits:
        return rules_for("x")

    # --- OAuth ---
    def refresh_token(self) -> dict[str, str]:
        """New tokens from the stored refresh token (X rotates it: store the new one)."""
        config = self.oauth
        refresh = self.account.credentials.get("refresh_token")
        if config is None or not refresh:
            raise AuthExpired("no X refresh token is stored; reconnect needed")
        if self.account.base_url:  # a self-hosted or test API answers the token calls too
            config = replace(config, token_url=f"{self.base_url}/2/oauth2/token")
        try:
            tokens = refresh_tokens(
                self.http,
                config,
                client_id=self.app_credentials.get("client_id", ""),
                client_secret=self.app_credentials.get("client_secret", ""),
                refresh_token=refresh,
            )
        except Rejected as exc:
            if exc.status == 400:  # X answers invalid_request for a used or revoked token
                raise AuthExpired(
                    f"X refused the refresh token ({exc.reason}); reconnect needed",
                    status=400,
                    body=exc.body,
                ) from exc
            raise
        creds = tokens.as_credentials()
        if tokens.expires_at is not None:
            creds["expires_at"] = tokens.expires_at.isoformat()
        return creds

    def whoami(self) -> tuple[str, str]:
        me = self._own_user()
        return str(me["username"]), str(me.get("name", ""))

    def _own_user(self) -> dict[str, Any]:
        if self._me is None:
            data, _ = self._data(self._call("GET", "/2/users/me"))
            if not isinstance(data, dict) or "id" not in data:
                raise Transient("users/me answered without a user id")
            self._me = data
        return self._me

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        media_ids = [self._upload(m) for m in request.media]
        main = self._create(request.text, reply_to=request.reply_to, media_ids=media_ids)
        extra = publish_chain(
            request,
            str(main["id"]),
            lambda text, parent: str(self._create(text, reply_to=parent)["id"]),
        )
        return self._result(main, extra)

    def _create(
        self, text: str, *, reply_to: str | None = None, media_ids: Sequence[str] = ()
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply_to}
        if media_ids:
            body["media"] = {"media_ids": list(media_ids)}
        data, _ = self._data(self._call("POST", "/2/tweets", repeatable=False, json=body))
        if not isinstance(data, dict) or "id" not in data:
            raise UnknownOutcome("X answered the post without an id")
        return data

    def _upload(self, media: MediaFile) -> str:
        """Upload one file; repeatable (an unused media id expires unseen)."""
        content = media.path.read_bytes()
        if media.kind == "image":
            files = {"media": (media.path.name, content, media.mime)}
            form = {"media_category": "tweet_image", "media_type": media.mime}
            data, _ = self._data(self._call("POST", "/2/media/upload", files=files, data=form))
            media_id = str(data["id"])
        else:
            category = "tweet_gif" if media.kind == "gif" else "tweet_video"
            init = {
                "media_type": media.mime,
                "total_bytes": len(content),
                "media_category": category,
            }
            data, _ = self._data(self._call("POST", "/2/media/upload/initialize", json=init))
            media_id = str(data["id"])
            chunk = int(self.account.settings.get("media_chunk_bytes", CHUNK_BYTES))
            for index, start in enumerate(range(0, len(content), chunk)):
                self._call(
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    data={"segment_index": str(index)},
                    files={"media": ("chunk", content[start : start + chunk], media.mime)},
                )
            data, _ = self._data(self._call("POST", f"/2/media/upload/{media_id}/finalize"))
            self._wait_for_processing(media_id, data.get("processing_info"))
        if media.alt_text:
            metadata = {"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}}
            self._call("POST", "/2/media/metadata", json=metadata)
        return media_id

    def _wait_for_processing(self, media_id: str, info: dict[str, Any] | None) -> None:
        settings = self.account.settings
        deadline = time.monotonic() + float(
            settings.get("media_poll_timeout", self.media_poll_timeout)
        )
        while info and info.get("state") not in (None, "succeeded"):
            if info.get("state") == "failed":
                error = info.get("error") or {}
                raise Rejected(
                    f"X could not process media {media_id}: "
                    f"{error.get('message') or error.get('name') or 'failed'}"
                )
            wait = float(settings.get("media_poll_interval", info.get("check_after_secs", 1)))
            if time.monotonic() + wait > deadline:
                raise Transient(f"X is still processing media {media_id}; try again later")
            time.sleep(wait)
            params = {"command": "STATUS", "media_id": media_id}
            data, _ = self._data(self._call("GET", "/2/media/upload", params=params))
            info = data.get("processing_info")

    def _result(self, post: dict[str, Any], extra: dict[str, Any] | None = None) -> PublishResult:
        created = post.get("created_at")
        username = (self._me or {}).get("username") or self.account.handle or "i"
        return PublishResult(
            network_post_id=str(post["id"]),
            url=f"https://x.com/{username}/status/{post['id']}",
            published_at=_parse_time(created) if isinstance(created, str) else None,
            extra=extra or {},
        )

    def delete(self, network_post_id: str) -> None:
        try:
            self._call("DELETE", f"/2/tweets/{network_post_id}")
        except Rejected as exc:
            if exc.status == 404:  # already gone
                return
            raise

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        return self._result(self._create(text, reply_to=network_item_id))

    # --- reading ---
    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        params: dict[str, Any] = {
            "query": f"conversation_id:{network_post_id}",
            "tweet.fields": TWEET_FIELDS + ",author_id",
            "expansions": "author_id",
            "user.fields": "username,name,public_metrics",
            "max_results": 100,
        }
        if since_id:
            params["since_id"] = since_id
        data, body = self._data(self._call("GET", "/2/tweets/search/recent", params=params))
        users = {str(u["id"]): u for u in (body.get("includes") or {}).get("users", [])}
        own_id = str(self._own_user()["id"])
        comments: list[RemoteComment] = []
        for tweet in data or []:
            author = users.get(str(tweet.get("author_id")), {})
            if str(tweet.get("author_id")) == own_id:
                continue  # our own thread parts and replies
            parent = next(
                (
                    str(r["id"])
                    for r in tweet.get("referenced_tweets") or []
                    if r.get("type") == "replied_to"
                ),
                None,
            )
            handle = str(author.get("username", ""))
            comments.append(
                RemoteComment(
                    network_item_id=str(tweet["id"]),
                    parent_network_id=parent,
                    author_handle=handle,
                    author_name=str(author.get("name", "")),
                    text=html.unescape(str(tweet.get("text", ""))),
                    created_at=_parse_time(str(tweet["created_at"])),
                    url=f"https://x.com/{handle or 'i'}/status/{tweet['id']}",
                    kind="comment" if parent == network_post_id else "reply",
                    author_followers=(author.get("public_metrics") or {}).get("followers_count"),
                )
            )
        comments.sort(key=lambda c: int(c.network_item_id))
        return comments

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        params = {"tweet.fields": "public_metrics"}
        data, _ = self._data(self._call("GET", f"/2/tweets/{network_post_id}", params=params))
        metrics = data.get("public_metrics") or {}
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            impressions=int(metrics.get("impression_count", 0)),
            reactions=int(metrics.get("like_count", 0)),
            comments=int(metrics.get("reply_count", 0)),
            shares=int(metrics.get("retweet_count", 0)) + int(metrics.get("quote_count", 0)),
            saves=int(metrics.get("bookmark_count", 0)),
        )

    def _replied_to(self, tweet: dict[str, Any]) -> str | None:
        for ref in tweet.get("referenced_tweets") or []:
            if ref.get("type") == "replied_to":
                return str(ref["id"])
        return None

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """Look for the main post (then its thread parts) in the account's timeline since
        ``since`` (minus clock skew). ``None`` once the timeline is exhausted without a match."""
        user_id = self._own_user()["id"]
        start = (since - CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params: dict[str, Any] = {
            "max_results": RECONCILE_PAGE,
            "start_time": start,
            "tweet.fields": TWEET_FIELDS,
        }
        timeline: list[dict[str, Any]] = []
        for _ in range(RECONCILE_MAX_PAGES):
            data, body = self._data(self._call("GET", f"/2/users/{user_id}/tweets", params=params))
            timeline += data or []
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                break
            params["pagination_token"] = token
        else:
            raise Transient(
                f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} posts since "
                f"{since.isoformat()}; cannot settle the outcome yet"
            )
        own: dict[tuple[str | None, str], dict[str, Any]] = {}
        for tweet in sorted(timeline, key=lambda t: int(t["id"])):
            key = (self._replied_to(tweet), comparable_text(str(tweet.get("text", ""))))
            own.setdefault(key, tweet)
        main = own.get((request.reply_to, comparable_text(request.text)))
        if main is None:
            return None
        replies = {key: str(tweet["id"]) for key, tweet in own.items()}
        extra = reconcile_chain(request, str(main["id"]), replies, comparable_text)
        return self._result(main, extra)
