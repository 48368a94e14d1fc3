"""Dates written in briefs (English and French forms) and their rendering per language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import regex

__all__ = ["DateFact", "find_dates", "render_date"]


def _split(text: str) -> list[str]:
    """Words of a space-separated list (keeps long word lists readable)."""
    return text.split()


MONTHS = {
    "en": _split(
              "January February March April May June July August September October November "
              "December"
          ),
    "fr": _split(
              "janvier février mars avril mai juin juillet août septembre octobre novembre "
              "décembre"
          )
}  # fmt: skip
_MONTH_NUMBER = {
    **{m.lower(): i + 1 for lang in MONTHS.values() for i, m in enumerate(lang)},
    **{m.lower()[:3]: i + 1 for i, m in enumerate(MONTHS["en"])},
    "sept": 9, "fevrier": 2, "aout": 8, "decembre": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?:19|20)\d\d"
_PATTERNS = [
    # 2026-03-12
    regex.compile(rf"\b(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>{_DAY})\b"),
    # March 12, 2026 / March 12th / Mar. 12
    regex.compile(
        rf"(?i)\b(?P<mn>{_MONTH})\.?\s(?P<d>{_DAY})(?:st|nd|rd|th)?(?:,?\s(?P<y>{_YEAR}))?\b"
    ),
    # 12 March 2026 / 12 mars / 1er avril 2026
    regex.compile(
        rf"(?i)\b(?P<d>{_DAY})(?:er|st|nd|rd|th)?\s(?P<mn>{_MONTH})(?:\s(?P<y>{_YEAR}))?\b"
    ),
    # 12/03/2026 (day first, as in French and most of Europe)
    regex.compile(rf"\b(?P<d>{_DAY})/(?P<m>0?[1-9]|1[0-2])/(?P<y>{_YEAR})\b"),
]


@dataclass(frozen=True, slots=True)
class DateFact:
    """A date as written (``text``) and what it means (``year`` may be unknown)."""

    text: str
    month: int
    day: int
    year: int | None = None

    @property
    def value(self) -> date | None:
        return date(self.year, self.month, self.day) if self.year else None

    def renderings(self) -> set[str]:
        """Every way a draft may show this date and still keep the fact."""
        forms = {self.text.lower()}
        for language in MONTHS:
            forms.add(render_date(self, language).lower())
            forms.add(render_date(self, language, with_year=False).lower())
        return forms


def render_date(fact: DateFact, language: str, *, with_year: bool = True) -> str:
    """``March 12, 2026`` in English, ``12 mars 2026`` in French (other languages: ISO)."""
    year = f"{fact.year}" if with_year and fact.year else ""
    if language == "fr":
        day = "1er" if fact.day == 1 else str(fact.day)
        return f"{day} {MONTHS['fr'][fact.month - 1]} {year}".strip()
    if language == "en":
        text = f"{MONTHS['en'][fact.month - 1]} {fact.day}"
        return f"{text}, {year}" if year else text
    if fact.year:
        return f"{fact.year:04d}-{fact.month:02d}-{fact.day:02d}"
    return f"{fact.day:02d}/{fact.month:02d}"


def find_dates(text: str) -> list[DateFact]:
    """Dates in ``text`` in order of appearance (invalid calendar dates are ignored)."""
    found: list[tuple[int, DateFact]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTH_NUMBER[groups["mn"].lower()]
            day = int(groups["d"])
            year = int(groups["y"]) if groups.get("y") else None
            try:
                date(year or 2024, month, day)  # 2024 is a leap year: 29 Feb stays valid
            except ValueError:
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), DateFact(m.group(0), month, day, year)))
    return [fact for _, fact in sorted(found, key=lambda pair: pair[0])]
