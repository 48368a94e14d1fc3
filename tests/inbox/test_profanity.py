"""The exported profanity model scores exactly like the package it was exported from."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clairon.inbox.bundle import load_models
from clairon.inbox.profanity import ProfanityModel

TEXTS = [
    "you are a complete idiot",
    "What a lovely morning, thank you all!",
    "",
    "SHUT UP you stupid b*tch",
    "Merci pour votre aide, tout est parfait",
    "x" * 5_000,
    "idiot idiot idiot",
]


def test_shipped_model_matches_alt_profanity_check() -> None:
    from profanity_check import predict_prob  # the bench extra, installed by scripts/test.sh

    expected = predict_prob(TEXTS)
    shipped = load_models().profanity.proba(TEXTS)
    assert np.allclose(shipped, expected, atol=1e-5)


def test_scores_are_probabilities_and_rank_insults_first() -> None:
    model = load_models().profanity
    proba = model.proba(TEXTS)
    assert proba.shape == (len(TEXTS),)
    assert np.all((proba >= 0) & (proba <= 1))
    assert proba[0] > 0.5 > proba[1]
    assert np.all(np.isfinite(model.logit(TEXTS)))
    assert model.proba([]).shape == (0,)


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "profanity.npz"
    model = load_models().profanity
    model.save(path)
    again = ProfanityModel.load(path)
    assert again.vocabulary == model.vocabulary
    assert np.array_equal(again.proba(TEXTS), model.proba(TEXTS))


def test_stacked_offensive_model_uses_the_profanity_score() -> None:
    models = load_models()
    weights = models.offensive.weights
    assert weights.shape[0] == models.sentiment.spec.n_features + 1
    assert weights[-1, 0] > 0  # more profane -> more offensive
