"""Sentiment lexicon features (valence of known words, flipped under negation).

The word valences come from the VADER lexicons for English and French (MIT licence; extracted by
``scripts/train_triage.py`` from the ``vaderSentiment`` and ``vaderSentiment_fr`` packages into
``models/lexicon.json.gz``). They give the linear sentiment model prior knowledge about words
that are rare in the small training set.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from clairon.inbox.linear import FloatArray
from clairon.inbox.textnorm import NEGATION_SUFFIX

__all__ = ["LEXICON_WIDTH", "Lexicon"]

LEXICON_WIDTH = 4
_NEGATION_DAMPING = -0.74  # VADER's own factor for a negated word


class Lexicon:
    """Word -> valence (-4..4) table turned into four dense features per text."""

    def __init__(self, valences: Mapping[str, float]) -> None:
        self._valences = dict(valences)

    def __len__(self) -> int:
        return len(self._valences)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        return cls({str(word): float(value) for word, value in data.items()})

    def save(self, path: Path) -> None:
        payload = json.dumps(self._valences, ensure_ascii=False, sort_keys=True)
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(payload.encode("utf-8"))

    def features(self, token_lists: Sequence[Sequence[str]]) -> FloatArray:
        """(n, 4): positive mass, negative mass, balance, both-present (squashed to -1..1)."""
        out = np.zeros((len(token_lists), LEXICON_WIDTH), dtype=np.float32)
        get = self._valences.get
        cut = len(NEGATION_SUFFIX)
        for row, tokens in enumerate(token_lists):
            positive = negative = 0.0
            for token in tokens:
                negated = token.endswith(NEGATION_SUFFIX)
                value = get(token[:-cut] if negated else token)
                if value is None:
                    continue
                if negated:
                    value *= _NEGATION_DAMPING
                if value > 0:
                    positive += value
                else:
                    negative -= value
            out[row] = (positive, negative, positive - negative, min(positive, negative))
        np.tanh(out / np.float32(4.0), out=out)
        return out
