"""How each network counts the length of a text, as :data:`~clairon.networks.base.TextCounter`.

Every counter takes the text exactly as it will be sent. Networks differ a lot:

* graphemes: what a reader sees as one character (Bluesky: ``👨‍👩‍👧`` is 1);
* UTF-16 code units: what JavaScript's ``length`` counts (TikTok: ``😀`` is 2);
* UTF-8 bytes, code points (most networks, Python's ``len``);
* X's weighted length (twitter-text v3: URLs 23, CJK and emoji 2);
* Mastodon's rule (any URL counts a fixed 23, ``@user@domain`` counts as ``@user``);
* Threads' rule (characters, but an emoji counts its UTF-8 bytes).
"""

from __future__ import annotations

from functools import partial

import regex

from clairon.networks.base import TextCounter, code_points
from clairon.networks.twitter_text import (
    TwitterTextConfig,
    extract_urls_with_indices,
    weighted_length,
)
from clairon.networks.twitter_text.patterns import EMOJI

__all__ = [
    "code_points",
    "graphemes",
    "mastodon_counter",
    "mastodon_length",
    "threads_length",
    "twitter_counter",
    "twitter_weighted",
    "utf8_bytes",
    "utf16_units",
]

_GRAPHEME = regex.compile(r"\X")
# Mastodon's mention rule (app/models/account.rb MENTION_RE): @user or @user@domain.
_MASTODON_MENTION = regex.compile(
    r"(?<=^|[^/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?",
    regex.IGNORECASE,
)


def graphemes(text: str) -> int:
    """Extended grapheme clusters (Unicode UAX #29): a flag, a ZWJ family, é+◌́ are 1 each."""
    return len(_GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_units(text: str) -> int:
    """UTF-16 code units: a code point above U+FFFF counts 2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def twitter_weighted(text: str) -> int:
    """X's weighted length with the current configuration (twitter-text v3, limit 280)."""
    return weighted_length(text)


def twitter_counter(config: TwitterTextConfig) -> TextCounter:
    """X's weighted length with another twitter-text configuration."""
    return partial(weighted_length, config=config)


def mastodon_length(text: str, url_length: int = 23) -> int:
    """Mastodon's count: graphemes, where every ``http(s)`` URL counts ``url_length`` and a
    remote mention ``@user@domain`` counts as ``@user``."""
    spans: list[tuple[int, int, str]] = [
        (e.start, e.end, "x" * url_length)
        for e in extract_urls_with_indices(text, without_protocol=False)
    ]
    spans += [(m.start(), m.end(), "@" + m.group(1)) for m in _MASTODON_MENTION.finditer(text)]
    spans.sort()
    parts: list[str] = []
    position = 0
    for start, end, replacement in spans:
        if start < position:  # overlapping entity: the earlier one wins
            continue
        parts += [text[position:start], replacement]
        position = end
    parts.append(text[position:])
    return graphemes("".join(parts))


def mastodon_counter(url_length: int = 23) -> TextCounter:
    """Mastodon's counter for an instance whose ``characters_reserved_per_url`` is given."""
    return partial(mastodon_length, url_length=url_length)


def threads_length(text: str) -> int:
    """Threads' count: code points, except that an emoji counts its UTF-8 bytes."""
    total = 0
    position = 0
    for match in EMOJI.finditer(text):
        total += match.start() - position + len(match.group(0).encode("utf-8"))
        position = match.end()
    return total + len(text) - position
