from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clairon.content.hashtags import (
    engagement_by_hashtag,
    segment_hashtag,
    suggest_hashtags,
    to_hashtag,
)
from clairon.networks.hashtags import find_hashtags

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç", min_size=2, max_size=9)


def test_phrases_become_readable_camel_case_tags() -> None:
    assert to_hashtag("throwback thursday") == "#ThrowbackThursday"
    assert to_hashtag("l'économie circulaire") == "#ÉconomieCirculaire"
    assert to_hashtag("the iPhone case") == "#iPhoneCase"
    assert to_hashtag("2026") == ""


def test_segmentation_of_camel_case_digits_and_lowercase_tags() -> None:
    assert segment_hashtag("#ThrowbackThursday") == ["Throwback", "Thursday"]
    assert segment_hashtag("#EcoBrew3000") == ["Eco", "Brew", "3000"]
    assert segment_hashtag("#NASAMission") == ["NASA", "Mission"]
    assert segment_hashtag("#throwbackthursday") == ["throwback", "thursday"]
    assert segment_hashtag("#smallbusinesssaturday", ["saturday"]) == [
        "small",
        "business",
        "saturday",
    ]
    assert segment_hashtag("#xqzv") == ["xqzv"]


@settings(deadline=None)  # shared CI cores: timing is not what is tested
@given(st.lists(WORD, min_size=1, max_size=3))
def test_camel_case_round_trip(words: list[str]) -> None:
    """A tag made from words is detected as a hashtag and segments back into those words."""
    tag = to_hashtag(" ".join(f"zz{w}" for w in words))  # 'zz' keeps stop words out
    assert find_hashtags(tag) == [tag[1:]]
    assert [w.lower() for w in segment_hashtag(tag)] == [f"zz{w}" for w in words]


@settings(deadline=None)  # shared CI cores: timing is not what is tested
@given(st.lists(st.sampled_from(["small", "business", "coffee", "summer", "sale"]), min_size=1,
                max_size=4))  # fmt: skip
def test_lowercase_segmentation_round_trip(words: list[str]) -> None:
    assert segment_hashtag("#" + "".join(words)) == words


TEXT = (
    "Our cold brew coffee is back for summer. The cold brew coffee uses organic beans "
    "roasted in Lyon. Cold brew fans can order today."
)


def test_ranking_uses_key_phrases_history_and_trends_with_evidence() -> None:
    plain = suggest_hashtags(TEXT, limit=3)
    assert plain[0].tag == "#ColdBrew"
    assert all(s.reasons for s in plain)
    boosted = suggest_hashtags(
        TEXT,
        history={"#SummerVibes": 0.09, "#Coffee": 0.05, "#Unrelated": 0.5},
        trending={"#OrganicBeans": 3.0},
        limit=10,
    )
    tags = [s.tag for s in boosted]
    assert "#Unrelated" not in tags  # history alone does not make a tag relevant
    organic = next(s for s in boosted if s.tag.lower() == "#organicbeans")
    assert any(r.startswith("trending") for r in organic.reasons)
    scores = [s.score for s in boosted]
    assert scores == sorted(scores, reverse=True)


def test_required_and_banned_tags() -> None:
    out = suggest_hashtags(TEXT, limit=2, required=["#Acme"], banned=["#coldbrew"])
    assert out[0].tag == "#Acme"
    assert "#ColdBrew" not in [s.tag for s in out]
    assert len(out) == 2


def test_engagement_history_from_past_posts() -> None:
    history = engagement_by_hashtag(
        [
            ("Iced #ColdBrew is back #Summer", 0.08),
            ("#coldbrew tasting tonight", 0.04),
            ("Lucky one #Viral", 0.9),
            ("#Summer sale #summer", 0.02),
        ]
    )
    assert history == {"#ColdBrew": pytest.approx(0.06), "#Summer": pytest.approx(0.05)}
