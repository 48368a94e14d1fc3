from __future__ import annotations

import pytest

from clairon.content.guardrails import (
    check_generated,
    find_personal_data,
    is_ai_generated,
    labels_for,
)
from clairon.content.voice import BrandVoice


def found(text: str) -> list[tuple[str, str]]:
    return [(v.rule, v.excerpt(text)) for v in check_generated(text, BrandVoice(
        banned_claims=["cures anxiety"]))]  # fmt: skip


def test_personal_data_toxicity_and_banned_claims() -> None:
    text = "Write to jo.doe+x@mail.example.fr or call +33 6 12 34 56 78. Idiots! It cures anxiety."
    assert found(text) == [
        ("pii.email", "jo.doe+x@mail.example.fr"),
        ("pii.phone", "+33 6 12 34 56 78"),
        ("toxicity", "Idiots"),
        ("voice.banned_claim", "cures anxiety"),
    ]


@pytest.mark.parametrize(
    "text",
    ["On 12/03/2026 at 18:30", "From 1 390 € per person", "Year 2026-2027",
     "Shut the door", "A match nul is a draw", "Pros and cons", "Cuvée 2024, 18,50 €"],
)  # fmt: skip
def test_no_false_alarms_on_dates_prices_and_ordinary_words(text: str) -> None:
    assert found(text) == []


def test_us_phone_number_and_allowed_brand_contacts() -> None:
    assert [v.rule for v in find_personal_data("Call (415) 555-0100 now")] == ["pii.phone"]
    text = "Questions? hello@brand.example.com"
    assert check_generated(text, allowed=["hello@brand.example.com"]) == []


def test_labels_per_element() -> None:
    labels = labels_for(["caption", "hashtags", "alt_text"], "local", "clairon-composer-1")
    assert labels["alt_text"] == {"backend": "local", "model": "clairon-composer-1", "ai": True}
    assert is_ai_generated(labels)
    assert not is_ai_generated({})
    with pytest.raises(ValueError, match="unknown AI element"):
        labels_for(["poster"], "local", "m")
