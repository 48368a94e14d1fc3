"""Workspace phrase rules that override the sentiment model ("War Zone" -> neutral).

Phrases match case-insensitively on word boundaries; when several match, the longest wins (the
most specific rule), then the earliest in the text.
"""

from __future__ import annotations

from collections.abc import Mapping

import regex

__all__ = ["PhraseOverrides"]

_SENTIMENTS = frozenset({"negative", "neutral", "positive"})


class PhraseOverrides:
    """Compiled phrase -> sentiment rules."""

    def __init__(self, rules: Mapping[str, str]) -> None:
        cleaned: dict[str, str] = {}
        for phrase, sentiment in rules.items():
            key = " ".join(phrase.split()).casefold()
            if not key:
                raise ValueError("an override phrase is empty")
            if sentiment not in _SENTIMENTS:
                raise ValueError(
                    f"override for {phrase!r} must be negative, neutral or positive, "
                    f"not {sentiment!r}"
                )
            cleaned[key] = sentiment
        self._rules = cleaned
        self._pattern: regex.Pattern[str] | None = None
        if cleaned:
            ordered = sorted(cleaned, key=len, reverse=True)
            alternatives = "|".join(r"\s+".join(map(regex.escape, p.split())) for p in ordered)
            self._pattern = regex.compile(
                rf"(?<!\w)(?:{alternatives})(?!\w)", regex.IGNORECASE | regex.V1
            )

    def __bool__(self) -> bool:
        return bool(self._rules)

    def match(self, text: str) -> tuple[str, str] | None:
        """(phrase, sentiment) of the rule that applies to ``text``, or None."""
        if self._pattern is None:
            return None
        found = self._pattern.findall(text)
        if not found:
            return None
        best = max(found, key=len)
        phrase = " ".join(best.split()).casefold()
        return phrase, self._rules[phrase]
