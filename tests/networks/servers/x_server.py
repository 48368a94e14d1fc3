"""A local X API v2 server for tests: posts, media upload v2, timeline, search, users/me, OAuth.

It answers with the documented bodies of ``fixtures/x/`` (problem JSON errors, ``data``/
``includes``/``meta`` envelopes), wraps links as ``t.co`` and escapes ``& < >`` in returned text
like X does, refuses duplicate content with 403, rate-limits with ``x-rate-limit-*`` headers
(epoch reset) and takes the failure knobs of :class:`FakeApi`, plus ``media_polls`` (STATUS
answers ``in_progress`` that many times) and ``media_fails`` (processing ends ``failed``).
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture, now_iso

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x"
DEFAULT_TOKEN = "x-test-token"
REFRESH_TOKEN = "x-refresh-1"
CLIENT_ID, CLIENT_SECRET = "client-id", "client-secret"
_URL = re.compile(r"https?://\S+")


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def tco(url: str) -> str:
    return "https://t.co/" + hashlib.sha1(url.encode()).hexdigest()[:10]


class XServer(FakeApi):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.tokens: dict[str, dict[str, Any]] = {DEFAULT_TOKEN: fixture("users_me__ok")["data"]}
        self.refresh = {REFRESH_TOKEN}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.media_polls = 0
        self.media_fails = False
        self.seeded_search: dict[str, str] = {}

    def rate_limit_headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(time.time()) + 30),
        }

    def error_body(self, error: ApiError) -> Any:
        name = {
            401: "error__unauthorized",
            403: "error__forbidden",
            404: "error__not_found",
            429: "error__rate_limited",
        }.get(error.status)
        if error.status >= 500:
            name = "error__server_error"
        if name is None:
            body = fixture("error__invalid_request")
            body["errors"][0]["message"] = error.message
            body["errors"][0]["parameters"] = error.extra.get("parameters", {})
            return body
        body = fixture(name)
        if error.message and error.status != 429:
            body["detail"] = error.message
        body["status"] = error.status
        return body

    # --- helpers for tests ---
    def add_reply(self, in_reply_to: str, text: str, token: str = "token-bob") -> str:
        return str(
            self.create(
                self.user(token), {"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}}
            )["id"]
        )

    def set_metrics(self, tweet_id: str, **counts: int) -> None:
        with self.lock:
            self.tweets[tweet_id]["public_metrics"].update(counts)

    def user(self, token: str) -> dict[str, Any]:
        with self.lock:
            if token not in self.tokens:
                name = re.sub(r"\W", "", token.removeprefix("token-"))[:15] or "user"
                self.tokens[token] = {"id": self.next_id(), "name": name.title(), "username": name}
            return self.tokens[token]

    def create(self, user: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        text = str(body.get("text", ""))
        media_ids = (body.get("media") or {}).get("media_ids") or []
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        with self.lock:
            if not text.strip() and not media_ids:
                raise ApiError(400, "text or media is required", parameters={"text": [""]})
            if len(text) > 280:
                raise ApiError(400, "Your Tweet text is too long.", parameters={"text": [text]})
            for tweet in self.tweets.values():
                if tweet["author_id"] == user["id"] and tweet["raw"] == text and text:
                    raise ApiError(403, fixture("error__duplicate_content")["detail"])
            if parent is not None and parent not in self.tweets:
                raise ApiError(
                    400,
                    "The Tweet you are replying to has been deleted or is not visible to you.",
                    parameters={"reply.in_reply_to_tweet_id": [parent]},
                )
            for media_id in media_ids:
                media = self.media.get(str(media_id))
                if media is None or media["state"] != "succeeded":
                    raise ApiError(400, f"Your media IDs are invalid: {media_id}")
            tweet_id = self.next_id()
            shown = _URL.sub(lambda m: tco(m.group(0)), html.escape(text, quote=False))
            if media_ids:
                shown += " " + tco(f"media:{tweet_id}")
            root = self.tweets[parent]["conversation_id"] if parent else tweet_id
            record = {
                "id": tweet_id,
                "raw": text,
                "text": shown,
                "author_id": user["id"],
                "created_at": now_iso(),
                "conversation_id": root,
                "referenced_tweets": [{"type": "replied_to", "id": parent}] if parent else [],
                "media_ids": [str(m) for m in media_ids],
                "public_metrics": {
                    "retweet_count": 0,
                    "reply_count": 0,
                    "like_count": 0,
                    "quote_count": 0,
                    "bookmark_count": 0,
                    "impression_count": 0,
                },
            }
            if parent:
                self.tweets[parent]["public_metrics"]["reply_count"] += 1
            self.tweets[tweet_id] = record
            self.created.append({"id": tweet_id, "text": text, "in_reply_to": parent})
            return record

    def tweet_json(self, record: dict[str, Any], fields: str = "") -> dict[str, Any]:
        out = {
            "id": record["id"],
            "text": record["text"],
            "edit_history_tweet_ids": [record["id"]],
        }
        for name in fields.split(","):
            if name and name in record:
                out[name] = record[name]
        if "referenced_tweets" in out and not out["referenced_tweets"]:
            del out["referenced_tweets"]
        return out

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        seg, m = req.segments, req.method
        if req.path == "/2/oauth2/token" and m == "POST":
            return self._token(req)
        token = req.bearer()
        if token is None or token not in self.tokens:
            raise ApiError(401)
        me = self.tokens[token]
        if req.path == "/2/users/me" and m == "GET":
            return 200, {"data": me}, {}
        if req.path == "/2/tweets" and m == "POST":
            record = self.create(me, req.form)
            return 201, {"data": self.tweet_json(record)}, {}
        if seg[:2] == ["2", "tweets"] and len(seg) == 3 and seg[2] != "search":
            return self._tweet(m, seg[2], me, req.query)
        if req.path == "/2/tweets/search/recent" and m == "GET":
            return self._search(req.query)
        if seg[:2] == ["2", "users"] and len(seg) == 4 and seg[3] == "tweets" and m == "GET":
            return self._timeline(seg[2], req.query)
        if seg[:3] == ["2", "media", "upload"] or req.path == "/2/media/metadata":
            return self._media(req, me)
        raise ApiError(404)

    def _token(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        import base64

        auth = req.headers.get("authorization", "")
        pair = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth else ""
        if pair != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return (
                401,
                {
                    "error": "unauthorized_client",
                    "error_description": "Missing valid authorization header",
                },
                {},
            )
        with self.lock:
            old = req.form.get("refresh_token")
            if req.form.get("grant_type") != "refresh_token" or old not in self.refresh:
                return 400, fixture("token__invalid_grant"), {}
            self.refresh.discard(old)
            access, refresh = f"x-access-{self.next_id()}", f"x-refresh-{self.next_id()}"
            self.refresh.add(refresh)
            self.tokens[access] = self.tokens[DEFAULT_TOKEN]
        body = fixture("token__refreshed")
        body.update(access_token=access, refresh_token=refresh)
        return 200, body, {}

    def _tweet(
        self, method: str, tweet_id: str, me: dict[str, Any], query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            record = self.tweets.get(tweet_id)
            if method == "GET":
                if record is None:
                    body = fixture("tweet_lookup__not_found")
                    for error in body["errors"]:
                        for key in ("value", "detail", "resource_id"):
                            error[key] = error[key].replace("{tweet_id}", tweet_id)
                    return 200, body, {}
                return 200, {"data": self.tweet_json(record, query.get("tweet.fields", ""))}, {}
            if method == "DELETE":
                if record is None:
                    raise ApiError(404)
                if record["author_id"] != me["id"]:
                    raise ApiError(403, "You are not authorized to delete this Tweet.")
                del self.tweets[tweet_id]
                return 200, fixture("tweet_deleted__ok"), {}
        raise ApiError(404)

    def _search(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        conversation = query.get("query", "").removeprefix("conversation_id:")
        if conversation in self.seeded_search:
            text = (FIXTURES / f"{self.seeded_search[conversation]}.json").read_text()
            import json

            return 200, json.loads(text.replace("{tweet_id}", conversation)), {}
        since = int(query.get("since_id") or 0)
        fields = query.get("tweet.fields", "") + ",author_id"
        with self.lock:
            found = [
                t
                for t in self.tweets.values()
                if t["conversation_id"] == conversation
                and t["id"] != conversation
                and int(t["id"]) > since
            ]
            found.sort(key=lambda t: int(t["id"]), reverse=True)
            authors = {t["author_id"] for t in found}
            users = [
                {**u, "public_metrics": {"followers_count": 10}}
                for u in self.tokens.values()
                if u["id"] in authors
            ]
            data = [self.tweet_json(t, fields) for t in found]
        body: dict[str, Any] = {"meta": {"result_count": len(data)}}
        if data:
            body.update(data=data, includes={"users": list({u["id"]: u for u in users}.values())})
        return 200, body, {}

    def _timeline(self, user_id: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        limit = int(query.get("max_results", "10"))
        start = query.get("start_time", "")
        offset = int(query.get("pagination_token", "0") or 0)
        with self.lock:
            mine = [
                t
                for t in self.tweets.values()
                if t["author_id"] == user_id and t["created_at"] >= start
            ]
            mine.sort(key=lambda t: int(t["id"]), reverse=True)
            page = mine[offset : offset + limit]
            data = [self.tweet_json(t, query.get("tweet.fields", "")) for t in page]
        meta: dict[str, Any] = {"result_count": len(data)}
        if offset + limit < len(mine):
            meta["next_token"] = str(offset + limit)
        body: dict[str, Any] = {"meta": meta}
        if data:
            body["data"] = data
        return 200, body, {}

    def _media(self, req: Request, me: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        seg = req.segments
        with self.lock:
            if req.path == "/2/media/metadata":
                media = self.media.get(str(req.form.get("id")))
                if media is None:
                    raise ApiError(400, "Invalid media id", parameters={"id": [req.form.get("id")]})
                media["alt_text"] = req.form["metadata"]["alt_text"]["text"]
                return 200, {"data": {"associated_metadata": True}}, {}
            if req.method == "POST" and len(seg) == 3:  # simple image upload
                upload = req.form.get("media")
                if not isinstance(upload, dict) or not upload["mime"].startswith("image/"):
                    raise ApiError(400, "media must be an image file", parameters={"media": []})
                body = fixture("media_uploaded__image")
                media_id = self.next_id()
                body["data"].update(
                    id=media_id, media_key=f"3_{media_id}", size=len(upload["content"])
                )
                self.media[media_id] = {"state": "succeeded", "chunks": {}, "alt_text": ""}
                return 200, body, {}
            if req.method == "POST" and seg[3:] == ["initialize"]:
                body = fixture("media_initialized__video")
                media_id = self.next_id()
                body["data"].update(id=media_id, media_key=f"7_{media_id}")
                self.media[media_id] = {
                    "state": "initialized",
                    "total": int(req.form["total_bytes"]),
                    "chunks": {},
                    "polls": self.media_polls,
                    "alt_text": "",
                }
                return 200, body, {}
            media = self.media.get(seg[3] if len(seg) > 3 else str(req.query.get("media_id")))
            if media is None:
                raise ApiError(400, "Invalid media id", parameters={"media_id": []})
            if req.method == "POST" and seg[4:] == ["append"]:
                chunk = req.form["media"]["content"]
                media["chunks"][int(req.form["segment_index"])] = chunk
                return 200, {"data": {"expires_at": int(time.time()) + 86400}}, {}
            if req.method == "POST" and seg[4:] == ["finalize"]:
                size = sum(len(c) for c in media["chunks"].values())
                if size != media["total"]:
                    raise ApiError(400, f"File size mismatch: {size} != {media['total']}")
                media["state"] = "pending"
                body = fixture("media_finalized__pending")
                body["data"].update(id=seg[3], size=size)
                return 200, body, {}
            if req.method == "GET" and req.query.get("command") == "STATUS":
                if media["polls"] > 0:
                    media["polls"] -= 1
                    body = fixture("media_status__in_progress")
                else:
                    media["state"] = "failed" if self.media_fails else "succeeded"
                    body = fixture(f"media_status__{media['state']}")
                body["data"]["id"] = req.query["media_id"]
                return 200, body, {}
        raise ApiError(404)
