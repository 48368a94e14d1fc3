"""Quality smoke test of the shipped models on the val splits of ../shared/data.

The floors sit a little under the figures the training script reports on val (see
docs/triage.md), so a broken model or feature pipeline fails here, not in production.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from clairon.inbox import triage_batch
from clairon.inbox.bundle import load_models

DATA = Path(__file__).parents[2].parent / "shared" / "data"
LABELS = ("negative", "neutral", "positive")


def _read(folder: Path) -> tuple[list[str], list[int]]:
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [int(v) for v in (folder / "val_labels.txt").read_text(encoding="utf-8").split()]
    return texts, labels


def _sentiment_f1(language: str, folder: str) -> float:
    texts, labels = _read(DATA / "umsab" / folder)
    results = triage_batch(texts, [language] * len(texts))
    predicted = [LABELS.index(r.sentiment) for r in results]
    return float(f1_score(labels, predicted, average="macro"))


def test_sentiment_macro_f1_fr_en() -> None:
    assert _sentiment_f1("fr", "french") >= 0.62
    assert _sentiment_f1("en", "english") >= 0.62


def test_language_id_fr_en() -> None:
    identifier = load_models().language
    for code, folder in (("fr", "french"), ("en", "english")):
        texts, _ = _read(DATA / "umsab" / folder)
        guesses = identifier.identify(texts)
        assert np.mean([g.language == code for g in guesses]) >= 0.985


def test_offensive_macro_f1() -> None:
    texts, labels = _read(DATA / "tweeteval" / "offensive")
    results = triage_batch(texts, ["en"] * len(texts))
    score = f1_score(labels, [int(r.offensive) for r in results], average="macro")
    assert score >= 0.75  # 0.766 on val with the stacked profanity log-odds
