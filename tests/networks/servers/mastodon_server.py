"""A local Mastodon-compatible HTTP server for tests (stdlib only, one thread per request).

It speaks the documented REST shapes (statuses, media v2 with async processing, context,
account statuses, instance v1/v2, verify_credentials), honours ``Idempotency-Key`` per account
like Mastodon does, keeps state in memory, logs every created status (``created_statuses()``
and, with ``log_path``, one JSONL line each) and takes failure injections:

* ``fail_next(status, count, path=..., method=...)``: answer N matching calls with an error;
* ``drop_after(count)`` / ``delay_after(seconds, count)``: do the work, then drop the
  connection without answering / answer too late (the client sees a lost answer);
* ``slow_media(polls)``: uploads answer 202 and the first N polls 206.

The same knobs are reachable over HTTP (``POST /_test/fault``, ``POST /_test/reply``,
``GET /_test/created``) for tests that run this server as a separate process::

    python -m tests.networks.servers.mastodon_server --port 0 --log FILE   # prints the port
"""

from __future__ import annotations

import argparse
import functools
import html
import itertools
import json
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import regex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"
DEFAULT_TOKEN = "test-token"
DOMAIN = "mastodon.example"
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']")
_MENTION = re.compile(r"(?<![\w/=])@(\w+)(@[\w.-]+\w)?")
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def fixture(name: str) -> Any:
    """A fresh copy of one documented body from ``fixtures/mastodon/<name>.json``."""
    return json.loads(_fixture_text(name))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def length(text: str, url_length: int) -> int:
    """Mastodon's rule, as the server checks it: URL = fixed length, remote mention = @user."""
    text = _URL.sub("x" * url_length, text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(regex.findall(r"\X", text))


def render(text: str) -> str:
    """Plain text -> Mastodon-style HTML content (paragraphs, <br />, linked entities)."""

    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        scheme, rest = url.split("://", 1)
        return (
            f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
            f'translate="no"><span class="invisible">{scheme}://</span>'
            f'<span class="">{html.escape(rest)}</span><span class="invisible"></span></a>'
        )

    def mention(match: re.Match[str]) -> str:
        user, domain = match.group(1), (match.group(2) or f"@{DOMAIN}")[1:]
        return (
            f'<span class="h-card" translate="no"><a href="https://{domain}/@{user}" '
            f'class="u-url mention">@<span>{user}</span></a></span>'
        )

    def hashtag(match: re.Match[str]) -> str:
        tag = match.group(1)
        return (
            f'<a href="https://{DOMAIN}/tags/{tag.lower()}" class="mention hashtag" '
            f'rel="tag">#<span>{tag}</span></a>'
        )

    paragraphs = []
    for block in re.split(r"\n{2,}", text.strip()):
        out, last = [], 0
        pattern = re.compile(f"{_URL.pattern}|{_MENTION.pattern}|{_HASHTAG.pattern}")
        for m in pattern.finditer(block):
            out.append(html.escape(block[last : m.start()]))
            token = m.group(0)
            if token.startswith("http"):
                out.append(link(m))
            elif token.startswith("@"):
                out.append(mention(_MENTION.match(token)))  # type: ignore[arg-type]
            else:
                out.append(hashtag(_HASHTAG.match(token)))  # type: ignore[arg-type]
            last = m.end()
        out.append(html.escape(block[last:]))
        paragraphs.append("<p>" + "".join(out).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


@dataclass
class Fault:
    action: str  # "status" (answer an error before acting), "drop" or "delay" (after acting)
    count: int = 1
    status: int = 500
    error: str = ""
    method: str | None = None
    path: str | None = None  # prefix
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )


_DEFAULT_ERRORS = {
    401: "error__unauthorized",
    404: "error__not_found",
    422: "error__validation_failed",
    429: "error__rate_limited",
    500: "error__server_error",
}


class MastodonServer:
    """The in-memory instance. ``with MastodonServer() as server: server.url``."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, log_path: Path | str | None = None
    ) -> None:
        self.lock = threading.RLock()
        self.log_path = Path(log_path) if log_path else None
        self.max_characters = 500
        self.url_length = 23
        self.instance_v2 = True
        self.instance_v1 = True
        self.media_polls = 0
        self.accounts: dict[str, dict[str, Any]] = {}  # token -> account
        self.revoked: set[str] = set()
        self.statuses: dict[str, dict[str, Any]] = {}  # live statuses, id -> record
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.seeded_contexts: dict[str, str] = {}
        self.faults: list[Fault] = []
        self._created: list[dict[str, Any]] = []
        self._requests: list[dict[str, Any]] = []
        self._ids = itertools.count(110_000_000_000_000_000)
        alice = fixture("account__verify_credentials")
        self.accounts[DEFAULT_TOKEN] = alice
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.httpd.app = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MastodonServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> MastodonServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- inspection ---
    def created_statuses(self) -> list[dict[str, Any]]:
        """Every status ever created (deleted ones included), in creation order."""
        with self.lock:
            return [dict(c) for c in self._created]

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self._requests]

    # --- knobs ---
    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        error: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        if status == 429 and headers is None:
            reset = datetime.now(UTC) + timedelta(seconds=30)
            headers = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds"),
            }
        with self.lock:
            self.faults.append(
                Fault("status", count, status, error, method, path, headers=headers or {})
            )

    def drop_after(self, count: int = 1, *, path: str = "/api/v1/statuses") -> None:
        with self.lock:
            self.faults.append(Fault("drop", count, method="POST", path=path))

    def delay_after(
        self, seconds: float, count: int = 1, *, path: str = "/api/v1/statuses"
    ) -> None:
        with self.lock:
            self.faults.append(Fault("delay", count, method="POST", path=path, seconds=seconds))

    def slow_media(self, polls: int) -> None:
        self.media_polls = polls

    def revoke(self, token: str = DEFAULT_TOKEN) -> None:
        self.revoked.add(token)

    def set_counts(self, status_id: str, *, favourites: int = 0, reblogs: int = 0) -> None:
        with self.lock:
            self.statuses[status_id]["favourites_count"] = favourites
            self.statuses[status_id]["reblogs_count"] = reblogs

    def seed_context(self, status_id: str, name: str = "context__two_replies") -> None:
        self.seeded_contexts[status_id] = name

    def add_reply(self, in_reply_to_id: str, text: str, author: str = "bob") -> str:
        """A reply from another account (a comment to be read by the connector)."""
        return self.create(
            self.account(f"token-{author}"),
            {"status": text, "in_reply_to_id": in_reply_to_id},
            None,
        )["id"]

    # --- state ---
    def account(self, token: str) -> dict[str, Any]:
        with self.lock:
            if token not in self.accounts:
                name = re.sub(r"\W", "_", token.removeprefix("token-"))[:30] or "user"
                base = fixture("account__verify_credentials")
                base.update(
                    id=str(next(self._ids)),
                    username=name,
                    acct=name,
                    display_name=name.title(),
                    url=f"https://{DOMAIN}/@{name}",
                    followers_count=10,
                    statuses_count=0,
                )
                self.accounts[token] = base
            return self.accounts[token]

    def create(
        self, account: dict[str, Any], form: dict[str, Any], key: str | None
    ) -> dict[str, Any]:
        text = str(form.get("status", ""))
        media_ids = [str(m) for m in form.get("media_ids", [])]
        with self.lock:
            if key and (account["id"], key) in self.idempotency:
                return self.statuses.get(self.idempotency[account["id"], key]) or self._gone(key)
            if not text.strip() and not media_ids:
                raise ApiError(422, "Validation failed: Text can't be blank")
            if length(text, self.url_length) + len(form.get("spoiler_text", "")) > (
                self.max_characters
            ):
                raise ApiError(
                    422,
                    f"Validation failed: Text character limit of {self.max_characters} exceeded",
                )
            parent = form.get("in_reply_to_id") or None
            if parent is not None and parent not in self.statuses:
                raise ApiError(404, "The post you are trying to reply to does not appear to exist.")
            for media_id in media_ids:
                media = self.media.get(media_id)
                if media is None or media["account_id"] != account["id"]:
                    raise ApiError(422, "Validation failed: Media attachments are invalid")
                if media["polls_left"] > 0:
                    raise ApiError(422, fixture("error__media_processing")["error"])
            status_id = str(next(self._ids))
            record = {
                "id": status_id,
                "account": account,
                "text": text,
                "created_at": now_iso(),
                "in_reply_to_id": parent,
                "visibility": form.get("visibility", "public"),
                "language": form.get("language") or None,
                "media_ids": media_ids,
                "spoiler_text": form.get("spoiler_text", ""),
                "favourites_count": 0,
                "reblogs_count": 0,
                "idempotency_key": key,
            }
            self.statuses[status_id] = record
            if key:
                self.idempotency[account["id"], key] = status_id
            entry = {
                "event": "status_created",
                "id": status_id,
                "account": account["acct"],
                "idempotency_key": key,
                "text": text,
                "in_reply_to_id": parent,
                "at": record["created_at"],
            }
            self._created.append(entry)
            if self.log_path is not None:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            return record

    def _gone(self, key: str) -> dict[str, Any]:
        raise ApiError(422, f"Validation failed: the status for key {key} was deleted")

    def status_json(self, record: dict[str, Any]) -> dict[str, Any]:
        with self.lock:  # replies_count walks every status
            return self._status_json(record)

    def _status_json(self, record: dict[str, Any]) -> dict[str, Any]:
        body = fixture("status_created__text")
        account = record["account"]
        sid = record["id"]
        parent = self.statuses.get(record["in_reply_to_id"] or "")
        body.update(
            id=sid,
            created_at=record["created_at"],
            content=render(record["text"]),
            in_reply_to_id=record["in_reply_to_id"],
            in_reply_to_account_id=parent["account"]["id"] if parent else None,
            visibility=record["visibility"],
            language=record["language"],
            spoiler_text=record["spoiler_text"],
            account=account,
            uri=f"https://{DOMAIN}/users/{account['username']}/statuses/{sid}",
            url=f"https://{DOMAIN}/@{account['username']}/{sid}",
            favourites_count=record["favourites_count"],
            reblogs_count=record["reblogs_count"],
            replies_count=sum(1 for s in self.statuses.values() if s["in_reply_to_id"] == sid),
            media_attachments=[self.media_json(self.media[m]) for m in record["media_ids"]],
        )
        return body

    def media_json(self, media: dict[str, Any]) -> dict[str, Any]:
        body = fixture("media__processed")
        ready = media["polls_left"] <= 0
        body.update(
            id=media["id"],
            type=media["type"],
            description=media["description"] or None,
            url=f"https://files.{DOMAIN}/media/{media['id']}/{media['name']}" if ready else None,
        )
        if not ready:
            body["meta"] = None
        return body

    def descendants(self, status_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return self._descendants(status_id)

    def _descendants(self, status_id: str) -> list[dict[str, Any]]:
        found, frontier = [], [status_id]
        while frontier:
            parent = frontier.pop(0)
            children = [s for s in self.statuses.values() if s["in_reply_to_id"] == parent]
            children.sort(key=lambda s: int(s["id"]))
            found += children
            frontier += [c["id"] for c in children]
        return [self.status_json(s) for s in sorted(found, key=lambda s: int(s["id"]))]


class ApiError(Exception):
    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers or {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "Mastodon"

    @property
    def app(self) -> MastodonServer:
        return self.server.app  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # --- plumbing ---
    def _serve(self, method: str) -> None:
        app = self.app
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("Idempotency-Key")
        after: Fault | None = None
        with app.lock:
            fault = next((f for f in app.faults if f.matches(method, path)), None)
            if fault is not None:
                fault.count -= 1
                if fault.count <= 0:
                    app.faults.remove(fault)
        try:
            if fault is not None and fault.action == "status":
                error = (
                    fault.error
                    or fixture(_DEFAULT_ERRORS.get(fault.status, "error__server_error"))["error"]
                )
                raise ApiError(fault.status, error, fault.headers)
            after = fault
            code, body, headers = self._route(method, path, query, self._form(raw), key)
        except ApiError as exc:
            code, body, headers = exc.status, {"error": exc.error}, exc.headers
        with app.lock:
            app._requests.append(
                {
                    "method": method,
                    "path": path,
                    "status": code,
                    "idempotency_key": key,
                    "at": now_iso(),
                }
            )
        if after is not None and after.action == "drop":
            self.close_connection = True
            return
        if after is not None and after.action == "delay":
            time.sleep(after.seconds)
        self._send(code, body, headers)

    def _send(self, code: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout test): nothing to tell
            self.close_connection = True

    def _form(self, raw: bytes) -> dict[str, Any]:
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            loaded = json.loads(raw or b"{}")
            return loaded if isinstance(loaded, dict) else {}
        if ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + raw
            )
            form: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if part.get_filename():
                    form[str(name)] = {
                        "filename": part.get_filename(),
                        "content": payload,
                        "mime": part.get_content_type(),
                    }
                else:
                    form[str(name)] = (payload or b"").decode()
            return form
        pairs = parse_qs(raw.decode(), keep_blank_values=True)
        out: dict[str, Any] = {k: v[-1] for k, v in pairs.items() if not k.endswith("[]")}
        out.update({k[:-2]: v for k, v in pairs.items() if k.endswith("[]")})
        return out

    def _me(self) -> dict[str, Any]:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        if not auth.startswith("Bearer ") or not token or token in self.app.revoked:
            raise ApiError(401, fixture("error__unauthorized")["error"])
        return self.app.account(token)

    # --- routes ---
    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        form: dict[str, Any],
        key: str | None,
    ) -> tuple[int, Any, dict[str, str]]:
        app = self.app
        seg = path.strip("/").split("/")
        if path.startswith("/_test/"):
            return self._control(method, seg[1], form)
        if method == "GET" and path == "/api/v2/instance" and app.instance_v2:
            body = fixture("instance__v2")
            body["configuration"]["statuses"].update(
                max_characters=app.max_characters, characters_reserved_per_url=app.url_length
            )
            return 200, body, {}
        if method == "GET" and path == "/api/v1/instance" and app.instance_v1:
            body = fixture("instance__v1")
            body["configuration"]["statuses"].update(
                max_characters=app.max_characters, characters_reserved_per_url=app.url_length
            )
            return 200, body, {}
        me = self._me()
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return 200, me, {}
        if method == "GET" and seg[:3] == ["api", "v1", "accounts"] and seg[4:] == ["statuses"]:
            return 200, *self._account_statuses(seg[3], query)
        if method == "POST" and path == "/api/v1/statuses":
            record = app.create(me, form, key)
            return 200, app.status_json(record), {}
        if seg[:3] == ["api", "v1", "statuses"] and len(seg) >= 4:
            return self._status(method, seg[3], seg[4:], me)
        if method == "POST" and path in ("/api/v2/media", "/api/v1/media"):
            return self._upload(me, form, asynchronous=path.startswith("/api/v2"))
        if method == "GET" and seg[:3] == ["api", "v1", "media"] and len(seg) == 4:
            with app.lock:
                media = app.media.get(seg[3])
                if media is None or media["account_id"] != me["id"]:
                    raise ApiError(404, "Record not found")
                if media["polls_left"] > 0:
                    media["polls_left"] -= 1
                    return 206, app.media_json({**media, "polls_left": 1}), {}
                return 200, app.media_json(media), {}
        raise ApiError(404, "Record not found")

    def _account_statuses(
        self, account_id: str, query: dict[str, list[str]]
    ) -> tuple[Any, dict[str, str]]:
        app = self.app
        limit = min(int(query.get("limit", ["20"])[0]), 40)
        max_id = query.get("max_id", [None])[0]
        with app.lock:
            mine = [s for s in app.statuses.values() if s["account"]["id"] == account_id]
            mine.sort(key=lambda s: int(s["id"]), reverse=True)
            if max_id is not None:
                mine = [s for s in mine if int(s["id"]) < int(max_id)]
            page = [app.status_json(s) for s in mine[:limit]]
        headers = {}
        if len(page) == limit:
            headers["Link"] = (
                f"<{app.url}/api/v1/accounts/{account_id}/statuses?"
                f'max_id={page[-1]["id"]}>; rel="next"'
            )
        return page, headers

    def _status(
        self, method: str, status_id: str, rest: list[str], me: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        app = self.app
        with app.lock:
            record = app.statuses.get(status_id)
            if rest == ["context"] and method == "GET" and status_id in app.seeded_contexts:
                body = json.loads(
                    json.dumps(fixture(app.seeded_contexts[status_id])).replace(
                        "{status_id}", status_id
                    )
                )
                return 200, body, {}
            if record is None:
                raise ApiError(404, "Record not found")
            if method == "GET" and not rest:
                return 200, app.status_json(record), {}
            if method == "GET" and rest == ["context"]:
                return 200, {"ancestors": [], "descendants": app.descendants(status_id)}, {}
            if method == "DELETE" and not rest:
                if record["account"]["id"] != me["id"]:
                    raise ApiError(404, "Record not found")
                body = app.status_json(record)
                body["text"] = record["text"]
                del app.statuses[status_id]
                app._created.append({"event": "status_deleted", "id": status_id})
                return 200, body, {}
        raise ApiError(404, "Record not found")

    def _upload(
        self, me: dict[str, Any], form: dict[str, Any], *, asynchronous: bool
    ) -> tuple[int, Any, dict[str, str]]:
        app = self.app
        upload = form.get("file")
        if not isinstance(upload, dict):
            raise ApiError(422, "Validation failed: File can't be blank")
        mime = upload["mime"]
        if (
            mime
            not in fixture("instance__v2")["configuration"]["media_attachments"][
                "supported_mime_types"
            ]
        ):
            raise ApiError(422, "Validation failed: File content type is invalid, File is invalid")
        kind = "gifv" if mime == "image/gif" else mime.split("/")[0]
        with app.lock:
            media = {
                "id": str(next(app._ids)),
                "account_id": me["id"],
                "type": kind,
                "name": upload["filename"],
                "size": len(upload["content"] or b""),
                "description": form.get("description", ""),
                "polls_left": app.media_polls if asynchronous else 0,
            }
            app.media[media["id"]] = media
            return (202 if media["polls_left"] > 0 else 200), app.media_json(media), {}

    def _control(
        self, method: str, action: str, form: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        app = self.app
        if action == "created":
            return 200, app.created_statuses(), {}
        if action == "reply" and method == "POST":
            sid = app.add_reply(form["status_id"], form["text"], form.get("author", "bob"))
            return 200, {"id": sid}, {}
        if action == "fault" and method == "POST":
            kind = form.pop("kind", "status")
            if kind == "status":
                app.fail_next(int(form.pop("status", 500)), int(form.pop("count", 1)), **form)
            elif kind == "drop":
                app.drop_after(int(form.get("count", 1)))
            elif kind == "delay":
                app.delay_after(float(form["seconds"]), int(form.get("count", 1)))
            elif kind == "media":
                app.slow_media(int(form["polls"]))
            return 200, {"ok": True}, {}
        raise ApiError(404, "Record not found")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path, default=None, help="append created statuses (JSONL)")
    args = parser.parse_args(argv)
    server = MastodonServer(host=args.host, port=args.port, log_path=args.log)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(server.port, flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
