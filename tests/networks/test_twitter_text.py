"""twitter-text behaviour the conformance suite leaves implicit: emoji sequences, validity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clairon.networks import twitter_text as tt


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("👨\u200d👩\u200d👧\u200d👦", 2),  # ZWJ family, 7 code points
        ("👩\u200d❤\ufe0f\u200d💋\u200d👨", 2),  # kiss, 8 code points
        ("🏳\ufe0f\u200d🌈", 2),  # rainbow flag
        ("🇫🇷", 2),  # regional indicator pair
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 2),  # Scotland
        ("👍🏽", 2),  # skin tone
        ("🧑🏿\u200d🚀", 2),
        ("1\ufe0f\u20e3", 2),  # keycap
        ("#\ufe0f\u20e3", 2),
        ("\u00a9", 1),  # (C) alone is text
        ("\u00a9\ufe0f", 2),  # (C) with emoji presentation
        ("\u263a\ufe0e", 4),  # text presentation: not an emoji, 2 + 2
        ("😀😀", 4),
        ("e\u0301", 1),  # NFC: é
    ],
)
def test_every_emoji_sequence_weighs_two(text: str, weight: int) -> None:
    assert tt.weighted_length(text) == weight


def test_invalid_characters_make_a_post_invalid() -> None:
    for bad in ("\ufffe", "\ufeff", "\uffff"):
        assert not tt.is_valid_tweet(f"hello{bad}")
    assert tt.is_valid_tweet("hello \u202a\u202c")  # directional marks are allowed
    assert not tt.is_valid_tweet("")
    assert tt.is_valid_tweet("a" * 280)
    assert not tt.is_valid_tweet("a" * 281)


def test_entities_with_indices_slice_the_text() -> None:
    text = "😀 Hi @alice/team, see example.com/a?b=1 #launch $ACME @bob"
    entities = tt.extract_entities_with_indices(text)
    assert [(e.kind, text[e.start : e.end]) for e in entities] == [
        ("mention", "@alice/team"),
        ("url", "example.com/a?b=1"),
        ("hashtag", "#launch"),
        ("cashtag", "$ACME"),
        ("mention", "@bob"),
    ]
    assert entities[0].list_slug == "/team"
    assert tt.extract_reply_screen_name("@bob hello") == "bob"
    assert tt.extract_reply_screen_name("hello @bob") is None


def test_configurations_ship_with_the_package() -> None:
    v3 = tt.TwitterTextConfig.load(3)
    assert (v3.max_weighted_tweet_length, v3.transformed_url_length) == (280, 23)
    assert v3.emoji_parsing_enabled
    assert tt.TwitterTextConfig.load(1).max_weighted_tweet_length == 140
    with pytest.raises(ValueError, match="version 4"):
        tt.TwitterTextConfig.load(4)


@given(st.text(max_size=200))
def test_parse_never_fails_and_ranges_stay_in_the_text(text: str) -> None:
    result = tt.parse_tweet(text)
    size = tt.utf16_length(text)
    assert result.weighted_length >= 0
    assert result.display_range_end == max(size - 1, 0)
    assert 0 <= result.valid_range_end <= max(size - 1, 0) or not text
    assert result.valid == (tt.is_valid_tweet(text))
