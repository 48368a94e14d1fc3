"""Language identification for short social text.

A multinomial linear model over hashed character 1-3-grams, trained on the UMSAB train split of
eight languages (see ``scripts/train_triage.py``), plus two script rules the training data cannot
teach (Devanagari -> Hindi, Arabic script -> Arabic). Callers may restrict the answer to the
languages a workspace uses (``allowed``): the probabilities are then renormalised over those.

Language codes are ISO 639-1 (``fr``, ``en``...). ``unknown`` is returned for a text with no
letters at all (only links, handles, emoji or punctuation).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import regex

from clairon.inbox.features import featurize
from clairon.inbox.linear import FloatArray, LinearModel

__all__ = ["LANGUAGES", "UNKNOWN", "LanguageGuess", "LanguageIdentifier"]

UNKNOWN = "unknown"
LANGUAGES: tuple[str, ...] = ("ar", "de", "en", "es", "fr", "hi", "it", "pt")

_LETTER = regex.compile(r"\p{L}")
_DEVANAGARI = regex.compile(r"\p{Devanagari}")
_ARABIC = regex.compile(r"\p{Arabic}")
_HINDI_MIN = 0.9
_NON_LATIN = regex.compile(r"[\p{Devanagari}\p{Arabic}]")
# Handles, links and hashtags say little about the language of a tweet.
_NOISE = regex.compile(r"@\w+|https?://\S+|\bhttp\b|#")


@dataclass(frozen=True)
class LanguageGuess:
    """Most likely language of one text and the model's probability for it."""

    language: str
    probability: float


class LanguageIdentifier:
    """Batch language identification; thread-safe once built (read-only arrays)."""

    def __init__(self, model: LinearModel) -> None:
        unknown_codes = set(model.classes) - set(LANGUAGES)
        if unknown_codes:
            raise ValueError(f"language model has unexpected classes {sorted(unknown_codes)}")
        self._model = model
        self._classes = np.array(model.classes)

    @property
    def languages(self) -> tuple[str, ...]:
        return self._model.classes

    @property
    def model(self) -> LinearModel:
        return self._model

    @staticmethod
    def clean(texts: Sequence[str]) -> list[str]:
        """Texts without handles, links and ``#``, case-folded (what the model reads)."""
        return [_NOISE.sub(" ", text).casefold() for text in texts]

    def proba(self, texts: Sequence[str]) -> FloatArray:
        """Probabilities (n_texts, n_languages) in :attr:`languages` order."""
        return self._proba_clean(self.clean(texts))

    def _proba_clean(self, cleaned: list[str]) -> FloatArray:
        return self._model.proba(featurize(cleaned, self._model.spec))

    def identify(
        self, texts: Sequence[str], allowed: Collection[str] | None = None
    ) -> list[LanguageGuess]:
        """One guess per text; ``allowed`` restricts the candidates (ISO 639-1 codes)."""
        if not texts:
            return []
        cleaned = self.clean(texts)
        probabilities = self._proba_clean(cleaned)
        allowed_set = frozenset(allowed) if allowed else frozenset()
        if allowed_set:
            mask = np.isin(self._classes, list(allowed_set)).astype(np.float32)
            if mask.any():
                probabilities = probabilities * mask
                probabilities /= np.maximum(probabilities.sum(axis=1, keepdims=True), 1e-12)
        best = probabilities.argmax(axis=1)
        if "hi" in self._model.classes and not ({"hi"} >= allowed_set and allowed_set):
            # Romanised Hindi shares its alphabet and much vocabulary with English (the training
            # folder mixes both): claim it only when the model is sure.
            hindi = self._model.classes.index("hi")
            weak = (best == hindi) & (probabilities[:, hindi] < _HINDI_MIN)
            if weak.any():
                runner_up = probabilities[weak].copy()
                runner_up[:, hindi] = 0.0
                best[weak] = runner_up.argmax(axis=1)
        top = probabilities[np.arange(len(cleaned)), best]
        names = self._classes[best]
        return [
            _guess(text, str(name), float(p), allowed_set)
            for text, name, p in zip(cleaned, names, top, strict=True)
        ]


def _guess(
    cleaned: str, language: str, probability: float, allowed: frozenset[str]
) -> LanguageGuess:
    if not _LETTER.search(cleaned):
        return LanguageGuess(UNKNOWN, 0.0)
    if _NON_LATIN.search(cleaned):
        for code, script in (("hi", _DEVANAGARI), ("ar", _ARABIC)):
            if (not allowed or code in allowed) and script.search(cleaned):
                return LanguageGuess(code, max(probability, 0.99) if language == code else 0.99)
    return LanguageGuess(language, probability)
