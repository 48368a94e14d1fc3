"""Checks before a generated text reaches a reviewer (toxicity, personal data, banned claims),
and the AI labels that travel with every AI-produced element (caption, hashtags, alt text,
translation) so the approval policy and the networks' AI-disclosure flags can be applied."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import regex

from clairon.content.voice import BrandVoice, Violation

__all__ = [
    "AI_ELEMENTS",
    "ai_label",
    "check_generated",
    "find_personal_data",
    "find_toxicity",
    "is_ai_generated",
    "labels_for",
]

AI_ELEMENTS = ("caption", "hashtags", "alt_text", "translation", "first_comment", "thread")

EMAIL_RE = regex.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# International (+33 6 12 34 56 78, +1 415-555-0100) and national (06 12 34 56 78,
# (415) 555-0100) phone numbers; years, prices and dates are too short to match.
PHONE_RE = regex.compile(
    r"(?<![\w/.-])(?:"
    r"(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?|\(\d{1,4}\)[\s.-]?)\d{1,4}(?:[\s.-]\d{2,4}){1,5}"
    r"|\d{1,4}(?:[\s.-]\d{2,4}){2,5}"
    r")(?![\w/])"
)
IBAN_RE = regex.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b")

# A short, deliberately conservative list: insults and slurs that never belong in brand posts.
_TOXIC = {
    "en": "idiot idiots stupid moron morons dumb loser losers crap damn sucks scum bastard bitch "
    "fuck fucking shit asshole retard",
    "fr": "idiot idiote idiots débile débiles crétin crétins connard connards conne merde putain "
    "salaud salope ferme-la dégage abruti abrutis",
}
_TOXIC_PHRASES = (r"shut\s+up", r"ta\s+gueule")
_TOXIC_RE = regex.compile(
    r"(?<![\p{L}])(?:"
    + "|".join(
        sorted(
            {regex.escape(w).replace(r"\ ", r"\s+") for ws in _TOXIC.values() for w in ws.split()}
            | set(_TOXIC_PHRASES),
            key=len,
            reverse=True,
        )
    )
    + r")(?![\p{L}])",
    regex.I,
)


def find_personal_data(text: str) -> list[Violation]:
    """E-mail addresses, phone numbers and IBANs (the brand's own contact details included:
    the reviewer decides whether they belong in a public post)."""
    found = [Violation("pii.email", m.span(), f"e-mail address {m.group(0)}")
             for m in EMAIL_RE.finditer(text)]  # fmt: skip
    for m in PHONE_RE.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group(0))
        if 8 <= digits <= 15:
            found.append(Violation("pii.phone", m.span(), f"phone number {m.group(0).strip()}"))
    found += [
        Violation("pii.iban", m.span(), "bank account number") for m in IBAN_RE.finditer(text)
    ]
    return found


def find_toxicity(text: str) -> list[Violation]:
    return [Violation("toxicity", m.span(), f"offensive wording '{m.group(0)}'")
            for m in _TOXIC_RE.finditer(text)]  # fmt: skip


def check_generated(
    text: str, voice: BrandVoice | None = None, *, allowed: Iterable[str] = ()
) -> list[Violation]:
    """Guardrail findings for a generated text. ``allowed`` are strings from the brief itself
    (the brand's public contact e-mail, say) that are not flagged as personal data."""
    keep = {a.lower() for a in allowed}
    found = [v for v in find_personal_data(text) if v.excerpt(text).strip().lower() not in keep]
    found += find_toxicity(text)
    if voice is not None:
        found += [v for v in voice.check(text) if v.rule == "voice.banned_claim"]
    return sorted(found, key=lambda v: (v.span, v.rule))


def ai_label(backend: str, model: str, **extra: Any) -> dict[str, Any]:
    return {"backend": backend, "model": model, "ai": True, **extra}


def labels_for(
    elements: Sequence[str], backend: str, model: str, **extra: Any
) -> dict[str, dict[str, Any]]:
    """``{element: {"backend", "model", "ai": True}}`` for each AI-produced element."""
    unknown = [e for e in elements if e not in AI_ELEMENTS]
    if unknown:
        raise ValueError(f"unknown AI element(s) {unknown}; known: {AI_ELEMENTS}")
    return {element: ai_label(backend, model, **extra) for element in elements}


def is_ai_generated(labels: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when any element is AI-produced: such a variant needs human approval (policy on)."""
    return any(bool(label.get("ai")) for label in labels.values())
