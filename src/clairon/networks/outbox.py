"""The outbox connector: the embedded default network.

Each published variant becomes one JSON file ``<data_dir>/outbox/<handle>/<key>.json`` (written
atomically) and one line in ``<data_dir>/outbox/published.log``. Publishing the same idempotency
key twice returns the first result and writes nothing new, so a retry can never double a post;
``find_published`` settles an unknown outcome by looking for the file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from clairon.errors import Rejected
from clairon.networks.base import (
    Capability,
    Connector,
    Limits,
    MediaRule,
    PublishRequest,
    PublishResult,
    RemoteComment,
)

__all__ = ["OutboxConnector"]

_SAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


class OutboxConnector(Connector):
    network: ClassVar[str] = "outbox"
    display_name: ClassVar[str] = "Outbox (JSON files)"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.delete,
            Capability.media,
            Capability.thread,
            Capability.first_comment,
            Capability.reconcile,
            Capability.read_comments,
        }
    )
    max_concurrency: ClassVar[int] = 64

    @property
    def root(self) -> Path:
        base = self.account.data_dir or Path("var")
        return base / "outbox"

    def _folder(self) -> Path:
        return self.root / (_SAFE.sub("_", self.account.handle) or "account")

    def _file(self, key: str) -> Path:
        return self._folder() / f"{_SAFE.sub('_', key)}.json"

    def limits(self) -> Limits:
        return Limits(
            network=self.network,
            max_length=int(self.account.settings.get("max_length", 100_000)),
            media=(
                MediaRule(kinds=frozenset({"image", "video", "gif", "document"}), max_count=20),
            ),
            mixed_media=True,
            daily_publish_cap=int(self.account.settings.get("daily_publish_cap", 0)) or None,
        )

    def publish(self, request: PublishRequest) -> PublishResult:
        path = self._file(request.idempotency_key)
        if path.exists():
            return self._result_from(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        record = {
            "id": request.idempotency_key,
            "account": self.account.handle,
            "variant_id": request.variant_id,
            "text": request.text,
            "thread": list(request.thread),
            "first_comment": request.first_comment,
            "language": request.language,
            "media": [str(m.path) for m in request.media],
            "options": request.options,
            "ai_generated": request.ai_generated,
            "published_at": now.isoformat(),
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        line = json.dumps(
            {
                "id": record["id"],
                "variant_id": request.variant_id,
                "account": self.account.handle,
                "at": record["published_at"],
            }
        )
        with open(self.root / "published.log", "a", encoding="utf-8") as log:
            log.write(line + "\n")
        return PublishResult(
            network_post_id=request.idempotency_key, url=path.resolve().as_uri(), published_at=now
        )

    def _result_from(self, path: Path) -> PublishResult:
        record = json.loads(path.read_text(encoding="utf-8"))
        return PublishResult(
            network_post_id=str(record["id"]),
            url=path.resolve().as_uri(),
            published_at=datetime.fromisoformat(record["published_at"]),
        )

    def find_published(self, request: PublishRequest, since: datetime) -> PublishResult | None:
        path = self._file(request.idempotency_key)
        return self._result_from(path) if path.exists() else None

    def delete(self, network_post_id: str) -> None:
        path = self._file(network_post_id)
        if not path.exists():
            raise Rejected(f"no outbox post {network_post_id!r}")
        path.unlink()

    def fetch_comments(
        self, network_post_id: str, since_id: str | None = None
    ) -> Sequence[RemoteComment]:
        """Comments dropped next to a post as ``<key>.comments.jsonl`` (for demos and tests)."""
        path = self._folder() / f"{_SAFE.sub('_', network_post_id)}.comments.jsonl"
        if not path.exists():
            return []
        out: list[RemoteComment] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            c = json.loads(line)
            if since_id is not None and str(c["id"]) <= since_id:
                continue
            out.append(
                RemoteComment(
                    network_item_id=str(c["id"]),
                    parent_network_id=network_post_id,
                    author_handle=c.get("author", "someone"),
                    text=c.get("text", ""),
                    created_at=datetime.fromisoformat(c["created_at"]),
                    kind="comment",
                )
            )
        return out
