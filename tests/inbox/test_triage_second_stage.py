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


def test_head_inputs_put_the_embedding_in_the_shared_and_language_blocks() -> None:
    import numpy as np

    from clairon.inbox.language import LANGUAGES
    from clairon.inbox.second_stage import head_inputs

    embeddings = np.arange(2 * 4, dtype=np.float32).reshape(2, 4) + 1
    rows = head_inputs(embeddings, ["fr", "xx"])
    assert rows.shape == (2, 4 * (1 + len(LANGUAGES)))
    start = 4 * (1 + LANGUAGES.index("fr"))
    assert np.array_equal(rows[0, :4], embeddings[0])
    assert np.array_equal(rows[0, start : start + 4], embeddings[0])
    assert rows[0].sum() == 2 * embeddings[0].sum()  # nothing in the other blocks
    assert np.array_equal(rows[1, :4], embeddings[1])  # unknown language: shared block only
    assert rows[1, 4:].sum() == 0
