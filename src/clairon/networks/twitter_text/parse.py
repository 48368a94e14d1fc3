"""Weighted length and validity of a post, and the small validators of twitter-text v3.

``parse_tweet`` follows the reference algorithm: the text is NFC-normalised, every URL counts
``transformedURLLength``, every emoji (any length, ZWJ sequences and flags included) counts
``defaultWeight``, and every other code point counts the weight of its range. The ranges it
returns (``display_range_*``, ``valid_range_*``) are UTF-16 offsets into the text as given,
inclusive, exactly as in the reference and its conformance suite.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clairon.networks.twitter_text import patterns as p
from clairon.networks.twitter_text.extract import (
    extract_hashtags,
    extract_mentions,
    extract_urls_with_indices,
    utf16_length,
)

__all__ = [
    "ParseResult",
    "TwitterTextConfig",
    "WeightRange",
    "is_valid_hashtag",
    "is_valid_list",
    "is_valid_tweet",
    "is_valid_url",
    "is_valid_username",
    "parse_tweet",
    "weighted_length",
]


@dataclass(frozen=True, slots=True)
class WeightRange:
    start: int  # first code point, inclusive
    end: int  # last code point, inclusive
    weight: int


@dataclass(frozen=True, slots=True)
class TwitterTextConfig:
    """A twitter-text length configuration (the JSON files ``v1``, ``v2``, ``v3``)."""

    version: int
    max_weighted_tweet_length: int
    scale: int
    default_weight: int
    transformed_url_length: int
    ranges: tuple[WeightRange, ...] = ()
    emoji_parsing_enabled: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TwitterTextConfig:
        return cls(
            version=int(data["version"]),
            max_weighted_tweet_length=int(data["maxWeightedTweetLength"]),
            scale=int(data["scale"]),
            default_weight=int(data["defaultWeight"]),
            transformed_url_length=int(data.get("transformedURLLength", 23)),
            ranges=tuple(
                WeightRange(int(r["start"]), int(r["end"]), int(r["weight"]))
                for r in data.get("ranges", ())
            ),
            emoji_parsing_enabled=bool(data.get("emojiParsingEnabled", False)),
        )

    @classmethod
    def load(cls, version: int = 3) -> TwitterTextConfig:
        """One of the shipped configurations (1, 2 or 3; 3 is what X counts with today)."""
        if version not in (1, 2, 3):
            raise ValueError(f"unknown twitter-text configuration version {version}")
        return cls.from_dict(p.load_json(f"v{version}.json"))

    def weight(self, code_point: int) -> int:
        for weight_range in self.ranges:
            if weight_range.start <= code_point <= weight_range.end:
                return weight_range.weight
        return self.default_weight


_V3 = TwitterTextConfig.load(3)


@dataclass(frozen=True, slots=True)
class ParseResult:
    weighted_length: int  # rounded up when a configuration's weights are not whole units
    valid: bool
    permillage: int
    display_range_start: int
    display_range_end: int
    valid_range_start: int
    valid_range_end: int


def parse_tweet(text: str, config: TwitterTextConfig | None = None) -> ParseResult:
    config = config or _V3
    normalized = unicodedata.normalize("NFC", text)
    scale = config.scale
    limit = config.max_weighted_tweet_length * scale
    url_ends = {e.start: e.end for e in extract_urls_with_indices(normalized)}
    emoji_ends: dict[int, int] = {}
    if config.emoji_parsing_enabled:
        emoji_ends = {m.start(): m.end() for m in p.EMOJI.finditer(normalized)}

    units = 0  # weighted length times the scale
    valid = True
    valid_display_index = 0  # UTF-16 index of the last character that still fits
    index = 0
    utf16_index = 0
    while index < len(normalized):
        if index in url_ends:
            end = url_ends[index]
            units += config.transformed_url_length * scale
        elif index in emoji_ends:
            end = emoji_ends[index]
            units += config.default_weight
        else:
            end = index + 1
            units += config.weight(ord(normalized[index]))
        if end == index + 1:
            units16 = 2 if ord(normalized[index]) > 0xFFFF else 1
        else:
            units16 = utf16_length(normalized[index:end])
        last_utf16 = utf16_index + units16 - 1
        if valid:
            valid = not p.INVALID_CHARS.match(normalized, end - 1)
        if valid and units <= limit:
            valid_display_index = last_utf16
        utf16_index = last_utf16 + 1
        index = end

    valid_display_index += utf16_length(text) - utf16_index
    return ParseResult(
        weighted_length=-(-units // scale),
        valid=valid and 0 < units <= limit,
        permillage=units * 1000 // limit if limit else 0,
        display_range_start=0,
        display_range_end=max(utf16_length(text) - 1, 0),
        valid_range_start=0,
        valid_range_end=valid_display_index,
    )


def weighted_length(text: str, config: TwitterTextConfig | None = None) -> int:
    """The length X counts for ``text`` (280 is the limit with the default configuration)."""
    return parse_tweet(text, config).weighted_length


def is_valid_tweet(text: str, config: TwitterTextConfig | None = None) -> bool:
    """Not empty, no invalid character (U+FFFE, U+FEFF, U+FFFF), within the weighted limit."""
    return bool(text) and parse_tweet(text, config).valid


def is_valid_username(text: str) -> bool:
    """``@name``: 1 to 20 letters, digits or underscores, nothing else."""
    if not text:
        return False
    mentions = extract_mentions(text)
    return len(mentions) == 1 and mentions[0] == text[1:]


def is_valid_list(text: str) -> bool:
    """``@name/list`` and nothing else."""
    match = p.MENTION_OR_LIST.fullmatch(text)
    return bool(match and match.group(1) == "" and match.group(4))


def is_valid_hashtag(text: str) -> bool:
    if not text:
        return False
    tags = extract_hashtags(text)
    return len(tags) == 1 and tags[0] == text[1:]


def _whole_match(pattern: Any, value: str | None, *, optional: bool = False) -> bool:
    """The leftmost match of ``pattern`` in ``value`` is all of ``value`` (the reference test)."""
    if value is None or (optional and not value):
        return optional
    match = pattern.search(value)
    return bool(match) and match.group(0) == value


def is_valid_url(url: str, *, unicode_domains: bool = True, require_protocol: bool = True) -> bool:
    """An ``http(s)`` URL by RFC 3986 (IDN hosts allowed); ``require_protocol=False`` accepts
    a bare domain such as ``example.com/path``."""
    if not url:
        return False
    parts = p.VALIDATE_URL_UNENCODED.search(url)
    if parts is None or parts.group(0) != url:
        return False
    scheme, authority, path, query, fragment = parts.group(1, 2, 3, 4, 5)
    if require_protocol and not (
        _whole_match(p.VALIDATE_URL_SCHEME, scheme) and scheme.lower() in ("http", "https")
    ):
        return False
    if not (
        _whole_match(p.VALIDATE_URL_PATH, path)
        and _whole_match(p.VALIDATE_URL_QUERY, query, optional=True)
        and _whole_match(p.VALIDATE_URL_FRAGMENT, fragment, optional=True)
    ):
        return False
    if not unicode_domains and not authority.isascii():
        return False
    return _whole_match(p.VALIDATE_URL_UNICODE_AUTHORITY, authority)
