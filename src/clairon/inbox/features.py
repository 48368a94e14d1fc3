"""Hashed n-gram features for a whole batch of texts at once.

Character n-grams are hashed with numpy over the concatenated batch (no Python loop per
n-gram), which is what makes language identification run at tens of thousands of texts per
second. Word n-grams are hashed with CRC-32, which is stable across Python versions and
processes (unlike ``hash``). Every block is sublinear-tf weighted and L2-normalised, so the
linear models trained on it are plain dot products at run time.

A :class:`FeatureSpec` is stored beside each model's weights (JSON), so a model file always
says which features it expects.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from clairon.inbox.textnorm import tokenize, words_with_negation

__all__ = ["FeatureSpec", "char_ngram_matrix", "featurize", "word_ngram_matrix"]

_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class FeatureSpec:
    """Which n-grams a model reads and into how many hashed columns (``2**bits``)."""

    bits: int = 20
    char_orders: tuple[int, ...] = (1, 2, 3, 4, 5)
    word_orders: tuple[int, ...] = (1, 2)
    negation: bool = True

    @property
    def n_features(self) -> int:
        return 1 << self.bits

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FeatureSpec:
        bits = data["bits"]
        char_orders = data["char_orders"]
        word_orders = data["word_orders"]
        if not isinstance(bits, int) or not isinstance(char_orders, list | tuple):
            raise ValueError("malformed feature spec")
        if not isinstance(word_orders, list | tuple):
            raise ValueError("malformed feature spec")
        return cls(
            bits=bits,
            char_orders=tuple(int(n) for n in char_orders),
            word_orders=tuple(int(n) for n in word_orders),
            negation=bool(data.get("negation", True)),
        )


def _finish(rows: np.ndarray, cols: np.ndarray, n_docs: int, n_features: int) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(n_docs, n_features), dtype=np.float32)
    matrix.sum_duplicates()
    np.log1p(matrix.data, out=matrix.data)
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    norms = np.sqrt(squares, dtype=np.float32)
    norms[norms == 0] = 1.0
    scale = np.repeat(1.0 / norms, np.diff(matrix.indptr)).astype(np.float32)
    matrix.data *= scale
    return matrix


def char_ngram_matrix(texts: Sequence[str], orders: Sequence[int], bits: int) -> sp.csr_matrix:
    """Hashed character n-grams (each text padded with one space on both sides)."""
    n_docs = len(texts)
    if n_docs == 0 or not orders:
        return sp.csr_matrix((n_docs, 1 << bits), dtype=np.float32)
    padded = [f" {text} " for text in texts]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=n_docs)
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    shift = np.uint64(64 - bits)
    all_rows: list[np.ndarray] = []
    all_cols: list[np.ndarray] = []
    for order in orders:
        count = len(codes) - order + 1
        if count <= 0:
            continue
        hashed = np.zeros(count, dtype=np.uint64)
        for k in range(order):
            hashed = hashed * _PRIME + codes[k : k + count] + np.uint64(1)
        inside = doc_of[:count] == doc_of[order - 1 : order - 1 + count]
        hashed = ((hashed[inside] + np.uint64(order)) * _MIX) >> shift
        all_rows.append(doc_of[:count][inside])
        all_cols.append(hashed.astype(np.int64))
    return _finish(np.concatenate(all_rows), np.concatenate(all_cols), n_docs, 1 << bits)


def word_ngram_matrix(
    token_lists: Sequence[Sequence[str]], orders: Sequence[int], bits: int
) -> sp.csr_matrix:
    """Hashed word n-grams (CRC-32 of the joined n-gram, salted by its order)."""
    mask = (1 << bits) - 1
    crc = zlib.crc32
    columns: list[int] = []
    counts: list[int] = []
    for tokens in token_lists:
        grams: list[str] = []
        for order in orders:
            if order == 1:
                grams.extend(["1\x1f" + token for token in tokens])
            else:
                salt = f"{order}\x1f"
                grams.extend(
                    salt + "\x1f".join(tokens[start : start + order])
                    for start in range(len(tokens) - order + 1)
                )
        columns.extend([crc(gram.encode("utf-8")) & mask for gram in grams])
        counts.append(len(grams))
    rows = np.repeat(np.arange(len(token_lists), dtype=np.int64), counts)
    return _finish(rows, np.asarray(columns, dtype=np.int64), len(token_lists), 1 << bits)


def featurize(
    normalized: Sequence[str],
    spec: FeatureSpec,
    tokens: Sequence[Sequence[str]] | None = None,
) -> sp.csr_matrix:
    """Char and word n-gram blocks summed into one hashed space (each block L2-normalised).

    ``tokens`` may pass the already computed word tokens (negation-marked when the spec asks).
    """
    matrix = char_ngram_matrix(normalized, spec.char_orders, spec.bits)
    if spec.word_orders:
        if tokens is None:
            tokens = [tokenize(text) for text in normalized]
            if spec.negation:
                tokens = [words_with_negation(list(t)) for t in tokens]
        matrix = matrix + word_ngram_matrix(tokens, spec.word_orders, spec.bits)
    return sp.csr_matrix(matrix)
