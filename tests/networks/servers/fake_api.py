"""Shared plumbing of the local network servers used by the connector tests (stdlib only).

A network server subclasses :class:`FakeApi` and implements ``route(req)`` (the documented
endpoints) and ``error_body(status, message)`` (the network's documented error shape). The base
keeps state under one lock, logs requests, and applies failure injections:

* ``fail_next(status, count, path=..., method=..., message=..., headers=...)``: answer N matching
  calls with an error before acting;
* ``drop_after(path=..., method=...)`` / ``delay_after(seconds, path=...)``: do the work, then
  drop the connection without answering / answer too late (the client sees a lost answer).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["ApiError", "FakeApi", "Fault", "Request", "load_fixture", "now_iso"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def load_fixture(folder: Path, name: str) -> Any:
    """A fresh copy of ``<folder>/<name>.json``."""
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


class ApiError(Exception):
    """Raised by a route: answer ``status`` with the network's error body (or ``body``)."""

    def __init__(
        self,
        status: int,
        message: str = "",
        headers: dict[str, str] | None = None,
        body: Any = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.body, self.extra = body, extra


@dataclass
class Fault:
    action: str  # "status" (error before acting), "drop" or "delay" (after acting)
    count: int = 1
    status: int = 500
    message: str = ""
    method: str | None = None
    path: str | None = None  # prefix
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    after: int = 0  # let this many matching calls through first

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    form: dict[str, Any]  # JSON object, multipart fields (files as dicts) or urlencoded fields

    @property
    def segments(self) -> list[str]:
        return self.path.strip("/").split("/")

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None


class FakeApi:
    """Base of the in-memory servers: ``with XServer() as server: server.url``."""

    server_name = "FakeApi"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self._requests: list[dict[str, Any]] = []
        self.ids = itertools.count(1_860_000_000_000_000_000)
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.httpd.app = self  # type: ignore[attr-defined]

    def next_id(self) -> str:
        with self.lock:
            return str(next(self.ids))

    # --- lifecycle ---
    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeApi:
        thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- inspection ---
    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self._requests]

    # --- knobs ---
    def rate_limit_headers(self) -> dict[str, str]:
        return {"Retry-After": "30"}

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        message: str = "",
        headers: dict[str, str] | None = None,
        after: int = 0,
        **extra: Any,
    ) -> None:
        """Answer ``count`` matching calls with an error, after letting ``after`` through."""
        if status == 429 and headers is None:
            headers = self.rate_limit_headers()
        with self.lock:
            self.faults.append(
                Fault(
                    "status", count, status, message, method, path, 0.0, headers or {}, extra, after
                )
            )

    def drop_after(self, count: int = 1, *, path: str | None = None, method: str = "POST") -> None:
        with self.lock:
            self.faults.append(Fault("drop", count, method=method, path=path))

    def delay_after(
        self, seconds: float, count: int = 1, *, path: str | None = None, method: str = "POST"
    ) -> None:
        with self.lock:
            self.faults.append(Fault("delay", count, method=method, path=path, seconds=seconds))

    # --- to implement ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        raise ApiError(404, "not found")

    def error_body(self, error: ApiError) -> Any:
        return {"error": error.message}

    def default_message(self, status: int) -> str:
        return {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not Found",
            429: "Too Many Requests",
        }.get(status, "Internal Server Error" if status >= 500 else "Bad Request")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    @property
    def app(self) -> FakeApi:
        return self.server.app  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        app = self.app
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        req = Request(method, parts.path, query, headers, raw, self._form(raw))
        with app.lock:
            fault = next((f for f in app.faults if f.matches(method, parts.path)), None)
            if fault is not None and fault.after > 0:
                fault.after -= 1
                fault = None
            elif fault is not None:
                fault.count -= 1
                if fault.count <= 0:
                    app.faults.remove(fault)
        try:
            if fault is not None and fault.action == "status":
                raise ApiError(
                    fault.status,
                    fault.message or app.default_message(fault.status),
                    fault.headers,
                    **fault.extra,
                )
            code, body, out_headers = app.route(req)
        except ApiError as exc:
            code = exc.status
            body = exc.body if exc.body is not None else app.error_body(exc)
            out_headers = exc.headers
        with app.lock:
            app._requests.append(
                {"method": method, "path": parts.path, "status": code, "query": query}
            )
        if fault is not None and fault.action == "drop":
            self.close_connection = True
            return
        if fault is not None and fault.action == "delay":
            time.sleep(fault.seconds)
        self._send(code, body, out_headers)

    def _send(self, code: int, body: Any, headers: dict[str, str]) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        try:
            self.send_response(code)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _form(self, raw: bytes) -> dict[str, Any]:
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            try:
                loaded = json.loads(raw or b"{}")
            except ValueError:
                return {}
            return loaded if isinstance(loaded, dict) else {"_json": loaded}
        if ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + raw
            )
            form: dict[str, Any] = {}
            for part in message.iter_parts():
                name = str(part.get_param("name", header="content-disposition"))
                payload = part.get_payload(decode=True) or b""
                if part.get_filename():
                    form[name] = {
                        "filename": part.get_filename(),
                        "content": payload,
                        "mime": part.get_content_type(),
                    }
                else:
                    form[name] = payload.decode()
            return form
        if ctype.startswith("application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        return {}
