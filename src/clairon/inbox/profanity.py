"""A second opinion on offensive language: the word model of ``alt-profanity-check``, as numbers.

``alt-profanity-check`` (MIT) ships a TF-IDF word vectoriser and five sigmoid-calibrated linear
SVMs trained on about 200,000 English tweets and Wikipedia comments labelled for offensive
language (none of them from OLID / TweetEval). Its pickled scikit-learn objects pin one exact
scikit-learn version, so ``scripts/train_triage.py`` exports them once to ``profanity.npz`` (the
vocabulary as JSON, the idf and the five weight vectors as numbers; no pickle) and this module
scores texts with numpy alone. The fast path's offensive model reads the resulting log-odds as
one extra feature beside its own n-grams ("stacking"), which is worth about four points of
macro-F1 on TweetEval offensive val.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from clairon.inbox.linear import FloatArray

__all__ = ["PROFANITY_FILE", "ProfanityModel"]

PROFANITY_FILE = "profanity.npz"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


@dataclass(frozen=True, eq=False)
class ProfanityModel:
    """TF-IDF (l2) over a fixed vocabulary, then the mean of sigmoid-calibrated linear scores."""

    vocabulary: dict[str, int]
    idf: FloatArray  # (V,)
    weights: FloatArray  # (V, K): one column per calibrated SVM
    bias: FloatArray  # (K,)
    slope: FloatArray  # (K,) sigmoid calibration: p = 1 / (1 + exp(slope * score + offset))
    offset: FloatArray  # (K,)

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The TF-IDF rows of ``texts`` (lower-cased, scikit-learn tokenisation)."""
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for text in texts:
            row: dict[int, int] = {}
            for token in _TOKEN.findall(text.lower()):
                column = self.vocabulary.get(token)
                if column is not None:
                    row[column] = row.get(column, 0) + 1
            indices.extend(row)
            counts.extend(row.values())
            indptr.append(len(indices))
        data = np.asarray(counts, dtype=np.float32)
        shape = (len(texts), len(self.idf))
        matrix = sp.csr_matrix((data, np.asarray(indices, dtype=np.int32), indptr), shape=shape)
        # l2 rows, as TfidfVectorizer; by hand so that triage never imports scikit-learn
        matrix = matrix.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        scaled: sp.csr_matrix = sp.diags((1.0 / norms).astype(np.float32)) @ matrix
        return scaled.tocsr()

    def proba(self, texts: Sequence[str]) -> FloatArray:
        """Probability that each text is offensive, 0-1."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        scores = np.asarray(self.features(texts) @ self.weights, dtype=np.float32) + self.bias
        calibrated = 1.0 / (1.0 + np.exp(self.slope * scores + self.offset))
        return np.asarray(calibrated.mean(axis=1), dtype=np.float32)

    def logit(self, texts: Sequence[str]) -> FloatArray:
        """Log-odds of :meth:`proba`, clipped to ±9.2 (probabilities 1e-4 .. 1 - 1e-4)."""
        p = np.clip(self.proba(texts), 1e-4, 1 - 1e-4)
        return np.asarray(np.log(p / (1 - p)), dtype=np.float32)

    def save(self, path: Path) -> None:
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                words=np.frombuffer(json.dumps(words).encode("utf-8"), dtype=np.uint8),
                idf=self.idf.astype(np.float32),
                weights=self.weights.astype(np.float32),
                bias=self.bias.astype(np.float32),
                slope=self.slope.astype(np.float32),
                offset=self.offset.astype(np.float32),
            )

    @classmethod
    def load(cls, path: Path) -> ProfanityModel:
        with np.load(path, allow_pickle=False) as stored:
            words = json.loads(bytes(stored["words"]).decode("utf-8"))
            return cls(
                vocabulary={word: index for index, word in enumerate(words)},
                idf=stored["idf"].astype(np.float32),
                weights=stored["weights"].astype(np.float32),
                bias=stored["bias"].astype(np.float32),
                slope=stored["slope"].astype(np.float32),
                offset=stored["offset"].astype(np.float32),
            )

    @classmethod
    def from_profanity_check(cls) -> ProfanityModel:  # pragma: no cover - training time only
        """Export the installed ``alt-profanity-check`` model (needs that package)."""
        from profanity_check import profanity_check as source  # type: ignore[import-untyped]

        vectorizer, calibrated = source.vectorizer, source.model
        columns, biases, slopes, offsets = [], [], [], []
        for member in calibrated.calibrated_classifiers_:
            columns.append(np.asarray(member.estimator.coef_, dtype=np.float32).ravel())
            biases.append(float(np.ravel(member.estimator.intercept_)[0]))
            (sigmoid,) = member.calibrators
            slopes.append(float(sigmoid.a_))
            offsets.append(float(sigmoid.b_))
        return cls(
            vocabulary={str(word): int(index) for word, index in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float32),
            weights=np.stack(columns, axis=1),
            bias=np.asarray(biases, dtype=np.float32),
            slope=np.asarray(slopes, dtype=np.float32),
            offset=np.asarray(offsets, dtype=np.float32),
        )
