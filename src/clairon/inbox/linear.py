"""Linear models over hashed features, stored as compact, version-independent ``.npz`` files.

A model file holds only numbers and strings (no pickle): the rows of the weight matrix that are
not zero (``int8`` with one scale per class column, or ``float16``), their row numbers, the
bias, the class names and the :class:`~clairon.inbox.features.FeatureSpec` as JSON. Loading
expands the rows into a dense ``(n_features, n_classes)`` matrix, so scoring a batch is one
sparse x dense product.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from clairon.inbox.features import FeatureSpec

__all__ = ["LinearModel", "softmax"]

FloatArray = npt.NDArray[np.float32]


def softmax(scores: FloatArray) -> FloatArray:
    """Row-wise softmax, numerically stable."""
    shifted: FloatArray = (scores - scores.max(axis=1, keepdims=True)).astype(np.float32)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


@dataclass(frozen=True, eq=False)
class LinearModel:
    """A multinomial (or one-column logistic) linear model over hashed features."""

    spec: FeatureSpec
    classes: tuple[str, ...]
    weights: FloatArray  # (n_features, n_columns)
    bias: FloatArray  # (n_columns,)
    temperature: float = 1.0

    def scores(self, features: sp.csr_matrix | FloatArray) -> FloatArray:
        product = features @ self.weights
        return np.asarray(product, dtype=np.float32) + self.bias

    def proba(self, features: sp.csr_matrix | FloatArray) -> FloatArray:
        """Class probabilities, one row per text, columns in :attr:`classes` order."""
        scores = self.scores(features) / np.float32(self.temperature)
        if scores.shape[1] == 1:  # binary logistic model: column is the positive class
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1).astype(np.float32)
        return softmax(scores)

    def save(self, path: Path, *, int8: bool = True) -> None:
        """Write the model; ``int8=False`` keeps ``float16`` weights (for models whose
        decisions move under int8 rounding)."""
        used = np.flatnonzero(np.any(self.weights != 0, axis=1)).astype(np.int32)
        rows = self.weights[used]
        if int8:
            peak = np.abs(rows).max(axis=0) if len(used) else np.ones(rows.shape[1])
            scale = (np.maximum(peak, 1e-12) / 127.0).astype(np.float32)
            values = np.round(rows / scale).astype(np.int8)
        else:
            scale = np.ones(rows.shape[1], dtype=np.float32)
            values = rows.astype(np.float16)
        meta = {
            "spec": self.spec.to_json(),
            "classes": list(self.classes),
            "temperature": self.temperature,
            "n_inputs": int(self.weights.shape[0]),
        }
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                rows=used,
                values=values,
                scale=scale,
                bias=self.bias.astype(np.float32),
                meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(bytes(stored["meta"]).decode("utf-8"))
            spec = FeatureSpec.from_json(meta["spec"])
            values = stored["values"].astype(np.float32)
            if "scale" in stored.files:
                values *= stored["scale"]
            n_inputs = int(meta.get("n_inputs", spec.n_features))
            weights = np.zeros((n_inputs, values.shape[1]), dtype=np.float32)
            weights[stored["rows"]] = values
            bias = stored["bias"].astype(np.float32)
        return cls(
            spec=spec,
            classes=tuple(str(c) for c in meta["classes"]),
            weights=weights,
            bias=bias,
            temperature=float(meta.get("temperature", 1.0)),
        )

    @classmethod
    def from_coefficients(
        cls,
        spec: FeatureSpec,
        classes: Sequence[str],
        coef: npt.ArrayLike,
        intercept: npt.ArrayLike,
        temperature: float = 1.0,
    ) -> LinearModel:
        """Build from scikit-learn style ``coef_`` (n_columns, n_inputs) and ``intercept_``."""
        weights = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        bias = np.asarray(intercept, dtype=np.float32).reshape(-1)
        return cls(spec, tuple(classes), weights, bias, temperature)
