"""Batch triage of comments: the public, stable API of the inbox's labelling pipeline.

``triage_batch(texts)`` labels a whole batch in one vectorised pass (the *fast path*): language,
sentiment with probabilities, toxicity, spam, personal data, intent and priority. With
``second_stage=True`` the items the fast path is unsure about are re-labelled by a slower, more
accurate model (see :mod:`clairon.inbox.second_stage`) and marked ``stage="second"``.

Bad input never breaks a batch: an empty text, a text over 1 MB, bytes that are not UTF-8 or a
value that is not text comes back labelled ``unknown`` with :attr:`TriageResult.error` set.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from clairon.inbox.bundle import MODELS_DIR, TriageModels, load_models
from clairon.inbox.features import featurize
from clairon.inbox.intent import detect_intent
from clairon.inbox.language import UNKNOWN
from clairon.inbox.overrides import PhraseOverrides
from clairon.inbox.pii import PiiMatch, find_pii
from clairon.inbox.priority import priority_score
from clairon.inbox.sentiment import SENTIMENT_CLASSES
from clairon.inbox.spam import score_spam
from clairon.inbox.textnorm import normalize, tokenize, words_with_negation

__all__ = ["MAX_TEXT_BYTES", "TriageResult", "triage_batch", "triage_one"]

MAX_TEXT_BYTES = 1_000_000
_MODEL_CHARS = 2_000  # longer texts are labelled on their beginning (keeps batches fast)
_CHUNK = 1_024


@dataclass(frozen=True)
class TriageResult:
    """Labels of one text. ``stage`` says which model labelled the sentiment."""

    language: str
    sentiment: str  # "negative" | "neutral" | "positive" ("unknown" when error is set)
    sentiment_proba: dict[str, float]
    toxicity: float  # probability of offensive/abusive language, 0-1
    offensive: bool
    spam: float  # spam/scam/phishing score, 0-1
    is_spam: bool
    pii: list[PiiMatch]
    intent: str
    priority: int  # 0-100
    stage: str  # "fast" | "second" | "rule" (a workspace phrase override decided)
    unsure: bool
    error: str | None = None
    language_probability: float = 0.0
    spam_reasons: tuple[str, ...] = ()
    override: str | None = None
    pii_kinds: tuple[str, ...] = field(default=())


def _unusable(value: object) -> str | None:
    """Why ``value`` cannot be labelled, or None when it can."""
    if isinstance(value, bytes | bytearray):
        return "bytes given, text expected (decode it first)"
    if not isinstance(value, str):
        return f"{type(value).__name__} given, text expected"
    if not value.strip():
        return "empty text"
    if len(value) > MAX_TEXT_BYTES // 4 and len(value.encode("utf-8", "surrogatepass")) > (
        MAX_TEXT_BYTES
    ):
        return "text longer than 1 MB"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid UTF-8 (undecodable bytes in the text)"
    return None


_LANGUAGE_NAMES = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "français": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}


def _language_code(value: object) -> str | None:
    """ISO 639-1 code from ``fr``, ``FR``, ``fr-CA``, ``fr_FR`` or ``french``; None if absent."""
    if not isinstance(value, str) or not value.strip():
        return None
    lowered = value.strip().casefold()
    return _LANGUAGE_NAMES.get(lowered, lowered.replace("_", "-").split("-")[0])


def _unknown(error: str) -> TriageResult:
    return TriageResult(
        language=UNKNOWN,
        sentiment=UNKNOWN,
        sentiment_proba={},
        toxicity=0.0,
        offensive=False,
        spam=0.0,
        is_spam=False,
        pii=[],
        intent="other",
        priority=0,
        stage="fast",
        unsure=True,
        error=error,
    )


def _item(values: Sequence[float | int | None] | None, index: int) -> float | None:
    if values is None:
        return None
    value = values[index]
    return None if value is None else float(value)


def _label_chunk(
    models: TriageModels,
    texts: list[str],
    languages: list[str | None],
    allowed: Collection[str] | None,
) -> tuple[list[str], list[float], np.ndarray, np.ndarray]:
    clipped = [text[:_MODEL_CHARS] for text in texts]
    guesses = models.language.identify(clipped, allowed)
    chosen = [given or guess.language for given, guess in zip(languages, guesses, strict=True)]
    confidence = [
        1.0 if given else guess.probability for given, guess in zip(languages, guesses, strict=True)
    ]
    normalized = [normalize(text) for text in clipped]
    tokens = [words_with_negation(tokenize(text)) for text in normalized]
    ngrams = featurize(normalized, models.sentiment.spec, tokens)
    lexicon = models.lexicon.features(tokens)
    sentiment = models.sentiment.proba(ngrams, lexicon, chosen)
    offensive = models.offensive_proba(ngrams, clipped)
    return chosen, confidence, sentiment, offensive


def triage_batch(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    *,
    second_stage: bool = False,
    allowed_languages: Collection[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    followers: Sequence[int | None] | None = None,
    age_seconds: Sequence[float | None] | None = None,
) -> list[TriageResult]:
    """Label every text; the result list has the same length and order as ``texts``.

    ``languages`` gives a known language per text (ISO 639-1 such as ``fr``, a tag such as
    ``fr-CA``, an English name such as ``french``, or None to detect it);
    ``allowed_languages`` restricts detection to a workspace's languages; ``overrides`` maps
    phrases to a sentiment that wins over the model (workspace rules); ``followers`` and
    ``age_seconds`` (per text, optional) feed the priority score.
    """
    for name, values in (("languages", languages), ("followers", followers)):
        if values is not None and len(values) != len(texts):
            raise ValueError(f"{name} has {len(values)} items for {len(texts)} texts")
    if age_seconds is not None and len(age_seconds) != len(texts):
        raise ValueError(f"age_seconds has {len(age_seconds)} items for {len(texts)} texts")
    models = load_models(MODELS_DIR)
    allowed = {code for code in map(_language_code, allowed_languages or ()) if code} or None
    rules = PhraseOverrides(overrides or {})
    results: list[TriageResult | None] = [None] * len(texts)
    usable: list[int] = []
    for index, text in enumerate(texts):
        problem = _unusable(text)
        if problem is None:
            usable.append(index)
        else:
            results[index] = _unknown(problem)
    for start in range(0, len(usable), _CHUNK):
        indices = usable[start : start + _CHUNK]
        chunk = [texts[i] for i in indices]
        given = [_language_code(languages[i]) if languages else None for i in indices]
        chosen, confidence, sentiment, offensive = _label_chunk(models, chunk, given, allowed)
        stages = ["fast"] * len(indices)
        margin = models.thresholds.unsure_margin
        unsure = (sentiment.max(axis=1) < margin) | (np.asarray(confidence) < 0.5)
        if second_stage and unsure.any():
            from clairon.inbox.second_stage import relabel

            picked = np.flatnonzero(unsure)
            sentiment[picked] = relabel(
                models, [chunk[i] for i in picked], [chosen[i] for i in picked], sentiment[picked]
            )
            for i in picked:
                stages[i] = "second"
            unsure[picked] = sentiment[picked].max(axis=1) < margin
        for position, index in enumerate(indices):
            results[index] = _assemble(
                chunk[position],
                chosen[position],
                confidence[position],
                sentiment[position],
                float(offensive[position]),
                stages[position],
                bool(unsure[position]),
                rules,
                models.thresholds.offensive,
                _item(followers, index),
                _item(age_seconds, index),
            )
    return [result if result is not None else _unknown("not labelled") for result in results]


def _assemble(
    text: str,
    language: str,
    language_probability: float,
    proba: np.ndarray,
    toxicity: float,
    stage: str,
    unsure: bool,
    rules: PhraseOverrides,
    offensive_threshold: float,
    followers: float | None,
    age_seconds: float | None,
) -> TriageResult:
    sentiment_proba = {
        label: round(float(p), 4) for label, p in zip(SENTIMENT_CLASSES, proba, strict=True)
    }
    sentiment = SENTIMENT_CLASSES[int(np.argmax(proba))]
    override = rules.match(text)
    if override is not None:
        phrase, sentiment = override
        stage, unsure = "rule", False
    else:
        phrase = None
    verdict = score_spam(text)
    pii = find_pii(text)
    intent = detect_intent(text, sentiment)
    offensive = toxicity >= offensive_threshold
    return TriageResult(
        language=language,
        sentiment=sentiment,
        sentiment_proba=sentiment_proba,
        toxicity=round(toxicity, 4),
        offensive=offensive,
        spam=verdict.score,
        is_spam=verdict.is_spam,
        pii=pii,
        intent=intent,
        priority=priority_score(
            negative_probability=1.0 if sentiment == "negative" and phrase else proba[0],
            intent=intent,
            offensive=offensive,
            spam=verdict.is_spam,
            followers=None if followers is None else int(followers),
            age_seconds=age_seconds,
        ),
        stage=stage,
        unsure=unsure,
        language_probability=round(language_probability, 4),
        spam_reasons=verdict.reasons,
        override=phrase,
        pii_kinds=tuple(sorted({match.kind for match in pii})),
    )


def triage_one(
    text: str,
    language: str | None = None,
    *,
    second_stage: bool = False,
    allowed_languages: Collection[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    followers: int | None = None,
    age_seconds: float | None = None,
) -> TriageResult:
    """Convenience wrapper: :func:`triage_batch` for a single text."""
    return triage_batch(
        [text],
        [language],
        second_stage=second_stage,
        allowed_languages=allowed_languages,
        overrides=overrides,
        followers=[followers],
        age_seconds=[age_seconds],
    )[0]
