from __future__ import annotations

import json
from pathlib import Path

import pytest

from clairon.content.voice import BrandVoice, load_voice
from clairon.errors import ValidationFailed

VOICE = BrandVoice(
    dont_words=["cheap", "game changer"],
    replacements={"cheap": "affordable"},
    banned_claims=["best in the world", r"re:\b100 ?% (?:natural|safe)"],
    required_mentions=["@acme"],
    emoji_policy="few",
    max_emojis=1,
    banned_hashtags=["#Ad"],
    max_hashtags=2,
)


def spans(text: str, voice: BrandVoice = VOICE) -> list[tuple[str, str]]:
    return [(v.rule, v.excerpt(text)) for v in voice.check(text)]


def test_each_violation_points_at_its_span() -> None:
    text = "A cheap Game  Changer, the best in the world and 100% natural 🎉🎉 #Ad #ok #Three"
    assert spans(text) == [
        ("voice.dont_word", "cheap"),
        ("voice.dont_word", "Game  Changer"),
        ("voice.banned_claim", "best in the world"),
        ("voice.banned_claim", "100% natural"),
        ("voice.emoji", "🎉"),
        ("voice.banned_hashtag", "#Ad"),
        ("voice.hashtag_case", "#ok"),
        ("voice.hashtag_count", "#Three"),
        ("voice.required_mention", ""),
    ]
    cheap = VOICE.check(text)[0]
    assert cheap.span == (2, 7)
    assert "say 'affordable'" in cheap.message


def test_clean_text_and_mentions_in_first_comment() -> None:
    assert VOICE.check("Meet the new kettle 🎉 #Kettle", extra="Thanks @acme") == []


def test_words_match_whole_words_only() -> None:
    assert spans("cheapest prices @acme") == []


def test_emoji_policy_none_and_lowercase_hashtags() -> None:
    voice = BrandVoice(emoji_policy="none", hashtag_case="lower")
    assert spans("Hi 👋 #Hello #world", voice) == [
        ("voice.emoji", "👋"),
        ("voice.hashtag_case", "#Hello"),
    ]


def test_load_voice(tmp_path: Path) -> None:
    path = tmp_path / "voice.json"
    path.write_text(json.dumps({"name": "Acme", "dont_words": ["cheap"]}), encoding="utf-8")
    assert load_voice(path).dont_words == ["cheap"]
    path.write_text(json.dumps({"unknown_field": 1}), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="invalid brand voice"):
        load_voice(path)
    with pytest.raises(ValidationFailed, match="cannot read"):
        load_voice(tmp_path / "nope.json")


def test_cta_library_rotates() -> None:
    voice = BrandVoice(ctas={"fr": ["Réservez", "Venez"]})
    assert [voice.cta("fr", i) for i in range(3)] == ["Réservez", "Venez", "Réservez"]
    assert voice.cta("en") is None
