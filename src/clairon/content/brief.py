"""A brief: what a post is about, parsed from plain text, HTML, Markdown or an RSS item, with its
key facts (product names, dates, URLs, prices) and its sentences, numbered for traceability."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from xml.etree import ElementTree

import regex
import yaml

from clairon.content.dates import DateFact, find_dates
from clairon.content.language import detect_language
from clairon.errors import ValidationFailed

__all__ = [
    "Brief",
    "KeyFacts",
    "SourceRef",
    "extract_facts",
    "load_brief",
    "parse_brief",
    "split_sentences",
]


def _split(text: str) -> list[str]:
    """Words of a space-separated list (keeps long word lists readable)."""
    return text.split()


URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?»)]")
PRICE_RE = regex.compile(
    r"(?:[$€£]\s?\d[\d\s.,]*\d|[$€£]\s?\d|\d[\d\s.,]*(?:\s?(?:€|\$|£|EUR|USD|GBP|CHF|CAD)))"
    r"(?:\s?(?:HT|TTC|/\s?(?:mois|month|an|year|user|utilisateur)))?"
)
# Product-like names: words with an inner capital or a digit (EcoBrew, Nova X2), trademark signs,
# or runs of capitalised words not at the start of a sentence ("Atelier Lumen").
_NAME_WORD = r"[\p{Lu}][\p{L}\p{N}]*(?:[-'][\p{L}\p{N}]+)*"
# Lowercase particles may join capitalised words: "Lumières du Nord", "Musée des Beaux-Arts".
_PARTICLE = r"(?:du|des|de|la|le|of|the|and|et|d'|l')"
PRODUCT_RE = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?:{_NAME_WORD}|[\p{{L}}]+\d[\p{{L}}\p{{N}}]*)"
    rf"(?:\s(?:{_PARTICLE}\s)?(?:{_NAME_WORD}|\d+[\p{{L}}]*|[\p{{Lu}}]+\d*))*(?:\s?[™®])?"
)
_QUOTED_RE = regex.compile(r"«\s?([^«»]+?)\s?»|“([^“”]+)”")
_PARTICLES = frozenset({"du", "des", "de", "la", "le", "of", "the", "and", "et", "à"})
_LAUNCH_CUES = frozenset(
    _split(
        "launches launch introduces introducing unveils unveil presents present announces "
        "releases release opens meet reveals lance lancent présente présentent dévoile "
        "dévoilent annonce inaugure ouvre organise publie publient sort propose lancement"
    )
)
_POSSESSIVES = frozenset({"sa", "son", "ses", "notre", "nos", "its", "our", "their", "leur"})
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "M.", "Mme.", "Dr.", "St.", "vs.", "p.ex.")


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A sentence of the source, shown to the user so every claim can be checked."""

    index: int
    text: str


@dataclass(frozen=True, slots=True)
class KeyFacts:
    products: tuple[str, ...] = ()
    dates: tuple[DateFact, ...] = ()
    urls: tuple[str, ...] = ()
    prices: tuple[str, ...] = ()

    @property
    def url(self) -> str | None:
        return self.urls[0] if self.urls else None

    @property
    def product(self) -> str | None:
        return self.products[0] if self.products else None

    @property
    def date(self) -> DateFact | None:
        return self.dates[0] if self.dates else None


@dataclass(frozen=True, slots=True)
class Brief:
    title: str
    body: str
    sentences: tuple[str, ...]
    facts: KeyFacts
    language: str
    source_kind: str = "text"
    meta: dict[str, Any] = field(default_factory=dict)

    def source(self, index: int) -> SourceRef:
        return SourceRef(index, self.sentences[index])


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (URLs, decimals and common abbreviations do not end a sentence)."""
    protected: dict[str, str] = {}

    def protect(match: re.Match[str]) -> str:
        key = f"\x00{len(protected)}\x00"
        protected[key] = match.group(0)
        return key

    work = URL_RE.sub(protect, text)
    for abbr in _ABBREVIATIONS:
        work = work.replace(abbr, abbr.replace(".", "\x01"))
    parts = regex.split(r"(?<=[.!?…])\s+(?=[\p{Lu}\p{N}«\"“\x00(])|\n\s*\n|\n(?=\s*[-*•]\s)", work)
    sentences: list[str] = []
    for part in parts:
        for key, value in protected.items():
            part = part.replace(key, value)
        part = part.replace("\x01", ".").strip(" \t\n-*•")
        part = " ".join(part.split())
        if len(part) > 1:
            sentences.append(part)
    return sentences


def extract_facts(text: str, title: str = "") -> KeyFacts:
    """Product names, dates, URLs and prices found in the text (first occurrence first)."""
    full = f"{title}.\n\n{text}" if title else text
    urls = list(dict.fromkeys(m.group(0) for m in URL_RE.finditer(full)))
    without_urls = URL_RE.sub(" ", full)
    prices = list(
        dict.fromkeys(" ".join(m.group(0).split()) for m in PRICE_RE.finditer(without_urls))
    )
    dates = find_dates(without_urls)
    for d in dates:
        without_urls = without_urls.replace(d.text, " , ")
    counts: dict[str, int] = {}

    def score(name: str, points: int) -> None:
        counts[name] = counts.get(name, 0) + points

    for m in _QUOTED_RE.finditer(without_urls):  # « titles » and "names" are named things
        quoted = (m.group(1) or m.group(2)).strip()
        if 3 <= len(quoted) <= 40 and len(quoted.split()) <= 6:
            score(quoted, 6)
    for sentence in split_sentences(without_urls):
        for m in PRODUCT_RE.finditer(sentence):
            words = m.group(0).split()
            while words and words[0].lower().strip("'’") in _COMMON_CAPITALISED:
                words.pop(0)
            while words and words[-1].lower() in _COMMON_CAPITALISED | _PARTICLES:
                words.pop()
            name = " ".join(words)
            if not words or len(name) < 3:
                continue
            before = sentence[: sentence.find(name)].split()
            subject = all(w.lower().strip("'’") in _COMMON_CAPITALISED for w in before)
            coined = bool(regex.search(r"\p{Ll}\p{Lu}|\d|[™®]", name))
            if not (coined or len(words) >= 2 or not subject):
                continue
            points = 1 if subject else (3 if len(words) > 1 else 1)
            if coined:
                points += 2
            weight = 1 if len(words) > 1 or coined else 0.25  # a lone "AWS" is rarely the product
            if before and before[-1].lower().strip(",:") in _LAUNCH_CUES | _POSSESSIVES:
                points += round(4 * weight)
            if len(before) >= 2 and before[-2].lower() in _LAUNCH_CUES:
                points += round(3 * weight)
            if title and name in title:
                points += 1
            score(name, points)
    ranked = sorted(counts, key=lambda n: (-counts[n], -len(n)))
    products = [n for n in ranked if not any(n != o and n in o for o in ranked[:3])][:3]
    return KeyFacts(tuple(products), tuple(dates), tuple(urls), tuple(prices))


_COMMON_CAPITALISED = {
    "the", "we", "our", "join", "le", "la", "les", "nous", "notre", "découvrez",
    "rendez-vous", "venez", "i", "je", "you", "vous", "it", "this", "ce", "cette", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lundi", "mardi",
    "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "paris", "london", "france", "europe",
    "lyon", "new", "york", "usa", "uk", "eu", "ai", "ia", "a", "an", "un", "une", "des", "du",
    "de", "your", "votre", "vos", "nos", "its", "ses", "son", "sa", "meet", "introducing",
    "nouveau", "nouvelle", "available", "disponible", "today", "aujourd'hui", "arrives",
    "arrive", "launch", "lancement", "in", "en", "à", "on", "at", "from", "with", "and", "et",
    "for", "pour", "is", "est", "il", "elle", "they", "ils", "these", "ces",
    "save", "register", "book", "get", "try", "free", "gratuit",
}  # fmt: skip


class _HTMLText(HTMLParser):
    _BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "section",
        "article",
        "tr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "nav", "footer"):
            self._skip += 1
        self._in.append(tag)
        if tag in self._BLOCKS:
            self.parts.append("\n\n")
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("http"):
            self.parts.append(f" {href} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "nav", "footer"):
            self._skip = max(0, self._skip - 1)
        if self._in:
            self._in.pop()
        if tag in self._BLOCKS:
            self.parts.append(".\n\n" if tag in ("h1", "h2", "h3") else "\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in and self._in[-1] in ("title", "h1") and not self.title:
            self.title = data.strip()
        if self._in and self._in[-1] == "title":
            return
        self.parts.append(data)


def _from_html(html: str) -> tuple[str, str]:
    parser = _HTMLText()
    parser.feed(html)
    text = regex.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = regex.sub(r"(https?://\S+) ([^\n]*?)\1", r"\2 \1", text)  # link text before its href
    return parser.title, text


def _markdown_inline(line: str) -> str:
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)  # images
    line = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1 (\2)", line)
    return re.sub(r"(\*\*|__|\*|`)(\S(?:.*?\S)?)\1", r"\2", line)


def _from_markdown(md: str) -> tuple[str, str]:
    title = ""
    lines: list[str] = []
    for line in md.splitlines():
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*)$", line)
        if heading:
            text = _markdown_inline(heading.group(1)).strip()
            title = title or text
            lines.extend(["", text.rstrip(".") + ".", ""])
            continue
        lines.append(_markdown_inline(line))
    return title, "\n".join(lines)


def _from_rss_item(xml: str) -> tuple[str, str]:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ValidationFailed(f"not a valid RSS item: {exc}", "brief") from exc
    item = root if root.tag == "item" else root.find(".//item")
    if item is None:
        raise ValidationFailed("no <item> in the RSS document", "brief")
    title = (item.findtext("title") or "").strip()
    link = (item.findtext("link") or "").strip()
    _, description = _from_html(item.findtext("description") or "")
    return title, f"{title}.\n\n{description}\n\n{link}".strip()


def parse_brief(text: str, *, kind: str = "auto", title: str = "") -> Brief:
    """Parse a brief given as ``kind`` = text, html, markdown, rss or auto (sniffed)."""
    if not text.strip():
        raise ValidationFailed("the brief is empty", "brief")
    meta: dict[str, Any] = {}
    front = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if front:
        loaded = yaml.safe_load(front.group(1)) or {}
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[front.end() :]
        title = title or str(meta.get("title", ""))
    if kind == "auto":
        head = text.lstrip()[:200].lower()
        if head.startswith(("<?xml", "<rss", "<item")):
            kind = "rss"
        elif head.startswith("<"):
            kind = "html"
        elif re.search(r"^\s{0,3}#{1,6}\s|\]\(http", text, re.M):
            kind = "markdown"
        else:
            kind = "text"
    found_title = ""
    if kind == "html":
        found_title, body = _from_html(text)
    elif kind == "markdown":
        found_title, body = _from_markdown(text)
    elif kind == "rss":
        found_title, body = _from_rss_item(text)
    elif kind == "text":
        body = text
    else:
        raise ValidationFailed(f"unknown brief kind '{kind}'", "kind")
    sentences = split_sentences(body)
    title = title or found_title or (sentences[0] if sentences else "")
    title = title.strip().rstrip(".")
    sentences = [s for s in sentences if s.rstrip(".") != title] or sentences
    facts = extract_facts(" ".join(sentences), title)
    if meta.get("products"):
        facts = KeyFacts(
            tuple(str(p) for p in meta["products"]), facts.dates, facts.urls, facts.prices
        )
    language = str(meta.get("language") or detect_language(f"{title}. {body}").code)
    return Brief(title, body.strip(), tuple(sentences), facts, language, kind, meta)


def load_brief(path: Path) -> Brief:
    """Read a brief file; the kind comes from the suffix (.html, .md, .xml/.rss, else text)."""
    kinds = {".html": "html", ".htm": "html", ".md": "markdown", ".xml": "rss", ".rss": "rss"}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(f"cannot read {path}: {exc.strerror}", "brief") from exc
    return parse_brief(text, kind=kinds.get(path.suffix.lower(), "auto"))
