"""Hashtag detection shared by the limits of every network (Unicode-aware).

``find_hashtags`` follows twitter-text's rules, which the networks share in practice: a tag
holds at least one letter, is not glued to a word or ``&`` before it, and a ``#`` inside a
URL (``https://example.com/#top``) is not a hashtag. ``HASHTAG_RE`` is the simple pattern
for highlighting in running text.
"""

from __future__ import annotations

import regex

from clairon.networks.twitter_text import extract_hashtags

__all__ = ["HASHTAG_RE", "count_hashtags", "find_hashtags"]

# A hashtag: '#' not preceded by a word char or '&', then word chars with at least one letter.
HASHTAG_RE = regex.compile(r"(?<![\w&#＃])[#＃](?!\uFE0F|\u20E3)([\w\p{M}]*\p{L}[\w\p{M}]*)")


def find_hashtags(text: str) -> list[str]:
    """The hashtags of ``text`` without their ``#``, in order (duplicates kept)."""
    return extract_hashtags(text)


def count_hashtags(text: str) -> int:
    return len(find_hashtags(text))
