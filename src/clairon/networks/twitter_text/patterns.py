"""The regular expressions of twitter-text v3, rebuilt for Python's ``regex`` module.

They follow the grammar of the reference implementation (twitter-text 3.1, JavaScript) so that
the conformance suite passes unchanged. Two translation rules matter:

* JavaScript's ``$`` (no multiline flag) is the end of the input: it is written ``\\Z`` here,
  because Python's ``$`` also matches before a final newline.
* JavaScript's ``\\s`` is spelled out (``_JS_WHITESPACE``): Python's differs on a few controls.

Emoji are recognised with Unicode properties (``Extended_Pictographic``, ``Emoji_Modifier``,
regional indicators, keycaps, tag sequences, ZWJ sequences) instead of a generated list.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import regex

__all__ = [
    "AT_SIGNS",
    "CASHTAG",
    "DIRECTIONAL_CHARS",
    "EMOJI",
    "END_HASHTAG",
    "END_MENTION",
    "EXTRACT_URL",
    "HASHTAG",
    "INVALID_CHARS",
    "INVALID_URL_WITHOUT_PROTOCOL_PRECEDING",
    "MENTION_OR_LIST",
    "REPLY",
    "TCO_URL",
    "VALIDATE_URL_FRAGMENT",
    "VALIDATE_URL_PATH",
    "VALIDATE_URL_QUERY",
    "VALIDATE_URL_SCHEME",
    "VALIDATE_URL_UNENCODED",
    "VALIDATE_URL_UNICODE_AUTHORITY",
    "VALID_ASCII_DOMAIN",
    "load_json",
]

_FLAGS = regex.VERSION0
_I = _FLAGS | regex.IGNORECASE


@cache
def load_json(name: str) -> Any:
    """A JSON file shipped in ``data/`` (configurations, TLD lists)."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


# --- character groups (bodies of character classes) ---
_SPACES = (
    "\\x09-\\x0D\\x20\\x85\\xA0\\u1680\\u180E\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
)
_JS_WHITESPACE = (
    "\\t\\n\\x0B\\f\\r \\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF"
)
_INVALID = "\\uFFFE\\uFEFF\\uFFFF"
_DIRECTIONAL = "\\u202A-\\u202E\\u061C\\u200E\\u200F\\u2066\\u2067\\u2068\\u2069"
_PUNCT = "\\!'#%&'\\(\\)*\\+,\\\\\\-\\.\\/:;<=>\\?@\\[\\]\\^_{|}~\\$"
_LATIN_ACCENTS = (
    "\\xC0-\\xD6\\xD8-\\xF6\\xF8-\\xFF\\u0100-\\u024F\\u0253\\u0254\\u0256\\u0257\\u0259"
    "\\u025B\\u0263\\u0268\\u026F\\u0272\\u0289\\u028B\\u02BB\\u0300-\\u036F\\u1E00-\\u1EFF"
)
_CYRILLIC = "\\u0400-\\u04FF"

# Hashtag letters: Unicode letters and marks (the reference adds code points its older Unicode
# tables lacked; a current \p{L}\p{M} already holds them), digits, and a few joiners.
_HASHTAG_LETTERS = "\\p{L}\\p{M}"
_HASHTAG_NUMERALS = "\\p{Nd}"
_HASHTAG_SPECIAL = (
    "_\\u200c\\u200d\\ua67e\\u05be\\u05f3\\u05f4\\uff5e\\u301c\\u309b\\u309c\\u30a0\\u30fb"
    "\\u3003\\u0f0b\\u0f0c\\xb7"
)
_HASHTAG_ALNUM = f"[{_HASHTAG_LETTERS}{_HASHTAG_NUMERALS}{_HASHTAG_SPECIAL}]"
_HASHTAG_ALPHA = f"[{_HASHTAG_LETTERS}]"

INVALID_CHARS = regex.compile(f"[{_INVALID}]", _FLAGS)
DIRECTIONAL_CHARS = regex.compile(f"[{_DIRECTIONAL}]", _FLAGS)

# --- hashtags ---
# The boundary is a lookbehind instead of a consumed character: a previous match always ends
# with a hashtag character, which the boundary refuses, so both forms find the same hashtags.
HASHTAG = regex.compile(
    f"(?:(?<=^|[\\uFE0E\\uFE0F])|(?<!{_HASHTAG_ALNUM}|&))"
    f"([#＃])(?!\\uFE0F|\\u20E3)({_HASHTAG_ALNUM}*{_HASHTAG_ALPHA}{_HASHTAG_ALNUM}*)",
    _I,
)
# Matched at the end of a candidate (``.match(text, pos)`` anchors there).
# Tested at the end of a candidate: ``.match(text, pos)`` anchors there (no ``^``).
END_HASHTAG = regex.compile("(?:[#＃]|://)", _FLAGS)

# --- mentions and lists ---
AT_SIGNS = regex.compile("[@＠]", _FLAGS)
_MENTION_PRECEDING = "(?:^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
MENTION_OR_LIST = regex.compile(
    f"({_MENTION_PRECEDING})([@＠])([a-zA-Z0-9_]{{1,20}})(/[a-zA-Z][a-zA-Z0-9_\\-]{{0,24}})?",
    _FLAGS,
)
END_MENTION = regex.compile(f"(?:[@＠]|[{_LATIN_ACCENTS}]|://)", _FLAGS)
REPLY = regex.compile(f"^(?:[{_SPACES}{_DIRECTIONAL}])*[@＠]([a-zA-Z0-9_]{{1,20}})", _FLAGS)

# --- cashtags ---
CASHTAG = regex.compile(
    f"(^|[{_SPACES}])(\\$)([a-z]{{1,6}}(?:[._][a-z]{{1,2}})?)(?=\\Z|[{_JS_WHITESPACE}]|[{_PUNCT}])",
    _I,
)


# --- URLs (extraction) ---
def _trie(words: list[str]) -> str:
    """One pattern matching any of ``words``, longest first, as a prefix tree.

    A flat alternation of 1,500 names costs ~100 µs per attempt; the tree reads each
    character once. Longest first is the reference's order where it matters (``嘉里大酒店``
    before ``嘉里``, ``भारतम्`` before ``भारत``)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [regex.escape(char) + render(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return render(tree)


def _tld_alternation(kind: str) -> str:
    names: list[str] = load_json("tlds.json")[kind]
    return _trie(names)


_DOMAIN_CHAR = f"[^{_PUNCT}{_SPACES}{_INVALID}{_DIRECTIONAL}]"
# "(?:C(?:[_-]|C)*)?C\." written so that a run of domain characters is read once (possessive):
# a label is a whole run, so giving characters back can never let the dot match.
_SUBDOMAIN = f"(?:{_DOMAIN_CHAR}(?:[_\\-]|{_DOMAIN_CHAR})*+(?<=[^_\\-])\\.)"
_DOMAIN_NAME = f"(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*+(?<=[^\\-])\\.)"
_TLD_END = "(?=[^0-9a-zA-Z@+\\-]|\\Z)"
_GTLD = f"(?:(?:{_tld_alternation('generic')}){_TLD_END})"
_CCTLD = f"(?:(?:{_tld_alternation('country')}){_TLD_END})"
_PUNYCODE = "(?:xn--[\\-0-9a-z]+)"
_DOMAIN = f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{_GTLD}|{_CCTLD}|{_PUNYCODE}))"
_URL_PRECEDING = f"(?:[^A-Za-z0-9@＠$#＃{_INVALID}]|[{_DIRECTIONAL}]|^)"
_PATH_CHAR = f"[a-z{_CYRILLIC}0-9!\\*';:=\\+,\\.\\$/%#\\[\\]\\-\\u2013_~@\\|&{_LATIN_ACCENTS}]"
_BALANCED_PARENS = f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
_PATH_ENDING = f"(?:[\\+\\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|(?:{_BALANCED_PARENS}))"
_URL_PATH = (
    f"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_ENDING})|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHAR = "[a-z0-9!?\\*'@\\(\\);:&=\\+\\$/%#\\[\\]\\-_\\.,~|]"
_QUERY_ENDING = "[a-z0-9\\-_&=#/]"

# Groups: 1 whole, 2 preceding character, 3 URL, 4 protocol, 5 domain, 6 port, 7 path, 8 query.
EXTRACT_URL = regex.compile(
    f"(({_URL_PRECEDING})((https?://)?({_DOMAIN})(?::([0-9]+))?(/{_URL_PATH}*)?"
    f"(\\?{_QUERY_CHAR}*{_QUERY_ENDING})?))",
    _I,
)
VALID_ASCII_DOMAIN = regex.compile(
    f"(?:(?:[\\-a-z0-9{_LATIN_ACCENTS}]+)\\.)+(?:{_GTLD}|{_CCTLD}|{_PUNYCODE})", _I
)
INVALID_URL_WITHOUT_PROTOCOL_PRECEDING = regex.compile("[-_./]\\Z", _FLAGS)
TCO_URL = regex.compile(f"^https?://t\\.co/([a-z0-9]+)(?:\\?{_QUERY_CHAR}*{_QUERY_ENDING})?", _I)

# --- URLs (validation of a whole string, RFC 3986 shaped) ---
_V_UNRESERVED = f"[a-z{_CYRILLIC}0-9\\-._~]"
_V_PCT = "(?:%[0-9a-f]{2})"
_V_SUB_DELIMS = "[!$&'()*+,;=]"
_V_PCHAR = f"(?:{_V_UNRESERVED}|{_V_PCT}|{_V_SUB_DELIMS}|[:\\|@])"
_V_USERINFO = f"(?:{_V_UNRESERVED}|{_V_PCT}|{_V_SUB_DELIMS}|:)*"
_V_DEC_OCTET = "(?:[0-9]|(?:[1-9][0-9])|(?:1[0-9]{2})|(?:2[0-4][0-9])|(?:25[0-5]))"
_V_IPV4 = f"(?:{_V_DEC_OCTET}(?:\\.{_V_DEC_OCTET}){{3}})"
_V_IPV6 = "(?:\\[[a-f0-9:\\.]+\\])"
_V_IP = f"(?:{_V_IPV4}|{_V_IPV6})"
_NON_ASCII = "[^\\x00-\\x7f]"
_V_U_SUBDOMAIN = (
    f"(?:(?:[a-z0-9]|{_NON_ASCII})(?:(?:[a-z0-9_\\-]|{_NON_ASCII})*(?:[a-z0-9]|{_NON_ASCII}))?)"
)
_V_U_DOMAIN_SEGMENT = (
    f"(?:(?:[a-z0-9]|{_NON_ASCII})(?:(?:[a-z0-9\\-]|{_NON_ASCII})*(?:[a-z0-9]|{_NON_ASCII}))?)"
)
_V_U_TLD = f"(?:(?:[a-z]|{_NON_ASCII})(?:(?:[a-z0-9\\-]|{_NON_ASCII})*(?:[a-z0-9]|{_NON_ASCII}))?)"
_V_U_DOMAIN = f"(?:(?:{_V_U_SUBDOMAIN}\\.)*(?:{_V_U_DOMAIN_SEGMENT}\\.){_V_U_TLD})"
_V_U_HOST = f"(?:{_V_IP}|{_V_U_DOMAIN})"
_V_PORT = "[0-9]{1,5}"

VALIDATE_URL_UNENCODED = regex.compile(
    "^(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\\?([^#]*))?(?:#([^\\n\\r\\u2028\\u2029]*))?\\Z", _I
)
VALIDATE_URL_SCHEME = regex.compile("(?:[a-z][a-z0-9+\\-.]*)", _I)
VALIDATE_URL_UNICODE_AUTHORITY = regex.compile(
    f"(?:({_V_USERINFO})@)?({_V_U_HOST})(?::({_V_PORT}))?", _I
)
VALIDATE_URL_PATH = regex.compile(f"(/{_V_PCHAR}*)*", _I)
VALIDATE_URL_QUERY = regex.compile(f"({_V_PCHAR}|/|\\?)*", _I)
VALIDATE_URL_FRAGMENT = regex.compile(f"({_V_PCHAR}|/|\\?)*", _I)

# --- emoji ---
# One emoji counts as one unit whatever its length: keycaps, flags (two regional indicators),
# tag sequences (subdivision flags), and ZWJ sequences of pictographs with optional skin tone
# or emoji presentation selector. (C) (R) (TM) count as emoji only with U+FE0F, as in Twemoji;
# a pictograph followed by the text presentation selector U+FE0E is not an emoji.
_EMOJI_ELEMENT = (
    "(?:(?![\\xA9\\xAE\\u2122])\\p{Extended_Pictographic}(?:\\p{Emoji_Modifier}|\\uFE0F)?"
    "(?!\\uFE0E)"
    "|[\\xA9\\xAE\\u2122]\\uFE0F"
    "|\\p{Emoji_Modifier})"
)
EMOJI = regex.compile(
    "(?:[#*0-9]\\uFE0F?\\u20E3"
    "|\\p{Regional_Indicator}{2}"
    "|\\U0001F3F4[\\U000E0020-\\U000E007E]+\\U000E007F"
    f"|{_EMOJI_ELEMENT}(?:\\u200D{_EMOJI_ELEMENT})*)",
    _FLAGS,
)
