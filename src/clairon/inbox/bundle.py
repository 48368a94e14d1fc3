"""The shipped triage models, loaded once per process from ``clairon/inbox/models/``.

Files (rebuilt by ``scripts/train_triage.py``; see docs/triage.md):

- ``language.npz``: language identification (char 1-3-grams, 8 languages);
- ``sentiment.npz``: fast-path sentiment (multilingual, language-aware, lexicon features);
- ``offensive.npz``: offensive language (TweetEval offensive, English): hashed n-grams plus one
  last input, the log-odds of ``profanity.npz``;
- ``profanity.npz``: the word model of ``alt-profanity-check`` exported as numbers (see
  :mod:`clairon.inbox.profanity`);
- ``lexicon.json.gz``: VADER valences for English and French;
- ``thresholds.json``: decision thresholds tuned on val (offensive flag, "unsure" margin);
- ``second_stage.npz``: head over multilingual-e5-small sentence embeddings (optional).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from clairon.inbox.language import LanguageIdentifier
from clairon.inbox.lexicon import Lexicon
from clairon.inbox.linear import FloatArray, LinearModel
from clairon.inbox.profanity import PROFANITY_FILE, ProfanityModel
from clairon.inbox.sentiment import SentimentModel

__all__ = ["MODELS_DIR", "Thresholds", "TriageModels", "load_models"]

MODELS_DIR = Path(__file__).parent / "models"


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds chosen on the val splits."""

    offensive: float = 0.5
    unsure_margin: float = 0.6  # top sentiment probability below this -> unsure
    second_stage_weight: float = 0.6  # weight of the second-stage head in the blend

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            offensive=float(data.get("offensive", 0.5)),
            unsure_margin=float(data.get("unsure_margin", 0.6)),
            second_stage_weight=float(data.get("second_stage_weight", 0.6)),
        )


@dataclass(frozen=True, eq=False)
class TriageModels:
    """Everything the fast path needs, read-only once loaded."""

    language: LanguageIdentifier
    sentiment: SentimentModel
    offensive: LinearModel
    profanity: ProfanityModel
    lexicon: Lexicon
    thresholds: Thresholds
    directory: Path

    def offensive_proba(self, ngrams: sp.csr_matrix, texts: Sequence[str]) -> FloatArray:
        """Probability of offensive language: the n-gram model with the profanity log-odds."""
        weights = self.offensive.weights
        scores = np.asarray(ngrams @ weights[:-1], dtype=np.float32)
        scores += self.profanity.logit(texts)[:, None] * weights[-1]
        scores += self.offensive.bias
        return np.asarray(1.0 / (1.0 + np.exp(-scores[:, 0])), dtype=np.float32)


@lru_cache(maxsize=4)
def load_models(directory: Path = MODELS_DIR) -> TriageModels:
    """Load (once per directory and process) the fast-path models."""
    language_model = LinearModel.load(directory / "language.npz")
    language = LanguageIdentifier(language_model)
    sentiment = SentimentModel(LinearModel.load(directory / "sentiment.npz"), language.languages)
    return TriageModels(
        language=language,
        sentiment=sentiment,
        offensive=LinearModel.load(directory / "offensive.npz"),
        profanity=ProfanityModel.load(directory / PROFANITY_FILE),
        lexicon=Lexicon.load(directory / "lexicon.json.gz"),
        thresholds=Thresholds.load(directory / "thresholds.json"),
        directory=directory,
    )
