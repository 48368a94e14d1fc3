"""A brand's voice (per workspace) and the checks every draft goes through.

``BrandVoice.check(text)`` lists each violation with the offending span, so the composer can
fix it (or flag the draft) and the reviewer can see exactly what is wrong and where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import regex
from pydantic import BaseModel, ConfigDict, Field

from clairon.errors import ValidationFailed
from clairon.networks.hashtags import HASHTAG_RE

__all__ = ["EMOJI_RE", "BrandVoice", "Violation", "load_voice"]

EMOJI_RE = regex.compile(r"\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic})*")


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule a text breaks: which rule, where (``span`` = [start, end) in the text), why."""

    rule: str
    span: tuple[int, int]
    message: str

    def excerpt(self, text: str) -> str:
        return text[self.span[0] : self.span[1]]


class BrandVoice(BaseModel):
    """Everything a brand says about how it speaks. Loadable from JSON (``load_voice``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "default"
    tone: list[str] = Field(default_factory=lambda: ["clear", "friendly"])
    do_words: list[str] = Field(default_factory=list, description="Words the brand likes.")
    dont_words: list[str] = Field(default_factory=list, description="Words never to use.")
    replacements: dict[str, str] = Field(
        default_factory=dict, description="Preferred word for a don't-word (used to fix drafts)."
    )
    required_mentions: list[str] = Field(default_factory=list)
    banned_claims: list[str] = Field(
        default_factory=list, description="Phrases or regexes (prefix 're:') never to claim."
    )
    emoji_policy: Literal["none", "few", "free"] = "few"
    max_emojis: int = 2
    hashtag_case: Literal["camel", "lower", "any"] = "camel"
    required_hashtags: list[str] = Field(default_factory=list)
    banned_hashtags: list[str] = Field(default_factory=list)
    max_hashtags: int | None = None
    ctas: dict[str, list[str]] = Field(
        default_factory=dict, description="Calls to action by language code."
    )
    example_posts: list[str] = Field(default_factory=list)
    glossary: list[str] = Field(
        default_factory=list, description="Brand terms that are never translated."
    )

    def emoji_limit(self) -> int:
        if self.emoji_policy == "none":
            return 0
        if self.emoji_policy == "few":
            return self.max_emojis
        return 10_000

    def check(self, text: str, *, extra: str = "") -> list[Violation]:
        """Every rule of this voice that ``text`` breaks. ``extra`` (a first comment, a thread)
        counts for required mentions only: a mention there is still a mention."""
        found: list[Violation] = []
        for word in self.dont_words:
            for m in _word_pattern(word).finditer(text):
                better = self.replacements.get(word.lower()) or self.replacements.get(word)
                hint = f"; say '{better}'" if better else ""
                found.append(Violation("voice.dont_word", m.span(), f"'{m.group(0)}' is on the "
                                       f"don't list{hint}"))  # fmt: skip
        for claim in self.banned_claims:
            pattern = (
                regex.compile(claim[3:], regex.I)
                if claim.startswith("re:")
                else _word_pattern(claim)
            )
            for m in pattern.finditer(text):
                found.append(
                    Violation("voice.banned_claim", m.span(), f"banned claim '{m.group(0)}'")
                )
        full = f"{text}\n{extra}".lower()
        for mention in self.required_mentions:
            if mention.lower() not in full:
                found.append(
                    Violation(
                        "voice.required_mention",
                        (len(text), len(text)),
                        f"required mention '{mention}' is missing",
                    )
                )
        emojis = list(EMOJI_RE.finditer(text))
        limit = self.emoji_limit()
        for m in emojis[limit:]:
            message = f"emoji over the policy ({self.emoji_policy}, max {limit})"
            found.append(Violation("voice.emoji", m.span(), message))
        tags = list(HASHTAG_RE.finditer(text))
        banned = {b.lstrip("#").lower() for b in self.banned_hashtags}
        for m in tags:
            body = m.group(1)
            if body.lower() in banned:
                found.append(
                    Violation("voice.banned_hashtag", m.span(), f"banned hashtag {m.group(0)}")
                )
            elif self.hashtag_case == "lower" and body != body.lower():
                found.append(
                    Violation("voice.hashtag_case", m.span(), "hashtags must be lowercase")
                )
            elif self.hashtag_case == "camel" and body[:1].islower():
                found.append(Violation("voice.hashtag_case", m.span(), "hashtags use CamelCase"))
        if self.max_hashtags is not None and len(tags) > self.max_hashtags:
            extra_tags = tags[self.max_hashtags :]
            found.append(
                Violation(
                    "voice.hashtag_count",
                    (extra_tags[0].start(), extra_tags[-1].end()),
                    f"{len(tags)} hashtags, the brand allows {self.max_hashtags}",
                )
            )
        return sorted(found, key=lambda v: (v.span, v.rule))

    def cta(self, language: str, index: int = 0) -> str | None:
        options = self.ctas.get(language) or []
        return options[index % len(options)] if options else None


def _word_pattern(phrase: str) -> regex.Pattern[str]:
    """``phrase`` as a whole word/phrase, case-insensitive, any spacing."""
    body = r"\s+".join(regex.escape(part) for part in phrase.split())
    return regex.compile(rf"(?<![\p{{L}}\p{{N}}]){body}(?![\p{{L}}\p{{N}}])", regex.I)


def load_voice(path: Path) -> BrandVoice:
    """Read a brand voice from a JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BrandVoice.model_validate(data)
    except OSError as exc:
        raise ValidationFailed(f"cannot read {path}: {exc.strerror}", "voice") from exc
    except ValueError as exc:  # JSON or pydantic
        raise ValidationFailed(f"invalid brand voice {path.name}: {exc}", "voice") from exc
