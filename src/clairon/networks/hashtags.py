"""Hashtag detection shared by the limits of every network (Unicode-aware)."""

from __future__ import annotations

import regex

__all__ = ["HASHTAG_RE", "count_hashtags", "find_hashtags"]

# A hashtag: '#' not preceded by a word char or '&', then word chars with at least one letter.
HASHTAG_RE = regex.compile(r"(?<![\w&#＃])[#＃](?!\uFE0F|\u20E3)([\w\p{M}]*\p{L}[\w\p{M}]*)")


def find_hashtags(text: str) -> list[str]:
    return [m.group(1) for m in HASHTAG_RE.finditer(text)]


def count_hashtags(text: str) -> int:
    return sum(1 for _ in HASHTAG_RE.finditer(text))
