"""The local Mastodon server as a process, plus a raw log of every status POST.

The server honours ``Idempotency-Key`` like real Mastodon, so its own "created" log would hide
a worker that sends the same variant twice. This wrapper appends one JSONL line per
``POST /api/v1/statuses`` it *receives* (key, answer code), before any dedupe matters, so the
kill test proves Clairon's exactly-once rather than the server's.

    python -m tests.worker.raw_log_server --raw RAW.jsonl [--delay SECONDS]   # prints the port
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from tests.networks.servers.mastodon_server import MastodonServer


class RawPostLog(list[dict[str, Any]]):
    """Stands in for the server's request list; every status POST also goes to a file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.lock = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        super().append(entry)
        if entry.get("method") == "POST" and entry.get("path") == "/api/v1/statuses":
            line = json.dumps({"key": entry.get("idempotency_key"), "status": entry.get("status")})
            with self.lock, open(self.path, "a", encoding="utf-8") as out:
                out.write(line + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="answer each POST this late")
    args = parser.parse_args(argv)
    server = MastodonServer(log_path=args.log)
    server._requests = RawPostLog(args.raw)
    if args.delay > 0:
        server.delay_after(args.delay, count=10**9)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(server.port, flush=True)
    try:
        server.httpd.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
