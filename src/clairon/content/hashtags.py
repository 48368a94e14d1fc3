"""Hashtag suggestions: the brief's key phrases turned into readable tags (#ThrowbackThursday),
ranked with the workspace's own history (engagement by hashtag) and trending tags; every
suggestion carries its evidence. Segmentation reads a tag back into words (camel case, digits,
or a dictionary word break for all-lowercase tags)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from clairon.content.phrases import STOP_WORDS, KeyPhrase, key_phrases, words
from clairon.networks.hashtags import find_hashtags

__all__ = [
    "HashtagSuggestion",
    "engagement_by_hashtag",
    "segment_hashtag",
    "suggest_hashtags",
    "to_hashtag",
]


def _split(text: str) -> list[str]:
    """Words of a space-separated list (keeps long word lists readable)."""
    return text.split()


_CAMEL_SPLIT = regex.compile(r"\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|\p{M}+")
_COMMON_WORDS = frozenset(
    _split(
        "throwback thursday monday motivation friday feeling weekend tech news design "
        "coffee summer winter spring autumn sale launch new product event team work life "
        "love travel food health green eco energy data cloud security startup small "
        "business marketing social media day week month year black cyber care home garden "
        "beauty style fashion art music sport open source community future smart city "
        "bike wine cheese bread organic local made france paris lyon noel rentree ete "
        "hiver printemps automne soldes bio vin pain fromage velo"
    )
)


def _fold(text: str) -> str:
    """Lowercase without accents, for comparing tags (#Été == #ete)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def to_hashtag(phrase: str, max_words: int = 3) -> str:
    """``"throwback thursday"`` -> ``"#ThrowbackThursday"`` ('' when nothing usable is left)."""
    parts = [w for token in words(phrase) for w in regex.split(r"[-']", token) if w]
    content = [w for w in parts if w.lower() not in STOP_WORDS] or parts
    out: list[str] = []
    for word in content[:max_words]:
        clean = regex.sub(r"[^\p{L}\p{N}\p{M}]", "", word)
        if not clean:
            continue
        out.append(clean if any(c.isupper() for c in clean[1:]) else clean[:1].upper() + clean[1:])
    tag = "".join(out)
    if not tag or not regex.search(r"\p{L}", tag):
        return ""
    return f"#{tag}"


@lru_cache(maxsize=256)
def _word_break(text: str, vocabulary: frozenset[str]) -> tuple[str, ...] | None:
    """Fewest-words split of ``text`` into vocabulary words (None if impossible)."""
    best: list[tuple[str, ...] | None] = [None] * (len(text) + 1)
    best[0] = ()
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - 20), end):
            head = best[start]
            piece = text[start:end]
            if head is not None and (piece in vocabulary or piece.isdigit()):
                candidate = (*head, piece)
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(text)]


def segment_hashtag(tag: str, vocabulary: Iterable[str] = ()) -> list[str]:
    """Words of a hashtag: ``#ThrowbackThursday`` -> ``["Throwback", "Thursday"]``;
    all-lowercase tags are split with ``vocabulary`` plus a small built-in word list."""
    body = tag.lstrip("#＃")
    if not body:
        return []
    if body != body.lower() or any(ch.isdigit() for ch in body):
        pieces = _CAMEL_SPLIT.findall(body)
        merged: list[str] = []
        for piece in pieces:  # a combining mark belongs to the letter before it
            if merged and unicodedata.category(piece[0]).startswith("M"):
                merged[-1] += piece
            else:
                merged.append(piece)
        return merged
    vocab = frozenset(w.lower() for w in vocabulary) | _COMMON_WORDS
    split = _word_break(body, vocab)
    return list(split) if split else [body]


_NOT_TOPICS = frozenset(
    _split(
        "january february march april may june july august september october november "
        "december janvier février mars avril mai juin juillet août septembre octobre "
        "novembre décembre monday tuesday wednesday thursday friday saturday sunday lundi "
        "mardi mercredi jeudi vendredi samedi dimanche proud happy pleased excited fier "
        "fiers fière heureux ravis ravi spent years year two three four five ans deux "
        "trois quatre cinq chaque each lieu aura available disponible disponibles arrives "
        "arrive ouvre opens open launch launches lance lancement seront sera will present "
        "présentées présenté designed designing conçu conçue made fabriquées fabriqué "
        "price prix days jours week semaine month mois time fois people thanks merci team "
        "équipe customers clients without sans free gratuit cet utc gmt est pst pm am "
        "accueille revient propose présente features offers includes comprend inclut live "
        "save join learn réservez inscrivez découvrez today demain tomorrow goes gets makes "
        "takes comes brings helps lets shows starts returns"
    )
)
_VERB_ENDINGS = ("ing", "ed", "ées", "és", "ons", "ez", "aient", "ait")


def _topic_words(phrase: str) -> list[str]:
    """The words of a phrase that can stand in a hashtag (no months, numbers, verbs...)."""
    kept: list[str] = []
    for word in phrase.split():
        low = word.lower()
        if low in _NOT_TOPICS or low.isdigit() or len(low) < 3 or regex.match(r"^\d", low):
            continue
        if low.endswith(_VERB_ENDINGS) and not word[:1].isupper() and len(low) > 5:
            continue
        kept.append(word)
    return kept


@dataclass(frozen=True, slots=True)
class HashtagSuggestion:
    tag: str  # with '#'
    score: float  # 0..1
    reasons: tuple[str, ...]


def engagement_by_hashtag(
    posts: Iterable[tuple[str, float]], *, min_posts: int = 2
) -> dict[str, float]:
    """Mean engagement rate per hashtag over the workspace's past posts ``(text, rate)``;
    tags seen in fewer than ``min_posts`` posts are left out (one lucky post is no evidence).
    The result feeds ``suggest_hashtags(history=...)``."""
    totals: dict[str, list[float]] = {}
    shown: dict[str, str] = {}
    for text, rate in posts:
        in_post = {_fold(tag): tag for tag in reversed(find_hashtags(text))}  # once per post
        for key, tag in in_post.items():
            totals.setdefault(key, []).append(rate)
            shown.setdefault(key, f"#{tag}")
    return {
        shown[key]: sum(rates) / len(rates)
        for key, rates in totals.items()
        if len(rates) >= min_posts
    }


def _normalise(values: Mapping[str, float]) -> dict[str, float]:
    top = max((abs(v) for v in values.values()), default=0.0)
    if top <= 0:
        return {}
    return {_fold(k.lstrip("#")): max(0.0, v) / top for k, v in values.items()}


def suggest_hashtags(
    text: str,
    *,
    phrases: Sequence[KeyPhrase] | None = None,
    names: Sequence[str] = (),
    history: Mapping[str, float] | None = None,
    trending: Mapping[str, float] | None = None,
    limit: int = 5,
    required: Sequence[str] = (),
    banned: Sequence[str] = (),
) -> list[HashtagSuggestion]:
    """Ranked hashtags for ``text``. ``history`` maps a tag to the workspace's mean engagement
    rate of posts using it; ``trending`` maps a tag to its growth in listening data."""
    phrases = list(phrases) if phrases is not None else key_phrases(text, limit=15, max_words=2)
    brief_words = {_fold(w) for w in words(text) if w.lower() not in STOP_WORDS}
    hist = _normalise(history or {})
    trend = _normalise(trending or {})
    banned_folded = {_fold(b.lstrip("#")) for b in banned}
    top_phrase = max((p.score for p in phrases), default=1.0) or 1.0
    candidates: dict[str, tuple[str, float, list[str]]] = {}

    def add(tag: str, score: float, reason: str) -> None:
        key = _fold(tag.lstrip("#"))
        if not tag or key in banned_folded:
            return
        shown, total, reasons = candidates.get(key, (tag, 0.0, []))
        candidates[key] = (shown, total + score, [*reasons, reason])

    for name in names:
        add(to_hashtag(name, max_words=4), 0.6, f"name in the brief '{name}'")
    for phrase in phrases:
        topic = _topic_words(phrase.text)
        if not topic or (len(topic) == 1 and phrase.count < 2 and len(phrases) > 6):
            continue
        tag = to_hashtag(" ".join(topic))
        add(tag, 0.5 * phrase.score / top_phrase, f"key phrase '{phrase.text}'")
    for source, weight, name in ((hist, 0.3, "past engagement"), (trend, 0.2, "trending")):
        originals = history if source is hist else trending
        for original in originals or {}:
            key = _fold(original.lstrip("#"))
            parts = {_fold(p) for p in segment_hashtag(original, brief_words)}
            relevant = key in candidates or bool(parts & brief_words)
            if not relevant:
                continue
            tag = original if original.startswith("#") else f"#{original}"
            add(tag, weight * source[key], f"{name} {source[key]:.0%} of best")
    ranked = sorted(candidates.values(), key=lambda c: (-c[1], c[0]))
    out = [HashtagSuggestion(tag, round(min(1.0, score), 3), tuple(reasons))
           for tag, score, reasons in ranked]  # fmt: skip
    forced = [
        HashtagSuggestion(t if t.startswith("#") else f"#{t}", 1.0, ("required by brand voice",))
        for t in required
    ]
    forced_keys = {_fold(f.tag.lstrip("#")) for f in forced}
    out = forced + [s for s in out if _fold(s.tag.lstrip("#")) not in forced_keys]
    return out[: max(limit, len(forced))]
