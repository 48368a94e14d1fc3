"""Split a long text into a thread of posts that each fit a network's :class:`Limits`.

Contract:

* every chunk passes ``limits.check_text`` (the network's own counter, bytes, hashtags);
* no chunk boundary falls inside a grapheme cluster, a URL, a mention (``@user``,
  ``@user@domain``, ``@user/list``), a hashtag or a cashtag;
* breaks are chosen paragraph first, then line or sentence end, then clause (``,;:``), then
  word, and inside a word only when a word alone is too long (CJK text has no spaces);
* a break goes after the whitespace that follows it, so chunks keep all the text:
  ``"".join(chunks) == text`` without numbering;
* with ``numbering=True`` and more than one chunk, chunk ``i`` of ``n`` is ``f"{i}/{n} "``
  followed by its piece of text, and :func:`join_thread` gives the text back.

Connectors may strip the whitespace at the ends of each chunk before publishing: for every
counter here that never makes a chunk longer.
"""

from __future__ import annotations

from collections.abc import Callable

import regex

from clairon.errors import ValidationFailed
from clairon.networks.base import Limits
from clairon.networks.twitter_text import extract_entities_with_indices

__all__ = ["join_thread", "split_thread"]

_GRAPHEME = regex.compile(r"\X")
# Kept whole besides twitter-text's entities: any URL with a scheme, remote mentions, tags.
_EXTRA_PROTECTED = regex.compile(
    r"(?<![\w.+-])https?://[^\s<>\"]+"
    r"|(?<![\w@])@[\w.-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w&])[#＃][\w\p{M}]+"
    r"|(?<!\w)[$][A-Za-z]\w*",
    regex.IGNORECASE,
)
_SENTENCE_END = regex.compile(r"[.!?…‼⁇⁈⁉。！？؟।][\"'”’»)\]}」』】]*\Z")
_CJK_SENTENCE_END = frozenset("。！？")
_CLAUSE_END = frozenset(",;:、，；：—–")

PARAGRAPH, SENTENCE, CLAUSE, WORD, GRAPHEME = 4, 3, 2, 1, 0


def split_thread(text: str, limits: Limits, *, numbering: bool = False) -> list[str]:
    """The chunks of ``text`` for the network of ``limits`` (``[]`` for an empty text).

    Raises :class:`ValidationFailed` when one unbreakable piece (a URL, a hashtag, a grapheme
    cluster) is over the limit on its own."""
    if not text:
        return []

    def valid(chunk: str) -> bool:
        return not limits.check_text(chunk)

    if valid(text):
        return [text]
    candidates = _break_candidates(text)
    if not numbering:
        return _greedy(text, candidates, valid)
    width = 1
    while True:
        worst = "9" * width + "/" + "9" * width + " "

        def fits_labelled(chunk: str, label: str = worst) -> bool:
            return valid(label + chunk)

        pieces = _greedy(text, candidates, fits_labelled)
        total = len(pieces)
        labelled = [f"{i}/{total} {piece}" for i, piece in enumerate(pieces, start=1)]
        if total < 10**width and all(valid(chunk) for chunk in labelled):
            return labelled
        width += 1


def join_thread(chunks: list[str], *, numbering: bool = False) -> str:
    """The text that :func:`split_thread` split into ``chunks`` (labels removed)."""
    if not numbering or len(chunks) < 2:
        return "".join(chunks)
    total = len(chunks)
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        label = f"{i}/{total} "
        if not chunk.startswith(label):
            raise ValueError(f"chunk {i} does not start with its label '{label}'")
        parts.append(chunk[len(label) :])
    return "".join(parts)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    spans = [(e.start, e.end) for e in extract_entities_with_indices(text)]
    spans += [m.span() for m in _EXTRA_PROTECTED.finditer(text)]
    return spans


def _break_candidates(text: str) -> list[tuple[int, int]]:
    """``(position, priority)`` of every place the text may be cut, in order."""
    inside = bytearray(len(text) + 1)  # 1 where a cut would split a protected entity
    for start, end in _protected_spans(text):
        inside[start + 1 : end] = b"\x01" * max(end - start - 1, 0)
    candidates = []
    for match in _GRAPHEME.finditer(text):
        position = match.end()
        if not inside[position]:
            candidates.append((position, _priority(text, position)))
    return candidates


def _priority(text: str, position: int) -> int:
    if position >= len(text):
        return PARAGRAPH
    before = text[position - 1]
    if not before.isspace():
        return SENTENCE if before in _CJK_SENTENCE_END else GRAPHEME
    if text[position].isspace():
        return GRAPHEME  # not the end of the whitespace run
    start = position - 1
    while start > 0 and text[start - 1].isspace():
        start -= 1
    gap = text[start:position]
    if gap.count("\n") >= 2:
        return PARAGRAPH
    if "\n" in gap or _SENTENCE_END.search(text, 0, start):
        return SENTENCE
    if start > 0 and text[start - 1] in _CLAUSE_END:
        return CLAUSE
    return WORD


def _greedy(text: str, candidates: list[tuple[int, int]], fits: Callable[[str], bool]) -> list[str]:
    chunks: list[str] = []
    start = 0
    first = 0  # index of the first candidate after ``start``
    while start < len(text):
        end = _choose(text, start, candidates, first, fits)
        chunks.append(text[start:end])
        start = end
        while first < len(candidates) and candidates[first][0] <= start:
            first += 1
    return chunks


def _choose(
    text: str,
    start: int,
    candidates: list[tuple[int, int]],
    first: int,
    fits: Callable[[str], bool],
) -> int:
    # Furthest candidate that fits. Counts grow with the text, so: gallop from ``start`` to
    # bracket it (keeps every measured text near one post long), then binary search.
    low, high = first, len(candidates) - 1
    furthest = -1
    step = 1
    while low + step - 1 <= high and fits(text[start : candidates[low + step - 1][0]]):
        furthest = low + step - 1
        step *= 2
    low, high = (furthest + 1, min(high, low + step - 2)) if furthest >= 0 else (low, low - 1)
    while low <= high:
        middle = (low + high) // 2
        if fits(text[start : candidates[middle][0]]):
            furthest, low = middle, middle + 1
        else:
            high = middle - 1
    if furthest < 0:
        stop = candidates[first][0] if first < len(candidates) else len(text)
        piece = text[start:stop]
        shown = piece if len(piece) <= 60 else piece[:57] + "..."
        raise ValidationFailed(
            f"cannot split the text: '{shown}' cannot be cut and is over the limit on its own",
            "text",
        )
    span = candidates[furthest][0] - start
    for level in (PARAGRAPH, SENTENCE, CLAUSE, WORD, GRAPHEME):
        for index in range(furthest, first - 1, -1):
            position, priority = candidates[index]
            if level > WORD and position - start < span / 2:
                break  # a strong break this early would waste half the post
            if priority >= level and fits(text[start:position]):
                return position
    return candidates[furthest][0]
