"""Second stage: re-labels only the unsure items, offline, with the shipped head."""

from __future__ import annotations

import socket

import pytest

from clairon.inbox import triage_batch

SENTIMENTS = {"negative", "neutral", "positive"}


def test_second_stage_relabels_only_unsure_items(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the second stage must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    texts = ["meh", "I love it, thank you so much!", "bof, pas terrible mais ça passe", "ok"]
    fast = triage_batch(texts)
    second = triage_batch(texts, second_stage=True)
    for before, after in zip(fast, second, strict=True):
        if before.unsure:
            assert after.stage == "second"
            assert after.sentiment in SENTIMENTS
            assert abs(sum(after.sentiment_proba.values()) - 1.0) < 1e-3
        else:
            assert after.stage == "fast"
            assert after.sentiment == before.sentiment
    assert any(r.stage == "second" for r in second)
