"""A real HTTP server speaking the OpenAI chat-completions protocol, scripted by the tests.

Each request pops the next scripted :class:`Reply` (the last one repeats); every request body
and header set is recorded so the tests can assert what the client sent.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    content: str = "Hello from the fake server."
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stream_chunks: list[str] | None = None  # SSE deltas when the request asks to stream
    raw_body: str | None = None  # send this body verbatim
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
    )


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[Reply] = [Reply()]
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    def next_reply(self) -> Reply:
        with self._lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def do_POST(self) -> None:
                # the client may have given up (a timeout test): nothing to answer then
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                reply = fake.next_reply()
                if reply.delay:
                    time.sleep(reply.delay)
                if self.path.endswith("/embeddings"):
                    data = [
                        {"index": i, "embedding": [float(len(text)), 1.0]}
                        for i, text in enumerate(body["input"])
                    ]
                    return self._send(200, json.dumps({"data": data}), {})
                if reply.status != 200:
                    return self._send(
                        reply.status, reply.raw_body or '{"error": "x"}', reply.headers
                    )
                if body.get("stream") and reply.stream_chunks is not None:
                    return self._stream(reply, body)
                payload = reply.raw_body or json.dumps(
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": body.get("model", ""),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply.content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": reply.usage,
                    }
                )
                self._send(200, payload, reply.headers)

            def _send(self, status: int, text: str, headers: dict[str, str]) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                for piece in reply.stream_chunks or []:
                    event = {"model": body.get("model", ""),
                             "choices": [{"index": 0, "delta": {"content": piece}}]}  # fmt: skip
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                final = {"model": body.get("model", ""), "choices": [], "usage": reply.usage}
                self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler


@contextmanager
def running_server() -> Iterator[tuple[FakeOpenAI, str]]:
    """Start the fake server on a free loopback port; yields (fake, base_url)."""
    fake = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
