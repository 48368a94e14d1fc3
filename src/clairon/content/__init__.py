"""Content engine: briefs, brand voice, per-network drafts, hashtags, languages, repurposing,
guardrails. Drafts come from the configured AI backend (the embedded composer by default)."""

from __future__ import annotations

from clairon.content.brief import Brief, KeyFacts, SourceRef, load_brief, parse_brief
from clairon.content.compose import Composer, Draft, Target, compose, facts_kept
from clairon.content.guardrails import check_generated, is_ai_generated, labels_for
from clairon.content.hashtags import (
    HashtagSuggestion,
    engagement_by_hashtag,
    segment_hashtag,
    suggest_hashtags,
    to_hashtag,
)
from clairon.content.language import LanguageGuess, detect_language
from clairon.content.repurpose import Repurposed, Slide, Snippet, repurpose
from clairon.content.translate import LocalisationNote, Translation, localisation_notes, translate
from clairon.content.voice import BrandVoice, Violation, load_voice

__all__ = [
    "BrandVoice",
    "Brief",
    "Composer",
    "Draft",
    "HashtagSuggestion",
    "KeyFacts",
    "LanguageGuess",
    "LocalisationNote",
    "Repurposed",
    "Slide",
    "Snippet",
    "SourceRef",
    "Target",
    "Translation",
    "Violation",
    "check_generated",
    "compose",
    "detect_language",
    "engagement_by_hashtag",
    "facts_kept",
    "is_ai_generated",
    "labels_for",
    "load_brief",
    "load_voice",
    "localisation_notes",
    "parse_brief",
    "repurpose",
    "segment_hashtag",
    "suggest_hashtags",
    "to_hashtag",
    "translate",
]
