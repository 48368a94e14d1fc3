"""Conventions of each network (register, length, hashtags, where the link goes) and the
phrasebook (FR, EN) of the embedded composer, plus the A/B variant plan.

These are conventions, not rules: the hard limits come from :mod:`clairon.networks` ``Limits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_STYLE",
    "PHRASES",
    "STYLES",
    "NetworkStyle",
    "VariantSpec",
    "phrase",
    "style_for",
    "variant_plan",
]


@dataclass(frozen=True, slots=True)
class NetworkStyle:
    register: Literal["professional", "concise", "visual", "conversational"]
    sentences: int  # body sentences for a standard-length variant
    hashtags: int  # suggested number of hashtags
    link: Literal["body", "first_comment"] = "body"
    emoji: bool = False  # emojis in the baseline variant
    thread: bool = False  # long content may become a thread
    line_breaks: bool = False  # blank lines between blocks
    description: str = ""


STYLES: dict[str, NetworkStyle] = {
    "x": NetworkStyle("concise", 1, 2, thread=True, description="concise, one idea, threads"),
    "bluesky": NetworkStyle("concise", 1, 2, thread=True, description="concise and friendly"),
    "threads": NetworkStyle("conversational", 1, 2, emoji=True, thread=True,
                            description="conversational, short"),
    "mastodon": NetworkStyle("conversational", 2, 3, thread=True,
                             description="plain, no hype, CamelCase hashtags for screen readers"),
    "linkedin": NetworkStyle("professional", 4, 3, line_breaks=True,
                             description="professional, longer, short paragraphs"),
    "facebook": NetworkStyle("conversational", 3, 2, emoji=True, line_breaks=True,
                             description="conversational, a question invites comments"),
    "instagram": NetworkStyle("visual", 3, 8, link="first_comment", emoji=True, line_breaks=True,
                              description="visual, hashtags at the end, link in the first comment"),
    "tiktok": NetworkStyle("visual", 1, 4, link="first_comment", emoji=True,
                           description="short caption, hashtags, no links in captions"),
    "youtube": NetworkStyle("professional", 3, 3, line_breaks=True,
                            description="a description that says what the video shows"),
    "pinterest": NetworkStyle("visual", 2, 3, description="descriptive, keyword-rich"),
}  # fmt: skip
DEFAULT_STYLE = NetworkStyle("conversational", 2, 2, description="clear and short")


def style_for(network: str) -> NetworkStyle:
    return STYLES.get(network, DEFAULT_STYLE)


PHRASES: dict[str, dict[str, list[str]]] = {
    "en": {
        "announce": ["New: {product}", "Introducing {product}", "Meet {product}"],
        "question": ["Ready for {subject}?", "Have you heard about {subject}?",
                     "What if {subject} changed your day?"],
        "number": ["{number}: {title}"],
        "date": ["On {date}.", "Save the date: {date}.", "Date: {date}."],
        "price": ["From {price}.", "Price: {price}."],
        "cta": ["Learn more", "Find out more", "Tell us what you think", "Book your spot",
                "Try it today"],
        "link_below": ["Link in the first comment.", "Link in the comments."],
        "first_comment": ["More here: {url}", "Details: {url}"],
        "thread_more": ["More in the thread below."],
    },
    "fr": {
        "announce": ["Nouveau : {product}", "Découvrez {product}", "Voici {product}"],
        "question": ["Prêts pour {subject} ?", "Vous connaissez {subject} ?",
                     "Et si {subject} changeait votre quotidien ?"],
        "number": ["{number} : {title}"],
        "date": ["Le {date}.", "À noter : {date}.", "Date : {date}."],
        "price": ["À partir de {price}.", "Prix : {price}."],
        "cta": ["En savoir plus", "Découvrez-en plus", "Dites-nous ce que vous en pensez",
                "Réservez votre place", "Essayez dès aujourd'hui"],
        "link_below": ["Lien en premier commentaire.", "Lien dans les commentaires."],
        "first_comment": ["Plus d'infos ici : {url}", "Tous les détails : {url}"],
        "thread_more": ["La suite dans le fil ci-dessous."],
    },
}  # fmt: skip
EMOJI = {"announce": "🚀", "question": "🤔", "number": "✨", "date": "📅", "cta": "👉"}


def phrase(language: str, key: str, index: int = 0, **values: str) -> str:
    """A phrase of the phrasebook in ``language`` (English when the language is not covered)."""
    options = PHRASES.get(language, PHRASES["en"])[key]
    return options[index % len(options)].format(**values)


@dataclass(frozen=True, slots=True)
class VariantSpec:
    """One A/B variant: how it differs from variant A, stated for the reviewer."""

    letter: str
    hook: Literal["statement", "question", "number"] = "statement"
    cta_index: int = 0
    length: Literal["standard", "short", "long"] = "standard"
    emoji: bool | None = None  # None: the network's default
    difference: str = "baseline"


def variant_plan(n_variants: int, *, emoji_allowed: bool = True) -> list[VariantSpec]:
    """Variant A is the baseline; each further variant changes one thing (hook, CTA, length,
    emoji) so an A/B test can tell what made the difference."""
    plan = [VariantSpec("A")]
    changes: list[VariantSpec] = [
        VariantSpec("", hook="question", difference="hook: a question instead of a statement"),
        VariantSpec("", cta_index=1, difference="CTA: a different call to action"),
        VariantSpec("", length="short", difference="length: short (hook, facts and CTA only)"),
        VariantSpec("", length="long", difference="length: long (more of the brief)"),
    ]
    if emoji_allowed:
        changes.insert(2, VariantSpec("", emoji=True, difference="emoji: emojis added"))
    for i in range(1, max(1, n_variants)):
        base = changes[(i - 1) % len(changes)]
        round_ = (i - 1) // len(changes)
        letter = chr(ord("A") + i) if i < 26 else f"V{i + 1}"
        difference = base.difference + (f" (alternative {round_ + 1})" if round_ else "")
        plan.append(
            VariantSpec(
                letter, base.hook, base.cta_index + round_, base.length, base.emoji, difference
            )
        )
    return plan
