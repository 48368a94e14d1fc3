"""LinkedIn's "little" text format for post commentary and comments.

In ``little`` the characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are reserved: sent unescaped
they start elements, and LinkedIn silently cuts the post at the first one it cannot parse.
``to_little`` escapes every reserved character of plain text with a backslash, except the
elements we mean: hashtags (``#tag`` becomes the HashtagTemplate ``{hashtag|\\#|tag}``) and
mentions given as ``{"Display name": "urn:li:organization:123"}`` (``@Display name`` becomes
``@[Display name](urn:li:organization:123)``). ``from_little`` reverses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import regex

__all__ = ["RESERVED", "escape", "from_little", "to_little", "unescape"]

RESERVED = frozenset("\\|{}@[]()<>#*_~")
_HASHTAG = regex.compile(r"(?<![\w#])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)")
_TEMPLATE = regex.compile(r"\{hashtag\|\\#\|((?:\\.|[^\\{}|])*)\}")
_MENTION_EL = regex.compile(r"@\[((?:\\.|[^\\\]])*)\]\((urn:li:[a-zA-Z]+:[^()\s]+)\)")
_ESCAPED = regex.compile(r"\\(.)", regex.S)


def escape(text: str) -> str:
    """Plain text with every reserved character backslash-escaped."""
    return "".join("\\" + c if c in RESERVED else c for c in text)


def unescape(text: str) -> str:
    return str(_ESCAPED.sub(r"\1", text))


def to_little(text: str, mentions: Mapping[str, str] | None = None) -> str:
    """Commentary for the Posts API: ``text`` escaped, with its hashtags and the given
    mentions (display name -> person or organization URN) kept as live elements."""
    marks: list[tuple[int, int, str]] = []
    for name, urn in (mentions or {}).items():
        for m in regex.finditer(regex.escape("@" + name), text):
            marks.append((m.start(), m.end(), f"@[{escape(name)}]({urn})"))
    for m in _HASHTAG.finditer(text):
        marks.append((m.start(), m.end(), "{hashtag|\\#|" + escape(m.group(1)) + "}"))
    marks.sort(key=lambda mark: (mark[0], -mark[1]))
    out, last = [], 0
    for start, end, element in marks:
        if start < last:  # overlaps an element already placed
            continue
        out += [escape(text[last:start]), element]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def from_little(little: str) -> str:
    """The plain text a reader sees: elements back to ``#tag`` / ``@Name``, escapes removed."""
    out, last = [], 0
    elements = sorted(
        [(m.start(), m.end(), "#" + unescape(m.group(1))) for m in _TEMPLATE.finditer(little)]
        + [(m.start(), m.end(), "@" + unescape(m.group(1))) for m in _MENTION_EL.finditer(little)]
    )
    for start, end, plain in elements:
        if start < last:
            continue
        out += [unescape(little[last:start]), plain]
        last = end
    out.append(unescape(little[last:]))
    return "".join(out)
