"""Thread splitting: every chunk fits its network, nothing is cut that must stay whole, and
the chunks give the text back."""

from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clairon.errors import ValidationFailed
from clairon.networks.base import Limits
from clairon.networks.rules import rules_for
from clairon.networks.thread_split import join_thread, split_thread
from clairon.networks.twitter_text import extract_entities_with_indices

THREAD_NETWORKS = {
    "x": rules_for("x"),
    "bluesky": rules_for("bluesky"),
    "mastodon": rules_for("mastodon"),
    "mastodon-small": rules_for("mastodon", max_characters=120),
    "threads": rules_for("threads"),
}

_GRAPHEME = regex.compile(r"\X")

WORDS = st.sampled_from(
    [
        "Clairon", "schedules", "posts", "for", "you", "and", "your", "team",
        "café", "naïve", "Ελληνικά", "русский", "שלום", "עולם", "مرحبا", "بالعالم",
        "日本語のテキスト", "中文句子", "한국어", "हिन्दी", "ไทย",
        "e\u0301\u0302", "a\u0308", "\u1100\u1161\u11a8",  # combining marks, Hangul jamo
        "x" * 40, "supercalifragilisticexpialidocious",
    ]
)  # fmt: skip
EMOJI = st.sampled_from(
    [
        "😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "🇫🇷", "🇯🇵",
        "1\ufe0f\u20e3", "❤\ufe0f", "🧑🏿\u200d🚀",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    ]
)  # fmt: skip
ENTITIES = st.sampled_from(
    [
        "https://example.com/a/very/long/path/to/some/page?with=query&and=more#fragment",
        "http://t.co/abc123",
        "example.org/path",
        "www.clairon.example.com",
        "@alice",
        "@bob@mastodon.social",
        "@team/list-name",
        "#launch",
        "#été2026",
        "#日本",
        "$AAPL",
    ]
)
PUNCTUATION = st.sampled_from([".", "!", "?", ",", ";", ":", "…", "。", "—", "(", ")", "\u200f"])
SPACES = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u3000"])

# Entities are followed by whitespace: glued to a long word they become one long entity,
# which no network could post whole (split_thread rightly refuses it, see the last tests).
PIECES = st.one_of(
    st.tuples(st.one_of(WORDS, WORDS, WORDS, EMOJI, PUNCTUATION, SPACES), SPACES | st.just("")),
    st.tuples(ENTITIES, SPACES),
)
TEXTS = st.lists(PIECES, min_size=40, max_size=300).map(
    lambda pairs: "".join(a + b for a, b in pairs)
)


def _boundaries(chunks: list[str]) -> list[int]:
    positions, total = [], 0
    for chunk in chunks[:-1]:
        total += len(chunk)
        positions.append(total)
    return positions


def _assert_cuts_are_safe(text: str, chunks: list[str]) -> None:
    graphemes = {m.end() for m in _GRAPHEME.finditer(text)}
    entities = [(e.start, e.end) for e in extract_entities_with_indices(text)]
    for cut in _boundaries(chunks):
        assert cut in graphemes, (
            f"cut inside a grapheme cluster at {cut}: {text[cut - 3 : cut + 3]!r}"
        )
        for start, end in entities:
            assert not start < cut < end, f"cut inside entity {text[start:end]!r}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, network=st.sampled_from(sorted(THREAD_NETWORKS)))
def test_every_chunk_is_valid_and_the_chunks_rejoin(text: str, network: str) -> None:
    limits = THREAD_NETWORKS[network]
    chunks = split_thread(text, limits)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert limits.check_text(chunk) == [], (network, chunk)
        assert chunk  # no empty posts
    _assert_cuts_are_safe(text, chunks)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, network=st.sampled_from(sorted(THREAD_NETWORKS)))
def test_numbered_chunks_are_valid_and_rejoin(text: str, network: str) -> None:
    limits = THREAD_NETWORKS[network]
    chunks = split_thread(text, limits, numbering=True)
    assert join_thread(chunks, numbering=True) == text
    for i, chunk in enumerate(chunks, start=1):
        assert limits.check_text(chunk) == []
        if len(chunks) > 1:
            assert chunk.startswith(f"{i}/{len(chunks)} ")


def test_short_text_is_one_post_and_empty_text_none() -> None:
    limits = rules_for("x")
    assert split_thread("Hello world.", limits) == ["Hello world."]
    assert split_thread("Hello world.", limits, numbering=True) == ["Hello world."]
    assert split_thread("", limits) == []


def test_sentences_are_kept_whole_when_they_can_be() -> None:
    limits = rules_for("mastodon", max_characters=100)
    sentences = [f"Sentence number {i} says something short but not tiny." for i in range(6)]
    text = " ".join(sentences)
    chunks = split_thread(text, limits)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert chunk.rstrip().endswith("."), chunk


def test_paragraphs_win_over_sentences() -> None:
    limits = rules_for("mastodon", max_characters=100)
    first = "First paragraph. It has two sentences and some words."
    second = "Second paragraph goes on. And on and on with more words in it."
    text = f"{first}\n\n{second}"
    assert split_thread(text, limits) == [f"{first}\n\n", second]


def test_url_longer_than_the_rest_of_the_post_is_moved_whole() -> None:
    limits = rules_for("bluesky")
    url = "https://example.com/" + "p" * 120
    text = "word " * 40 + url + " end"
    chunks = split_thread(text, limits)
    assert any(url in chunk for chunk in chunks)
    assert "".join(chunks) == text


def test_x_counts_each_url_as_23_when_splitting() -> None:
    limits = rules_for("x")
    url = "https://example.com/" + "long-path-segment/" * 30
    text = " ".join([url] * 10)  # 10 URLs: 10 * 23 + 9 spaces = 239 weighted
    assert split_thread(text, limits) == [text]


def test_cjk_without_spaces_is_cut_between_characters() -> None:
    limits = rules_for("x")
    text = "日本語の文章です" * 30  # 240 CJK characters, weight 2 each
    chunks = split_thread(text, limits)
    assert len(chunks) == 2
    assert "".join(chunks) == text
    assert all(limits.check_text(c) == [] for c in chunks)


def test_numbering_width_grows_with_the_number_of_posts() -> None:
    limits = rules_for("mastodon", max_characters=30)
    text = " ".join(f"w{i:03d}" for i in range(200))
    chunks = split_thread(text, limits, numbering=True)
    assert len(chunks) >= 10
    assert chunks[0].startswith(f"1/{len(chunks)} ")
    assert join_thread(chunks, numbering=True) == text
    assert all(limits.check_text(c) == [] for c in chunks)


def test_a_piece_that_cannot_fit_is_reported() -> None:
    limits = rules_for("bluesky")
    url = "https://example.com/" + "p" * 400
    with pytest.raises(ValidationFailed, match="cannot be cut and is over the limit"):
        split_thread(f"look {url} here", limits)


def test_join_thread_refuses_chunks_without_labels() -> None:
    with pytest.raises(ValueError, match="label '2/2 '"):
        join_thread(["1/2 a", "b"], numbering=True)


def _limits_with(max_length: int) -> Limits:
    return Limits("test", max_length)


def test_every_chunk_as_long_as_it_can_be_at_word_level() -> None:
    text = "aaaa " * 20
    chunks = split_thread(text, _limits_with(12))
    assert chunks[0] == "aaaa aaaa "
    assert "".join(chunks) == text
