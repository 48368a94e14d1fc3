"""Translation through the configured backend with a glossary of brand terms that are never
translated (protected by placeholders, then checked), plus localisation notes for the target
audience: units, ambiguous dates, currency, time format and public holidays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import holidays
import regex

from clairon.ai.base import Translator
from clairon.content.dates import find_dates
from clairon.content.guardrails import ai_label
from clairon.content.language import detect_language
from clairon.errors import ValidationFailed

__all__ = [
    "LocalisationNote",
    "Translation",
    "localisation_notes",
    "protect_terms",
    "restore_terms",
    "translate",
]

_PLACEHOLDER = "⟦{}⟧"
_PLACEHOLDER_RE = regex.compile(r"⟦\s*(\d+)\s*⟧")


@dataclass(frozen=True, slots=True)
class LocalisationNote:
    kind: str  # units, date, currency, time, holiday
    span: tuple[int, int]
    message: str


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    source: str
    target: str
    backend: str
    model: str
    notes: tuple[LocalisationNote, ...] = ()

    @property
    def label(self) -> dict[str, Any]:
        return ai_label(self.backend, self.model)


def protect_terms(text: str, terms: Sequence[str]) -> tuple[str, dict[str, str]]:
    """Replace each glossary term (longest first, whole words) with a placeholder ⟦n⟧."""
    mapping: dict[str, str] = {}
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}]){regex.escape(term)}(?![\p{{L}}\p{{N}}])")
        if not pattern.search(text):
            continue
        key = _PLACEHOLDER.format(len(mapping))
        mapping[key] = term
        text = pattern.sub(key, text)
    return text, mapping


def restore_terms(text: str, mapping: dict[str, str]) -> str:
    """Put the glossary terms back; a placeholder the translator lost is an error."""
    restored = _PLACEHOLDER_RE.sub(
        lambda m: mapping.get(_PLACEHOLDER.format(m.group(1)), m.group(0)), text
    )
    missing = [term for key, term in mapping.items() if term not in restored]
    if missing:
        raise ValidationFailed(
            f"the translation dropped glossary term(s) {missing}; try again or edit by hand",
            "translation",
        )
    return str(restored)


def translate(
    text: str,
    target: str,
    translator: Translator,
    *,
    glossary: Sequence[str] = (),
    source: str | None = None,
    country: str | None = None,
) -> Translation:
    """``text`` in ``target`` with the glossary terms untouched, plus localisation notes."""
    source = source or detect_language(text).code
    notes = tuple(localisation_notes(text, target, country=country))
    if source == target:
        return Translation(text, source, target, "none", "", notes)
    protected, mapping = protect_terms(text, glossary)
    generation = translator.translate(protected, target=target, source=source, keep=glossary)
    result = restore_terms(generation.text.strip(), mapping)
    return Translation(result, source, target, generation.backend, generation.model, notes)


_DEFAULT_COUNTRY = {"fr": "FR", "en": "US", "de": "DE", "es": "ES", "it": "IT", "pt": "PT",
                    "nl": "NL"}  # fmt: skip
_IMPERIAL = {
    "mile": ("km", 1.609344), "miles": ("km", 1.609344), "mi": ("km", 1.609344),
    "lb": ("kg", 0.45359237), "lbs": ("kg", 0.45359237), "pounds": ("kg", 0.45359237),
    "ft": ("m", 0.3048), "feet": ("m", 0.3048), "inch": ("cm", 2.54), "inches": ("cm", 2.54),
    "oz": ("g", 28.349523125), "gallon": ("L", 3.785411784), "gallons": ("L", 3.785411784),
}  # fmt: skip
_METRIC = {"km": ("miles", 0.621371192), "kg": ("lb", 2.20462262), "m": ("ft", 3.2808399),
           "cm": ("in", 0.393700787), "l": ("gallons", 0.264172052)}  # fmt: skip
_UNIT_RE = regex.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)?)\s?(miles|mile|mi|lbs|lb|pounds|feet|ft|inches|inch|oz|"
    r"gallons|gallon|km|kg|cm|m|l)(?![\w])",
    regex.I,
)
_TEMP_RE = regex.compile(r"(-?\d+(?:[.,]\d+)?)\s?°\s?([FC])\b")
_AMPM_RE = regex.compile(r"\b(\d{1,2})(?::(\d{2}))?\s?([ap])\.?m\.?(?![\w])", regex.I)
_SLASH_DATE_RE = regex.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
_LOCAL_CURRENCY = {"US": "$", "FR": "€", "DE": "€", "ES": "€", "IT": "€", "PT": "€", "NL": "€",
                   "GB": "£", "CA": "$"}  # fmt: skip


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def localisation_notes(
    text: str, target: str, *, country: str | None = None
) -> list[LocalisationNote]:
    """What to adapt for an audience speaking ``target`` in ``country`` (ISO 3166 code)."""
    country = (country or _DEFAULT_COUNTRY.get(target, "")).upper()
    metric_audience = country not in ("US", "LR", "MM")
    notes: list[LocalisationNote] = []

    def note(kind: str, m: regex.Match[str], message: str) -> None:
        notes.append(LocalisationNote(kind, m.span(), message))

    for m in _UNIT_RE.finditer(text):
        value, unit = _number(m.group(1)), m.group(2).lower()
        if metric_audience and unit in _IMPERIAL:
            new_unit, factor = _IMPERIAL[unit]
            note("units", m, f"{m.group(0)} ≈ {value * factor:.1f} {new_unit} (metric audience)")
        elif not metric_audience and unit in _METRIC:
            new_unit, factor = _METRIC[unit]
            note("units", m, f"{m.group(0)} ≈ {value * factor:.1f} {new_unit} (US audience)")
    for m in _TEMP_RE.finditer(text):
        value, scale = _number(m.group(1)), m.group(2).upper()
        if scale == "F" and metric_audience:
            note("units", m, f"{m.group(0)} ≈ {(value - 32) / 1.8:.0f} °C")
        elif scale == "C" and not metric_audience:
            note("units", m, f"{m.group(0)} ≈ {value * 1.8 + 32:.0f} °F")
    for m in _SLASH_DATE_RE.finditer(text):
        first, second = int(m.group(1)), int(m.group(2))
        if first <= 12 and second <= 12 and first != second:
            note("date", m, f"{m.group(0)} is day/month in Europe, month/day in the US: "
                 "write the month in words")  # fmt: skip
    if target != "en":
        for m in _AMPM_RE.finditer(text):
            hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
            note("time", m, f"{m.group(0)} is {hour} h {m.group(2) or '00'} on a 24-hour clock")
    local_symbol = _LOCAL_CURRENCY.get(country)
    for m in regex.finditer(r"[$€£]", text):
        if local_symbol and m.group(0) != local_symbol:
            note("currency", m, f"price in {_CURRENCY[m.group(0)]}; the audience in {country} "
                 f"pays in {_CURRENCY[local_symbol]}")  # fmt: skip
    if country:
        notes += _holiday_notes(text, country)
    return notes


def _holiday_notes(text: str, country: str) -> list[LocalisationNote]:
    notes: list[LocalisationNote] = []
    for fact in find_dates(text):
        if fact.value is None:
            continue
        try:
            calendar = holidays.country_holidays(country, years=fact.value.year)
        except NotImplementedError:
            return notes
        name = calendar.get(fact.value)
        if name:
            start = text.find(fact.text)
            message = f"{fact.text} is a public holiday in {country} ({name})"
            notes.append(LocalisationNote("holiday", (start, start + len(fact.text)), message))
    return notes
