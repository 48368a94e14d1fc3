"""A local AT Protocol PDS + AppView for tests: sessions, records, blobs, feeds and threads.

XRPC errors are ``{"error", "message"}`` from ``fixtures/bluesky/`` (``ExpiredToken`` with 400
like the PDS, ``RateLimitExceeded`` with 429 and ``ratelimit-*`` headers, epoch reset). Access
tokens are JWT-shaped with an ``exp`` claim; ``expire(token)`` makes one answer ExpiredToken.
The post record is validated like the lexicon says (300 graphemes, 3,000 bytes, facets inside
the text, uploaded blobs) and the failure knobs of :class:`FakeApi` apply.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import regex

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture, now_iso

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky"
HANDLE, PASSWORD = "claironcafe.bsky.social", "abcd-efgh-ijkl-mnop"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
_ERRORS = {
    "ExpiredToken": "error__expired_token",
    "InvalidToken": "error__invalid_token",
    "AuthenticationRequired": "error__authentication_required",
    "RateLimitExceeded": "error__rate_limited",
    "BlobTooLarge": "error__blob_too_large",
    "NotFound": "error__not_found",
    "UpstreamFailure": "error__upstream_failure",
    "InternalServerError": "error__internal",
}


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def make_jwt(subject: str, scope: str, lifetime: float = 7200) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"scope": scope, "sub": subject, "iat": int(time.time()), "jti": time.time_ns()}
    claims["exp"] = int(time.time() + lifetime)
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


class BlueskyServer(FakeApi):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.users: dict[str, dict[str, str]] = {
            DID: {"did": DID, "handle": HANDLE, "displayName": "Clairon Café"}
        }
        self.access: dict[str, str] = {}  # token -> did
        self.refresh: dict[str, str] = {}
        self.expired: set[str] = set()
        self.posts: dict[str, dict[str, Any]] = {}  # uri -> stored post
        self.blobs: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.seeded_threads: dict[str, str] = {}
        self._tid = int(time.time() * 1_000_000)
        self.service_tokens: dict[str, str] = {}  # token -> did
        self.video_jobs: dict[str, dict[str, Any]] = {}
        self.video_polls = 0
        self.video_fails = False

    # --- accounts and sessions ---
    def add_user(self, handle: str) -> str:
        did = "did:plc:" + hashlib.sha1(handle.encode()).hexdigest()[:24]
        self.users[did] = {"did": did, "handle": handle, "displayName": handle.split(".")[0]}
        return did

    def session(self, did: str = DID) -> dict[str, str]:
        with self.lock:
            access, refresh = make_jwt(did, "com.atproto.access"), make_jwt(did, "refresh", 1e7)
            self.access[access], self.refresh[refresh] = did, did
        return {"access_token": access, "refresh_token": refresh, "did": did, "handle": HANDLE}

    def expire(self, token: str) -> None:
        self.expired.add(token)

    def rate_limit_headers(self) -> dict[str, str]:
        return {
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(time.time()) + 30),
            "ratelimit-policy": "3000;w=300",
        }

    def error_body(self, error: ApiError) -> Any:
        name = error.extra.get("error") or {
            400: "InvalidRequest",
            401: "AuthenticationRequired",
            429: "RateLimitExceeded",
            502: "UpstreamFailure",
        }.get(error.status, "InternalServerError" if error.status >= 500 else "InvalidRequest")
        body = fixture(_ERRORS[name]) if name in _ERRORS else {"error": name, "message": ""}
        if error.message and error.status not in (429,) and name not in ("ExpiredToken",):
            body["message"] = error.message
        return body

    def default_message(self, status: int) -> str:
        return ""

    # --- state ---
    def next_tid(self) -> str:
        alphabet = "234567abcdefghijklmnopqrstuvwxyz"
        with self.lock:
            self._tid = max(self._tid + 1, int(time.time() * 1_000_000))
            value, out = (self._tid << 10) | 7, ""
        for _ in range(13):
            out = alphabet[value & 31] + out
            value >>= 5
        return out

    def add_reply(self, parent_uri: str, text: str, handle: str = "bob.bsky.social") -> str:
        did = next((d for d, u in self.users.items() if u["handle"] == handle), None)
        did = did or self.add_user(handle)
        parent = self.posts[parent_uri]
        root = (parent["record"].get("reply") or {}).get("root") or {
            "uri": parent_uri,
            "cid": parent["cid"],
        }
        record = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": now_iso(),
            "reply": {"root": root, "parent": {"uri": parent_uri, "cid": parent["cid"]}},
        }
        return str(self.create(did, record)["uri"])

    def create(self, did: str, record: dict[str, Any]) -> dict[str, Any]:
        text = str(record.get("text", ""))
        with self.lock:
            if len(regex.findall(r"\X", text)) > 300:
                raise ApiError(400, fixture("error__invalid_request")["message"])
            if len(text.encode()) > 3000:
                raise ApiError(
                    400,
                    "Invalid app.bsky.feed.post record: Record/text must not be longer than "
                    "3000 characters",
                )
            size = len(text.encode())
            for facet in record.get("facets") or []:
                index = facet["index"]
                if not 0 <= index["byteStart"] < index["byteEnd"] <= size:
                    raise ApiError(400, "Invalid app.bsky.feed.post record: facet out of text")
            embed = record.get("embed") or {}
            refs = [i["image"] for i in embed.get("images") or []]
            refs += [embed["video"]] if embed.get("video") else []
            for ref in refs:
                link = ref["ref"]["$link"]
                if link not in self.blobs:
                    raise ApiError(400, f"Could not find blob: {link}")
            uri = f"at://{did}/app.bsky.feed.post/{self.next_tid()}"
            cid = "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52]
            self.posts[uri] = {
                "uri": uri,
                "cid": cid,
                "did": did,
                "record": record,
                "indexedAt": now_iso(),
                "likeCount": 0,
                "repostCount": 0,
                "quoteCount": 0,
            }
            self.created.append({"uri": uri, "text": text, "record": record})
        body = fixture("record_created__post")
        body.update(uri=uri, cid=cid)
        return dict(body)

    def post_view(self, post: dict[str, Any]) -> dict[str, Any]:
        view = fixture("post_view__text")
        author = self.users[post["did"]]
        replies = sum(
            1
            for p in self.posts.values()
            if ((p["record"].get("reply") or {}).get("parent") or {}).get("uri") == post["uri"]
        )
        view.update(
            uri=post["uri"],
            cid=post["cid"],
            record=post["record"],
            indexedAt=post["indexedAt"],
            replyCount=replies,
            likeCount=post["likeCount"],
            repostCount=post["repostCount"],
            quoteCount=post["quoteCount"],
        )
        view["author"].update(author)
        return dict(view)

    def _thread(self, uri: str) -> dict[str, Any]:
        children = [
            p
            for p in self.posts.values()
            if ((p["record"].get("reply") or {}).get("parent") or {}).get("uri") == uri
        ]
        return {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self.post_view(self.posts[uri]),
            "replies": [self._thread(c["uri"]) for c in children],
        }

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if not req.path.startswith("/xrpc/"):
            raise ApiError(404, "Not Found")
        nsid, m = req.path.removeprefix("/xrpc/"), req.method
        if nsid == "com.atproto.server.createSession" and m == "POST":
            ident, password = req.form.get("identifier"), req.form.get("password")
            did = next((d for d, u in self.users.items() if ident in (u["handle"], d)), None)
            if did is None or password != PASSWORD:
                raise ApiError(
                    401, "Invalid identifier or password", error="AuthenticationRequired"
                )
            return 200, self._session_body(did), {}
        if nsid == "com.atproto.server.refreshSession" and m == "POST":
            token = req.bearer() or ""
            with self.lock:
                if token in self.expired:
                    raise ApiError(400, error="ExpiredToken")
                did = self.refresh.pop(token, None)
            if did is None:
                raise ApiError(400, "Token could not be verified", error="InvalidToken")
            return 200, self._session_body(did), {}
        if nsid.startswith("app.bsky.video."):
            return self._video(nsid, req)
        did = self._auth(req)
        if nsid == "com.atproto.server.getServiceAuth":
            if req.query.get("lxm") != "com.atproto.repo.uploadBlob":
                raise ApiError(400, "lxm must be com.atproto.repo.uploadBlob here")
            token = make_jwt(did, "service", 1800)
            with self.lock:
                self.service_tokens[token] = did
            return 200, {"token": token}, {}
        if nsid == "com.atproto.identity.resolveHandle":
            handle = req.query.get("handle", "")
            found = next((d for d, u in self.users.items() if u["handle"] == handle), None)
            if found is None:
                raise ApiError(400, "Unable to resolve handle")
            return 200, {"did": found}, {}
        if nsid == "com.atproto.repo.createRecord" and m == "POST":
            self._own_repo(req.form, did)
            return 200, self.create(did, req.form["record"]), {}
        if nsid == "com.atproto.repo.deleteRecord" and m == "POST":
            self._own_repo(req.form, did)
            with self.lock:
                self.posts.pop(f"at://{did}/{req.form['collection']}/{req.form['rkey']}", None)
            return 200, {"commit": {"cid": "bafyreidel", "rev": self.next_tid()}}, {}
        if nsid == "com.atproto.repo.uploadBlob" and m == "POST":
            return self._upload(req)
        with self.lock:
            if nsid == "app.bsky.feed.getPosts":
                uris = req.query.get("uris", "").split(",")
                return (
                    200,
                    {"posts": [self.post_view(self.posts[u]) for u in uris if u in self.posts]},
                    {},
                )
            if nsid == "app.bsky.feed.getPostThread":
                uri = req.query["uri"]
                if uri in self.seeded_threads:
                    text = (FIXTURES / f"{self.seeded_threads[uri]}.json").read_text()
                    return 200, json.loads(text.replace("{uri}", uri)), {}
                if uri not in self.posts:
                    raise ApiError(400, f"Post not found: {uri}", error="NotFound")
                return 200, {"thread": self._thread(uri)}, {}
            if nsid == "app.bsky.feed.getAuthorFeed":
                return self._author_feed(req.query)
        raise ApiError(501, "Method Not Implemented", error="MethodNotImplemented")

    def _video(self, nsid: str, req: Request) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if nsid == "app.bsky.video.uploadVideo" and req.method == "POST":
                did = self.service_tokens.get(req.bearer() or "")
                if did is None or req.query.get("did") != did:
                    raise ApiError(
                        401, "Invalid service auth token", error="AuthenticationRequired"
                    )
                job_id = f"job-{self.next_id()[-8:]}"
                link = "bafkrei" + hashlib.sha256(req.raw).hexdigest()[:52]
                self.blobs[link] = {
                    "$type": "blob",
                    "ref": {"$link": link},
                    "mimeType": req.headers.get("content-type", ""),
                    "size": len(req.raw),
                }
                self.video_jobs[job_id] = {"did": did, "polls": self.video_polls, "link": link}
                body = fixture("video_job__created")
                body["jobStatus"].update(jobId=job_id, did=did)
                return 200, body, {}
            if nsid == "app.bsky.video.getJobStatus":
                job = self.video_jobs.get(req.query.get("jobId", ""))
                if job is None:
                    raise ApiError(400, "Job not found", error="NotFound")
                if job["polls"] > 0:
                    job["polls"] -= 1
                    body = fixture("video_job__processing")
                elif self.video_fails:
                    body = fixture("video_job__failed")
                else:
                    body = fixture("video_job__completed")
                    body["jobStatus"]["blob"] = self.blobs[job["link"]]
                body["jobStatus"].update(jobId=req.query["jobId"], did=job["did"])
                return 200, body, {}
        raise ApiError(501, "Method Not Implemented", error="MethodNotImplemented")

    def _session_body(self, did: str) -> dict[str, Any]:
        session = self.session(did)
        body = fixture("session__created")
        body.update(
            did=did,
            handle=self.users[did]["handle"],
            accessJwt=session["access_token"],
            refreshJwt=session["refresh_token"],
        )
        return dict(body)

    def _auth(self, req: Request) -> str:
        token = req.bearer()
        if token is None:
            raise ApiError(401, "Authentication Required", error="AuthenticationRequired")
        with self.lock:
            if token in self.expired:
                raise ApiError(400, error="ExpiredToken")
            if token not in self.access:
                raise ApiError(400, "Token could not be verified", error="InvalidToken")
            return self.access[token]

    def _own_repo(self, form: dict[str, Any], did: str) -> None:
        if form.get("repo") not in (did, self.users[did]["handle"]):
            raise ApiError(400, "Invalid repo: not the account of this session")

    def _upload(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if len(req.raw) > 1_000_000:
            raise ApiError(400, error="BlobTooLarge")
        body = fixture("blob_uploaded__image")
        link = "bafkrei" + hashlib.sha256(req.raw).hexdigest()[:52]
        body["blob"].update(
            ref={"$link": link}, mimeType=req.headers.get("content-type", ""), size=len(req.raw)
        )
        with self.lock:
            self.blobs[link] = body["blob"]
        return 200, body, {}

    def _author_feed(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        actor, limit = query["actor"], int(query.get("limit", "50"))
        offset = int(query.get("cursor", "0") or 0)
        mine = [p for p in self.posts.values() if p["did"] == actor]
        mine.sort(key=lambda p: p["uri"].rsplit("/", 1)[-1], reverse=True)
        page = mine[offset : offset + limit]
        body: dict[str, Any] = {"feed": [{"post": self.post_view(p)} for p in page]}
        if offset + limit < len(mine):
            body["cursor"] = str(offset + limit)
        return 200, body, {}
