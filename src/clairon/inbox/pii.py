"""Personal data exposed in a comment: e-mail addresses, phone numbers and IBANs.

IBANs are only reported when their ISO 13616 mod-97 checksum is valid, so a random run of
letters and digits is not flagged. Phone numbers cover French formats (``06 12 34 56 78``,
``+33 6 12 34 56 78``, ``0033612345678``) and international ``+CC`` numbers of 8 to 15 digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

__all__ = ["PiiMatch", "find_pii", "iban_is_valid"]

_EMAIL = regex.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
)
_PHONE = regex.compile(
    r"(?<![\w+])(?:"
    r"(?:\+33|0033)[ .-]?\(?0?\)?[ .-]?[1-9](?:[ .-]?\d{2}){4}"  # French, international form
    r"|0[1-9](?:[ .-]?\d{2}){4}"  # French, national form
    r"|\+(?:[1-9]\d{0,2})(?:[ .-]?\(?\d{1,4}\)?){2,5}"  # other international numbers
    r")(?![\w])"
)
_EIGHT_DIGITS = regex.compile(r"\d(?:\D{0,3}\d){7}")
_IBAN = regex.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}(?![A-Za-z0-9])")


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data: its kind (``email``, ``phone``, ``iban``) and span."""

    kind: str
    start: int
    end: int
    text: str


def iban_is_valid(candidate: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def _phone_digits(match: str) -> int:
    return sum(char.isdigit() for char in match)


def find_pii(text: str) -> list[PiiMatch]:
    """Every e-mail, phone number and valid IBAN in ``text``, in order of position."""
    found: list[PiiMatch] = []
    if "@" in text:
        found.extend(
            PiiMatch("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)
        )
    if _EIGHT_DIGITS.search(text):
        for match in _IBAN.finditer(text):
            if iban_is_valid(match.group()):
                found.append(PiiMatch("iban", match.start(), match.end(), match.group()))
        taken = [(m.start, m.end) for m in found]
        for match in _PHONE.finditer(text):
            overlaps = any(match.start() < end and start < match.end() for start, end in taken)
            if not overlaps and 8 <= _phone_digits(match.group()) <= 15:
                found.append(PiiMatch("phone", match.start(), match.end(), match.group()))
    return sorted(found, key=lambda m: m.start)
