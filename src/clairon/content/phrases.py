"""Key phrases and sentence ranking (RAKE-style, FR and EN stop words), all pure functions.

Candidate phrases are runs of content words between stop words and punctuation; a word scores by
its degree over its frequency, a phrase by the sum of its words. Sentences rank by the key
phrases and facts they carry, with a bonus for the lead (news writing puts the point first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import regex

__all__ = ["STOP_WORDS", "KeyPhrase", "key_phrases", "rank_sentences", "words"]


def _split(text: str) -> list[str]:
    """Words of a space-separated list (keeps long word lists readable)."""
    return text.split()


STOP_WORDS = frozenset(
    _split(
        "a about after all also an and any are as at be been before but by can could did "
        "do does during each for from had has have he her here his how i if in into is it "
        "its just more most my new no not now of on one only or other our out over she so "
        "some such than that the their them then there these they this those through to "
        "too under up us very was we were what when where which while who will with would "
        "you your yours get got make made let lets today join discover learn find see "
        "read off per via near every up next first last best great big au aux avec ce ces "
        "cette chez comme dans de des du elle en est et être eux il ils je la le les leur "
        "leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour qu "
        "que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous été "
        "était sera seront aussi plus très tout tous toute toutes dès depuis entre vers "
        "après avant sans sous découvrez rejoignez venez nouveau nouvelle nouveaux "
        "nouvelles aujourd'hui ici bien faire fait peut peuvent y a à l d s n c j qu' "
        "est-ce ça cela celle celui"
    )
)
_WORD_RE = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\-]*(?:'[\p{L}]+)?")
_SPLIT_RE = regex.compile(r"[.,;:!?()\[\]\"«»“”…/|\n—–]+|\s-\s")


def words(text: str) -> list[str]:
    return [str(w) for w in _WORD_RE.findall(text)]


def _content_words(chunk: str) -> list[list[str]]:
    """Runs of non-stop words in a chunk of text."""
    runs: list[list[str]] = [[]]
    for word in words(chunk):
        bare = word.lower().split("'")[-1] if "'" in word else word.lower()
        if bare in STOP_WORDS or word.lower() in STOP_WORDS or bare.isdigit() or len(bare) < 2:
            runs.append([])
            continue
        runs[-1].append(word if "'" not in word else word.split("'", 1)[1])
    return [run for run in runs if run]


@dataclass(frozen=True, slots=True)
class KeyPhrase:
    text: str
    score: float
    count: int


def key_phrases(text: str, limit: int = 10, max_words: int = 3) -> list[KeyPhrase]:
    """The ``limit`` best key phrases of ``text``, best first (ties keep first appearance)."""
    candidates: list[list[str]] = []
    for chunk in _SPLIT_RE.split(regex.sub(r"https?://\S+", " ", text)):
        for run in _content_words(chunk):
            for start in range(0, len(run), max_words):
                candidates.append(run[start : start + max_words])
    frequency: Counter[str] = Counter()
    degree: Counter[str] = Counter()
    for phrase in candidates:
        for word in phrase:
            frequency[word.lower()] += 1
            degree[word.lower()] += len(phrase)
    scored: dict[str, KeyPhrase] = {}
    order: dict[str, int] = {}
    for i, phrase in enumerate(candidates):
        key = " ".join(w.lower() for w in phrase)
        score = sum(degree[w.lower()] / frequency[w.lower()] for w in phrase)
        score += sum(0.5 for w in phrase if w[:1].isupper())  # names matter in marketing briefs
        seen = scored.get(key)
        count = 1 if seen is None else seen.count + 1
        total = score * (1 + 0.5 * (count - 1))
        if seen is None:
            order[key] = i
        scored[key] = KeyPhrase(" ".join(phrase), round(total, 3), count)
    ranked = sorted(scored.values(), key=lambda p: (-p.score, order[p.text.lower()]))
    return ranked[:limit]


def rank_sentences(
    sentences: Sequence[str], phrases: Sequence[KeyPhrase], facts: Sequence[str] = ()
) -> list[int]:
    """Indexes of ``sentences``, most informative first."""
    weights = {p.text.lower(): p.score for p in phrases}
    scores: list[tuple[float, int]] = []
    for index, sentence in enumerate(sentences):
        low = sentence.lower()
        score = sum(w for phrase, w in weights.items() if phrase in low)
        score += sum(2.0 for fact in facts if fact and fact.lower() in low)
        score += 3.0 / (1 + index)  # lead bonus
        length = len(sentence)
        if length < 25 or length > 260:
            score *= 0.5
        scores.append((score, index))
    return [index for _, index in sorted(scores, key=lambda pair: (-pair[0], pair[1]))]
