"""The outbox connector (the embedded default network): files, idempotency, reconcile."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clairon.errors import NotFound, Rejected
from clairon.networks.base import AccountContext, Capability, PublishRequest
from clairon.networks.outbox import OutboxConnector
from clairon.networks.registry import connector_class, known_networks


def _outbox(tmp_path: Path, **settings: object) -> OutboxConnector:
    return OutboxConnector(
        AccountContext(
            account_id=1,
            handle="brand/fr",
            credentials={},
            settings=dict(settings),
            data_dir=tmp_path,
        )
    )


def test_publish_is_idempotent_and_logged(tmp_path: Path) -> None:
    with _outbox(tmp_path) as box:
        request = PublishRequest(
            variant_id=7,
            idempotency_key="clairon-v7-1",
            text="Bonjour",
            thread=("suite",),
            first_comment="lien",
            ai_generated=True,
        )
        first = box.publish(request)
        again = box.publish(request)
        assert first.network_post_id == again.network_post_id == "clairon-v7-1"
        record = json.loads((tmp_path / "outbox" / "brand_fr" / "clairon-v7-1.json").read_text())
        assert record["text"] == "Bonjour" and record["ai_generated"] is True
        log = (tmp_path / "outbox" / "published.log").read_text().splitlines()
        assert len(log) == 1  # the retry wrote nothing
        found = box.find_published(request, since=datetime(2020, 1, 1, tzinfo=UTC))
        assert found is not None and found.network_post_id == "clairon-v7-1"
        box.delete("clairon-v7-1")
        assert box.find_published(request, since=datetime(2020, 1, 1, tzinfo=UTC)) is None
        with pytest.raises(Rejected):
            box.delete("clairon-v7-1")


def test_comments_dropped_beside_a_post_are_read(tmp_path: Path) -> None:
    with _outbox(tmp_path) as box:
        box.publish(PublishRequest(variant_id=1, idempotency_key="k1", text="x"))
        path = tmp_path / "outbox" / "brand_fr" / "k1.comments.jsonl"
        path.write_text(
            json.dumps(
                {
                    "id": "1",
                    "author": "@a",
                    "text": "top",
                    "created_at": "2026-01-01T10:00:00+00:00",
                }
            )
            + "\n\n"
            + json.dumps(
                {
                    "id": "2",
                    "author": "@b",
                    "text": "bravo",
                    "created_at": "2026-01-01T11:00:00+00:00",
                }
            )
            + "\n",
            encoding="utf-8",
        )
        comments = box.fetch_comments("k1")
        assert [c.text for c in comments] == ["top", "bravo"]
        assert [c.text for c in box.fetch_comments("k1", since_id="1")] == ["bravo"]
        assert box.fetch_comments("missing") == []


def test_limits_and_capabilities(tmp_path: Path) -> None:
    box = _outbox(tmp_path, max_length=10, daily_publish_cap=3)
    limits = box.limits()
    assert limits.max_length == 10 and limits.daily_publish_cap == 3
    assert limits.check_text("x" * 11)[0].message.startswith("11 characters")
    assert Capability.reconcile in box.capabilities
    assert box.validate(PublishRequest(variant_id=1, idempotency_key="k", text="short")) == []
    with pytest.raises(Rejected, match="does not support"):
        box.reply("1", "hello")
    box.close()


def test_registry_finds_built_ins_and_names_unknown_networks() -> None:
    assert connector_class("outbox") is OutboxConnector
    assert {"outbox", "mastodon", "x", "bluesky", "linkedin"} <= set(known_networks())
    with pytest.raises(NotFound, match="unknown network 'myspace'"):
        connector_class("myspace")
