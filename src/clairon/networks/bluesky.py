"""The Bluesky connector: AT Protocol XRPC sessions, posts with facets, images, threads, replies.

Errors come as ``{"error": <name>, "message": ...}``: ``ExpiredToken``/``InvalidToken``/
``AuthenticationRequired`` (whatever the status) -> AuthExpired, 429 or ``RateLimitExceeded``
-> RateLimited (``ratelimit-reset``, epoch seconds), 5xx -> Transient, any other error ->
Rejected with the message; a ``createRecord`` whose answer was lost -> UnknownOutcome.

Sessions: the account stores its handle (``identifier``) and an app password; ``refresh_token``
calls ``refreshSession`` with the refresh JWT, or ``createSession`` when that one has expired.
Posts are addressed by their ``at://`` URI. Like X, a record creation is not idempotent, so a
failing thread part after the main post is reported in ``extra["missing_parts"]``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
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
    Capability,
    Connector,
    Limits,
    PublishRequest,
    PublishResult,
    RemoteComment,
    RemoteMetrics,
)
from clairon.networks.bluesky_facets import Facet, detect_facets
from clairon.networks.bluesky_media import BlueskyMedia
from clairon.networks.chains import publish_chain, reconcile_chain
from clairon.networks.rules import rules_for

__all__ = ["BlueskyConnector", "retry_after_seconds"]

POST = "app.bsky.feed.post"
AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"})
RECONCILE_PAGE = 100
RECONCILE_MAX_PAGES = 5
CLOCK_SKEW = timedelta(minutes=2)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float:
    """Seconds until ``ratelimit-reset`` (epoch seconds), else ``Retry-After``, else 60."""
    now = time.time() if now is None else now
    for name, absolute in (("ratelimit-reset", True), ("retry-after", False)):
        value = response.headers.get(name)
        if value:
            try:
                return max(0.0, float(value) - now) if absolute else max(0.0, float(value))
            except ValueError:
                continue
    return 60.0


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT (not verified: it only schedules the next refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def rkey_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


class BlueskyConnector(Connector):
    network: ClassVar[str] = "bluesky"
    display_name: ClassVar[str] = "Bluesky"
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
        }
    )
    max_concurrency: ClassVar[int] = 3
    default_base_url: ClassVar[str | None] = "https://bsky.social"

    _handles: dict[str, str | None] | None = None

    # --- HTTP ---
    def _xrpc(
        self,
        method: str,
        nsid: str,
        *,
        repeatable: bool = True,
        token: str | None = None,
        base: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if token is None:
            token = self.account.credentials.get("access_token", "")
            if not token:
                raise AuthExpired("no Bluesky session is stored for this account")
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self._request(
            method,
            f"{base or self.base_url}/xrpc/{nsid}",
            label=nsid,
            repeatable=repeatable,
            host=self.base_url,
            headers=headers,
            **kwargs,
        )
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if response.status_code < 400:
            if not isinstance(body, dict):
                raise Transient(f"{nsid} answered a body that is not a JSON object")
            return body
        self._raise(response, body)

    def _raise(self, response: httpx.Response, body: Any) -> NoReturn:
        status, text = response.status_code, response.text[:2000]
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        message = str(body.get("message") or error) if isinstance(body, dict) else ""
        message = message or text.strip()[:300] or f"HTTP {status}"
        if status == 401 or error in AUTH_ERRORS:
            raise AuthExpired(f"Bluesky refused the session: {message}", status=status, body=text)
        if status == 429 or error == "RateLimitExceeded":
            raise RateLimited(
                f"Bluesky rate limit: {message}",
                retry_after=retry_after_seconds(response),
                status=status,
                body=text,
            )
        if status >= 500:
            raise Transient(f"Bluesky server error {status}: {message}", status=status, body=text)
        raise Rejected(
            f"{error}: {message}" if error and error != message else message,
            status=status,
            body=text,
        )

    @property
    def did(self) -> str:
        did = self.account.credentials.get("did", "")
        if not did:
            raise AuthExpired("no Bluesky DID is stored for this account; reconnect needed")
        return did

    # --- rules ---
    def limits(self) -> Limits:
        return rules_for("bluesky")

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = super().validate(request)
        for i, media in enumerate(request.media):
            if media.kind == "gif":
                problems.append(
                    Problem(f"media[{i}] {media.path.name}", "convert GIFs to MP4 for Bluesky")
                )
        return problems

    # --- session ---
    def refresh_token(self) -> dict[str, str]:
        """A fresh session: ``refreshSession`` with the refresh JWT, else ``createSession``."""
        creds = self.account.credentials
        session: dict[str, Any] | None = None
        if creds.get("refresh_token"):
            try:
                session = self._xrpc(
                    "POST", "com.atproto.server.refreshSession", token=creds["refresh_token"]
                )
            except AuthExpired:
                if not creds.get("app_password"):
                    raise
        if session is None:
            if not creds.get("app_password") or not creds.get("identifier"):
                raise AuthExpired("no Bluesky app password is stored; reconnect needed")
            login = {"identifier": creds["identifier"], "password": creds["app_password"]}
            session = self._xrpc("POST", "com.atproto.server.createSession", token="", json=login)
        fresh = {
            "access_token": str(session["accessJwt"]),
            "refresh_token": str(session["refreshJwt"]),
            "did": str(session["did"]),
            "handle": str(session.get("handle", "")),
        }
        for service in (session.get("didDoc") or {}).get("service") or []:
            if service.get("id") == "#atproto_pds" and service.get("serviceEndpoint"):
                fresh["pds_url"] = str(service["serviceEndpoint"])  # for video service auth
        expires = jwt_expiry(fresh["access_token"])
        if expires is not None:
            fresh["expires_at"] = expires.isoformat()
        return fresh

    # --- facets ---
    def _resolve(self, handle: str) -> str | None:
        if self._handles is None:
            self._handles = {}
        if handle not in self._handles:
            try:
                body = self._xrpc(
                    "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}
                )
                self._handles[handle] = str(body["did"])
            except Rejected:  # unknown handle: the text stays plain
                self._handles[handle] = None
        return self._handles[handle]

    def facets(self, text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for facet in detect_facets(text):
            feature = self._feature(facet)
            if feature is not None:
                index = {"byteStart": facet.byte_start, "byteEnd": facet.byte_end}
                out.append({"index": index, "features": [feature]})
        return out

    def _feature(self, facet: Facet) -> dict[str, str] | None:
        if facet.kind == "link":
            return {"$type": "app.bsky.richtext.facet#link", "uri": facet.value}
        if facet.kind == "tag":
            return {"$type": "app.bsky.richtext.facet#tag", "tag": facet.value}
        did = self._resolve(facet.value)
        return {"$type": "app.bsky.richtext.facet#mention", "did": did} if did else None

    # --- publishing ---
    def publish(self, request: PublishRequest) -> PublishResult:
        embed = self._media().embed(request.media) if request.media else None
        root_ref: dict[str, str] | None = None
        if request.reply_to:
            parent = self._post_view(request.reply_to)
            root_ref = self._root_of(parent)
            reply = {"root": root_ref, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
        else:
            reply = None
        main = self._create(request.text, request.language, reply=reply, embed=embed)
        root = root_ref or main
        extra = publish_chain(
            request,
            main,
            lambda text, parent: self._create(
                text, request.language, reply={"root": root, "parent": parent}
            ),
            lambda ref: ref["uri"],
        )
        return self._result(main["uri"], extra)

    def _create(
        self,
        text: str,
        language: str = "",
        *,
        reply: dict[str, Any] | None = None,
        embed: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now_iso()}
        facets = self.facets(text)
        if facets:
            record["facets"] = facets
        if language:
            record["langs"] = [language]
        if reply:
            record["reply"] = reply
        if embed:
            record["embed"] = embed
        body = self._xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            repeatable=False,
            json={"repo": self.did, "collection": POST, "record": record},
        )
        if "uri" not in body or "cid" not in body:
            raise UnknownOutcome("createRecord answered without a uri and cid")
        return {"uri": str(body["uri"]), "cid": str(body["cid"])}

    def _media(self) -> BlueskyMedia:
        pds = self.account.credentials.get("pds_url") or self.base_url
        return BlueskyMedia(self._xrpc, did=self.did, pds_url=pds, settings=self.account.settings)

    def _result(self, uri: str, extra: dict[str, Any] | None = None) -> PublishResult:
        handle = self.account.credentials.get("handle") or self.account.handle or self.did
        return PublishResult(
            network_post_id=uri,
            url=f"https://bsky.app/profile/{handle}/post/{rkey_of(uri)}",
            published_at=datetime.now(UTC),
            extra=extra or {},
        )

    def delete(self, network_post_id: str) -> None:
        # deleteRecord succeeds on a record already gone: the state the caller asked for
        self._xrpc(
            "POST",
            "com.atproto.repo.deleteRecord",
            json={"repo": self.did, "collection": POST, "rkey": rkey_of(network_post_id)},
        )

    def reply(self, network_item_id: str, text: str) -> PublishResult:
        parent = self._post_view(network_item_id)
        reply = {
            "root": self._root_of(parent),
            "parent": {"uri": parent["uri"], "cid": parent["cid"]},
        }
        return self._result(self._create(text, reply=reply)["uri"])

    # --- reading ---
    def _post_view(self, uri: str) -> dict[str, Any]:
        posts = self._xrpc("GET", "app.bsky.feed.getPosts", params={"uris": uri}).get("posts")
        if not posts:
            raise Rejected(f"Bluesky has no post {uri} (deleted or hidden)")
        return dict(posts[0])

    def _root_of(self, post: dict[str, Any]) -> dict[str, str]:
        root = ((post.get("record") or {}).get("reply") or {}).get("root")
        if isinstance(root, dict) and root.get("uri") and root.get("cid"):
            return {"uri": str(root["uri"]), "cid": str(root["cid"])}
        return {"uri": str(post["uri"]), "cid": str(post["cid"])}

    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        params = {"uri": network_post_id, "depth": 10, "parentHeight": 0}
        thread = self._xrpc("GET", "app.bsky.feed.getPostThread", params=params)["thread"]
        own = self.did
        comments: list[RemoteComment] = []
        pending = list(thread.get("replies") or [])
        while pending:
            node = pending.pop(0)
            pending += node.get("replies") or []
            post = node.get("post")
            if not isinstance(post, dict):  # notFoundPost / blockedPost
                continue
            author, record = post.get("author") or {}, post.get("record") or {}
            if author.get("did") == own:
                continue
            if since_id is not None and rkey_of(post["uri"]) <= rkey_of(since_id):
                continue
            parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
            comments.append(
                RemoteComment(
                    network_item_id=str(post["uri"]),
                    parent_network_id=str(parent) if parent else None,
                    author_handle=str(author.get("handle", "")),
                    author_name=str(author.get("displayName", "")),
                    text=str(record.get("text", "")),
                    created_at=_parse_time(str(record.get("createdAt") or post["indexedAt"])),
                    url=f"https://bsky.app/profile/{author.get('handle')}/post/"
                    f"{rkey_of(post['uri'])}",
                    kind="comment" if parent == network_post_id else "reply",
                )
            )
        comments.sort(key=lambda c: c.created_at)
        return comments

    def fetch_metrics(self, network_post_id: str) -> RemoteMetrics:
        post = self._post_view(network_post_id)
        return RemoteMetrics(
            observed_at=datetime.now(UTC),
            reactions=int(post.get("likeCount", 0)),
            shares=int(post.get("repostCount", 0)) + int(post.get("quoteCount", 0)),
            comments=int(post.get("replyCount", 0)),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        """Look for the post in the account's feed (posts and replies, newest first) back to
        ``since`` minus clock skew; ``None`` once older posts (or the feed's end) are reached."""
        floor = since - CLOCK_SKEW
        params: dict[str, Any] = {
            "actor": self.did,
            "limit": RECONCILE_PAGE,
            "filter": "posts_with_replies",
        }
        own: dict[tuple[str | None, str], str] = {}
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._xrpc("GET", "app.bsky.feed.getAuthorFeed", params=params)
            done = False
            for item in page.get("feed") or []:
                post = item.get("post") or {}
                if item.get("reason") or (post.get("author") or {}).get("did") != self.did:
                    continue  # reposts and others' posts
                record = post.get("record") or {}
                if _parse_time(str(record.get("createdAt") or post["indexedAt"])) < floor:
                    done = True
                    continue
                parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
                own[(parent, str(record.get("text", "")).strip())] = str(post["uri"])
            if done or not page.get("cursor"):
                return self._match(request, own)
            params["cursor"] = page["cursor"]
        raise Transient(
            f"more than {RECONCILE_PAGE * RECONCILE_MAX_PAGES} posts since {since.isoformat()}; "
            "cannot settle the outcome yet"
        )

    def _match(
        self, request: PublishRequest, own: dict[tuple[str | None, str], str]
    ) -> PublishResult | None:
        main = own.get((request.reply_to, request.text.strip()))
        if main is None:
            return None
        extra = reconcile_chain(request, main, own)
        return self._result(main, extra)
