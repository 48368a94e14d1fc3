"""Entity extraction of twitter-text v3: URLs, hashtags, mentions and lists, cashtags, replies.

Indices are code point offsets into the given text (``text[start:end]`` is the entity, with
its ``#``, ``@`` or ``$``), like the Ruby reference; the JavaScript one counts UTF-16 units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from clairon.networks.twitter_text import patterns as p

__all__ = [
    "Entity",
    "extract_cashtags",
    "extract_cashtags_with_indices",
    "extract_entities_with_indices",
    "extract_hashtags",
    "extract_hashtags_with_indices",
    "extract_mentions",
    "extract_mentions_or_lists_with_indices",
    "extract_mentions_with_indices",
    "extract_reply_screen_name",
    "extract_urls",
    "extract_urls_with_indices",
    "utf16_length",
]

_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LABEL_LENGTH = 63
_DEFAULT_PROTOCOL = "https://"


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity found in a text. ``value`` is the URL, or the tag / screen name / symbol
    without its sign; ``list_slug`` (``"/list"``) is set for list mentions."""

    kind: str  # url, hashtag, mention, cashtag
    value: str
    start: int
    end: int
    list_slug: str = ""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units (what JavaScript's ``String.length`` counts)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _punycode_label_length(label: str) -> int:
    if label.isascii():
        return len(label)
    return len("xn--") + len(label.encode("punycode"))


def _has_valid_labels(domain: str) -> bool:
    """Every label of the domain is 1 to 63 characters once IDNA-encoded."""
    if domain.startswith("xn--") and not p.VALID_ASCII_DOMAIN.search(domain):
        return False
    return all(
        1 <= _punycode_label_length(label) <= _MAX_DOMAIN_LABEL_LENGTH
        for label in domain.split(".")
    )


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    # The reference compares the length of the URL as written (not IDNA-encoded) to the limit.
    return _has_valid_labels(domain) and len(protocol) + utf16_length(url) <= _MAX_URL_LENGTH


def extract_urls_with_indices(text: str, *, without_protocol: bool = True) -> list[Entity]:
    """Every URL of ``text``; domains without ``http(s)://`` only when ``without_protocol``
    and only their ASCII part (``www.exemple.com`` in ``www.exemple.com日本``)."""
    if not text or ("." not in text if without_protocol else ":" not in text):
        return []
    urls: list[Entity] = []
    for match in p.EXTRACT_URL.finditer(text):
        before, url, protocol, domain, path = match.group(2, 3, 4, 5, 7)
        protocol = protocol or ""
        start, end = match.start(3), match.end(3)
        if not _is_valid_url(url, protocol or _DEFAULT_PROTOCOL, domain):
            continue
        if not protocol:
            if not without_protocol or p.INVALID_URL_WITHOUT_PROTOCOL_PRECEDING.search(before):
                continue
            last: Entity | None = None
            ascii_end = 0
            for ascii_match in p.VALID_ASCII_DOMAIN.finditer(domain):
                ascii_domain = ascii_match.group(0)
                ascii_start = domain.index(ascii_domain, ascii_end)
                ascii_end = ascii_start + len(ascii_domain)
                last = Entity("url", ascii_domain, start + ascii_start, start + ascii_end)
                urls.append(last)
            if last is None:
                continue
            if path:
                urls[-1] = replace(last, value=url.replace(domain, last.value, 1), end=end)
        else:
            tco = p.TCO_URL.search(url)
            if tco is not None:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group(0)
                end = start + len(url)
            urls.append(Entity("url", url, start, end))
    return urls


def extract_urls(text: str, *, without_protocol: bool = True) -> list[str]:
    return [e.value for e in extract_urls_with_indices(text, without_protocol=without_protocol)]


def _remove_overlapping(entities: list[Entity]) -> list[Entity]:
    kept: list[Entity] = []
    for entity in sorted(entities, key=lambda e: e.start):
        if kept and kept[-1].end > entity.start:
            continue
        kept.append(entity)
    return kept


def extract_hashtags_with_indices(text: str, *, check_url_overlap: bool = True) -> list[Entity]:
    if not text or not any(sign in text for sign in "#＃"):
        return []
    tags: list[Entity] = []
    for match in p.HASHTAG.finditer(text):
        if p.END_HASHTAG.match(text, match.end()):
            continue
        tags.append(Entity("hashtag", match.group(2), match.start(1), match.end(2)))
    if check_url_overlap and tags:
        urls = extract_urls_with_indices(text)
        if urls:
            tags = [e for e in _remove_overlapping(tags + urls) if e.kind == "hashtag"]
    return tags


def extract_hashtags(text: str) -> list[str]:
    return [e.value for e in extract_hashtags_with_indices(text)]


def extract_mentions_or_lists_with_indices(text: str) -> list[Entity]:
    if not text or not p.AT_SIGNS.search(text):
        return []
    found: list[Entity] = []
    for match in p.MENTION_OR_LIST.finditer(text):
        if p.END_MENTION.match(text, match.end()):
            continue
        slug = match.group(4) or ""
        found.append(Entity("mention", match.group(3), match.start(2), match.end(), slug))
    return found


def extract_mentions_with_indices(text: str) -> list[Entity]:
    """Mentions of users only (``@user/list`` is a list, not a mention)."""
    return [e for e in extract_mentions_or_lists_with_indices(text) if not e.list_slug]


def extract_mentions(text: str) -> list[str]:
    return [e.value for e in extract_mentions_with_indices(text)]


def extract_reply_screen_name(text: str) -> str | None:
    """The screen name a text replies to (it starts with ``@name``), else ``None``."""
    if not text:
        return None
    match = p.REPLY.search(text)
    if match is None or p.END_MENTION.match(text, match.end()):
        return None
    name: str = match.group(1)
    return name


def extract_cashtags_with_indices(text: str) -> list[Entity]:
    if not text or "$" not in text:
        return []
    return [Entity("cashtag", m.group(3), m.start(2), m.end(3)) for m in p.CASHTAG.finditer(text)]


def extract_cashtags(text: str) -> list[str]:
    return [e.value for e in extract_cashtags_with_indices(text)]


def extract_entities_with_indices(text: str) -> list[Entity]:
    """URLs, mentions and lists, hashtags and cashtags, in text order, without overlaps."""
    entities = (
        extract_urls_with_indices(text)
        + extract_mentions_or_lists_with_indices(text)
        + extract_hashtags_with_indices(text, check_url_overlap=False)
        + extract_cashtags_with_indices(text)
    )
    return _remove_overlapping(entities)
