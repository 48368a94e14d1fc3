"""Bluesky rich-text facets: links, mentions and hashtags located by UTF-8 byte offsets.

Bluesky posts carry plain text plus ``facets`` whose ``index`` is a byte slice of the UTF-8
encoded text (start inclusive, end exclusive). Detection follows the reference client
(``@atproto/api`` RichText.detectFacets): a link starts with ``http(s)://`` after a space,
an opening parenthesis or the start, and loses trailing punctuation and an unbalanced ``)``;
a mention is ``@`` + a domain-like handle; a hashtag is ``#`` (or ``＃``) + up to 64 graphemes,
not only digits, trailing punctuation dropped. Mentions are resolved to DIDs by the connector.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

__all__ = ["Facet", "detect_facets"]

_LINK = regex.compile(r"(?:^|(?<=[\s(]))(https?://[^\s]+)", regex.I)
_MENTION = regex.compile(
    r"(?:^|(?<=[\s(]))@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)",
    regex.I,
)
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(rf"(?:^|(?<=\s))[#＃]((?!\ufe0f)[^\s{_INVISIBLE}]+)")
_TRAILING = ".,;:!?\"'"
MAX_TAG_GRAPHEMES = 64


@dataclass(frozen=True, slots=True)
class Facet:
    kind: str  # "link", "mention" (value = handle) or "tag" (value without '#')
    value: str
    start: int  # code point offsets into the text
    end: int
    byte_start: int  # UTF-8 byte offsets, what Bluesky stores
    byte_end: int


def _trim_link(url: str) -> str:
    while url and url[-1] in _TRAILING + ")":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def detect_facets(text: str) -> list[Facet]:
    """Every link, mention and hashtag of ``text``, in order, never overlapping."""
    found: list[tuple[str, str, int, int]] = []
    for m in _LINK.finditer(text):
        url = _trim_link(m.group(1))
        if len(url) > len("https://"):
            found.append(("link", url, m.start(1), m.start(1) + len(url)))
    for m in _MENTION.finditer(text):
        handle = m.group(1).rstrip(".")
        found.append(("mention", handle.lower(), m.start(1) - 1, m.start(1) + len(handle)))
    for m in _TAG.finditer(text):
        tag = m.group(1)
        while tag and (tag[-1] in _TRAILING or regex.match(r"\p{P}", tag[-1])):
            tag = tag[:-1]
        graphemes = len(regex.findall(r"\X", tag))
        if tag and not tag.isdigit() and graphemes <= MAX_TAG_GRAPHEMES:
            found.append(("tag", tag, m.start(1) - 1, m.start(1) + len(tag)))
    found.sort(key=lambda f: (f[2], -f[3]))
    facets: list[Facet] = []
    last_end = -1
    for kind, value, start, end in found:
        if start < last_end:  # inside a link (e.g. a '#fragment'), keep the first
            continue
        byte_start = len(text[:start].encode("utf-8"))
        byte_end = byte_start + len(text[start:end].encode("utf-8"))
        facets.append(Facet(kind, value, start, end, byte_start, byte_end))
        last_end = end
    return facets
