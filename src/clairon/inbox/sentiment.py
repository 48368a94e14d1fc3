"""Fast-path sentiment: one multilingual linear model over hashed n-grams and lexicon features.

The input of the model is three blocks side by side:

1. the shared hashed char/word n-grams (cues that hold in every language: emoji, ``!!``, ``:(``,
   loan words);
2. the same n-grams re-hashed with the text's language ("frustratingly easy" domain
   adaptation), so each language can also learn its own cues;
3. lexicon features (VADER valences, negation-aware), once for every language and once more only
   for French and English, where the lexicons are native.

Trained on the UMSAB train split of the eight languages pooled (``scripts/train_triage.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from clairon.inbox.features import FeatureSpec
from clairon.inbox.lexicon import LEXICON_WIDTH
from clairon.inbox.linear import FloatArray, LinearModel

__all__ = ["SENTIMENT_CLASSES", "SentimentModel", "sentiment_inputs"]

SENTIMENT_CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
_NATIVE_LEXICON = frozenset({"en", "fr"})
_LANG_PRIME = np.int64(7919)
_LANG_SALT = np.int64(104_729)


def _language_index(languages: Sequence[str], known: Sequence[str]) -> npt.NDArray[np.int64]:
    position = {code: index + 1 for index, code in enumerate(known)}
    return np.fromiter((position.get(code, 0) for code in languages), dtype=np.int64)


def sentiment_inputs(
    ngrams: sp.csr_matrix,
    lexicon: FloatArray,
    languages: Sequence[str],
    known_languages: Sequence[str],
) -> sp.csr_matrix:
    """Assemble the model input from shared n-grams, the language and lexicon features."""
    n_rows, width = ngrams.shape
    language_ids = _language_index(languages, known_languages)
    per_entry = np.repeat(language_ids, np.diff(ngrams.indptr))
    remapped = (ngrams.indices.astype(np.int64) * _LANG_PRIME + per_entry * _LANG_SALT) % width
    # An unknown language (id 0) gets no language-specific copy.
    data = np.where(per_entry > 0, ngrams.data, np.float32(0)).astype(np.float32)
    by_language = sp.csr_matrix((data, remapped, ngrams.indptr.copy()), shape=(n_rows, width))
    native = np.isin(np.asarray(languages, dtype=object), list(_NATIVE_LEXICON))
    lexicon_block = np.hstack([lexicon, lexicon * native[:, None].astype(np.float32)])
    return sp.hstack([ngrams, by_language, sp.csr_matrix(lexicon_block)], format="csr")


class SentimentModel:
    """Negative / neutral / positive probabilities for a batch."""

    input_extra = 2 * LEXICON_WIDTH

    def __init__(self, model: LinearModel, known_languages: Sequence[str]) -> None:
        if model.classes != SENTIMENT_CLASSES:
            raise ValueError(f"sentiment model classes are {model.classes}")
        expected = 2 * model.spec.n_features + self.input_extra
        if model.weights.shape[0] != expected:
            raise ValueError("sentiment model width does not match its feature spec")
        self._model = model
        self._known = tuple(known_languages)

    @property
    def spec(self) -> FeatureSpec:
        return self._model.spec

    @property
    def known_languages(self) -> tuple[str, ...]:
        return self._known

    def proba(
        self, ngrams: sp.csr_matrix, lexicon: FloatArray, languages: Sequence[str]
    ) -> FloatArray:
        inputs = sentiment_inputs(ngrams, lexicon, languages, self._known)
        return self._model.proba(inputs)
