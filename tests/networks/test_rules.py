"""Per-network rules: counters, limits, overrides, media rules, options."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from clairon.errors import ConfigError
from clairon.networks.base import AccountContext, Connector, Limits, MediaFile, PublishRequest
from clairon.networks.counting import (
    graphemes,
    mastodon_length,
    threads_length,
    twitter_weighted,
    utf8_bytes,
    utf16_units,
)
from clairon.networks.media import check_media
from clairon.networks.rules import NETWORKS, check_options, rules_for

FAMILY = "👨\u200d👩\u200d👧"  # one grapheme, 5 code points, 8 UTF-16 units, 18 bytes
FLAG = "🇫🇷"
MB = 1024 * 1024
DOCS = Path(__file__).resolve().parents[2] / "docs" / "networks" / "limits.md"


def media(name: str, mime: str, *, size: int = 1000, w: int = 1080, h: int = 1080, d: float = 0):
    return MediaFile(Path(name), mime, size, width=w, height=h, duration_seconds=d if d else None)


def messages(problems: Sequence[object]) -> str:
    return " | ".join(str(p) for p in problems)


# --- counters ---


def test_counters_disagree_the_way_the_networks_do() -> None:
    text = f"Hi {FAMILY}{FLAG}é"
    assert graphemes(text) == 3 + 1 + 1 + 1
    assert len(text) == 3 + 5 + 2 + 1
    assert utf16_units(text) == 3 + 8 + 4 + 1
    assert utf8_bytes(text) == 3 + 18 + 8 + 2
    assert twitter_weighted(text) == 3 + 2 + 2 + 1


def test_twitter_weighted_counts_urls_23_and_cjk_2() -> None:
    assert twitter_weighted("see https://example.com/" + "a" * 200) == 4 + 23
    assert twitter_weighted("日本語") == 6


def test_mastodon_counts_urls_fixed_and_remote_mentions_as_local() -> None:
    text = "hi @bob@mastodon.social see https://example.com/" + "x" * 100
    assert mastodon_length(text) == len("hi @bob see ") + 23
    assert mastodon_length(text, url_length=30) == len("hi @bob see ") + 30
    assert mastodon_length("example.com") == len("example.com")  # no scheme: not a link


def test_threads_counts_emoji_as_their_utf8_bytes() -> None:
    assert threads_length("ab") == 2
    assert threads_length(f"a{FAMILY}") == 1 + 18
    assert threads_length("é") == 1


# --- text limits ---


@pytest.mark.parametrize(
    ("network", "max_length"),
    [
        ("x", 280),
        ("bluesky", 300),
        ("mastodon", 500),
        ("threads", 500),
        ("linkedin", 3000),
        ("instagram", 2200),
        ("facebook", 63_206),
        ("tiktok", 2200),
        ("youtube", 5000),
        ("pinterest", 500),
    ],
)
def test_every_network_has_its_length_limit(network: str, max_length: int) -> None:
    limits = rules_for(network)
    assert limits.network == network
    assert limits.max_length == max_length
    fitting = "a" * max_length
    assert limits.check_text(fitting) == []
    problems = limits.check_text(fitting + "a")
    assert "over" in messages(problems) and network in messages(problems)


def test_bluesky_limits_graphemes_and_bytes() -> None:
    limits = rules_for("bluesky")
    assert limits.check_text(FAMILY * 166) == []  # 166 graphemes, 2988 bytes
    problems = limits.check_text(FAMILY * 167)  # 167 graphemes but 3006 bytes
    assert "3006 bytes" in messages(problems)
    assert limits.check_text("é" * 300) == []
    assert limits.check_text("é" * 301) != []


def test_tiktok_counts_utf16_units() -> None:
    limits = rules_for("tiktok")
    assert limits.check_text("😀" * 1100) == []
    assert "2202 UTF-16 code units" in messages(limits.check_text("😀" * 1101))


def test_x_counts_weighted_length() -> None:
    limits = rules_for("x")
    assert limits.check_text("😀" * 140) == []
    assert limits.check_text("😀" * 141) != []
    assert limits.check_text("https://example.com/" + "p" * 400) == []


def test_instagram_hashtag_cap_is_a_setting() -> None:
    six = "launch " + " ".join(f"#tag{i}" for i in range(6))
    assert "6 hashtags" in messages(rules_for("instagram").check_text(six))
    assert rules_for("instagram", max_hashtags=30).check_text(six) == []
    # A '#' inside a URL is not a hashtag.
    assert rules_for("instagram").check_text("see https://example.com/#a #one") == []


def test_mastodon_limits_come_from_the_instance() -> None:
    limits = rules_for("mastodon", max_characters=1000, characters_reserved_per_url=30)
    assert limits.max_length == 1000
    assert limits.count("https://example.com/" + "x" * 50) == 30


def test_daily_caps() -> None:
    assert rules_for("instagram").daily_publish_cap == 100
    assert rules_for("threads").daily_publish_cap == 250
    assert rules_for("x").daily_publish_cap == 2400


def test_unknown_network_or_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no rules for network 'myspace'"):
        rules_for("myspace")
    with pytest.raises(ConfigError, match="invalid override for x"):
        rules_for("x", max_hashtags=3)


def test_every_network_is_documented_with_sources() -> None:
    doc = DOCS.read_text(encoding="utf-8")
    for network in NETWORKS:
        assert f"`{network}`" in doc, network
    assert doc.count("https://") >= len(NETWORKS)


# --- media ---


def test_x_accepts_four_photos_or_one_video_or_one_gif() -> None:
    rule = rules_for("x").media_rule()
    assert rule is not None
    photos = [media(f"p{i}.jpg", "image/jpeg") for i in range(4)]
    assert check_media(photos, rule, "x") == []
    assert "at most 4" in messages(check_media([*photos, photos[0]], rule, "x"))
    video = media("clip.mp4", "video/mp4", d=30)
    assert check_media([video], rule, "x") == []
    assert "does not mix" in messages(check_media([photos[0], video], rule, "x"))
    assert "2 video files" in messages(check_media([video, video], rule, "x"))
    gifs = [media("a.gif", "image/gif"), media("b.gif", "image/gif")]
    assert "2 gif files" in messages(check_media(gifs, rule, "x"))


def test_a_failed_media_rule_names_file_rule_and_value() -> None:
    rule = rules_for("x").media_rule()
    assert rule is not None
    long_video = media("holiday.mp4", "video/mp4", d=141.2)
    big_photo = media("poster.jpg", "image/jpeg", size=6 * MB)
    problems = check_media([long_video], rule, "x") + check_media([big_photo], rule, "x")
    text = messages(problems)
    assert "media[0] holiday.mp4: duration 141.2s is above the maximum 140s" in text
    assert f"media[0] poster.jpg: size {6 * MB} bytes is over the {5 * MB} bytes limit" in text


def test_bluesky_images_are_one_megabyte_each() -> None:
    rule = rules_for("bluesky").media_rule()
    assert rule is not None
    assert check_media([media("a.png", "image/png", size=1_000_000)], rule, "bluesky") == []
    assert check_media([media("a.png", "image/png", size=1_000_001)], rule, "bluesky") != []


def test_instagram_feed_aspect_ratio_and_carousels() -> None:
    limits = rules_for("instagram")
    feed = limits.media_rule("feed")
    carousel = limits.media_rule("carousel")
    assert feed is not None and carousel is not None
    assert check_media([media("p.jpg", "image/jpeg", w=1080, h=1350)], feed, "instagram") == []
    assert check_media([media("l.jpg", "image/jpeg", w=1080, h=566)], feed, "instagram") == []
    tall = check_media([media("t.jpg", "image/jpeg", w=1080, h=1920)], feed, "instagram")
    assert "aspect ratio 0.562 is below the minimum 0.800 (1080x1920)" in messages(tall)
    assert "format image/png not accepted" in messages(
        check_media([media("p.png", "image/png")], feed, "instagram")
    )
    one = [media("p.jpg", "image/jpeg")]
    assert "needs at least 2" in messages(check_media(one, carousel, "instagram"))
    eleven = one * 11
    assert "at most 10" in messages(check_media(eleven, carousel, "instagram"))
    wide = rules_for("instagram", carousel_max=20).media_rule("carousel")
    assert wide is not None and check_media(eleven, wide, "instagram") == []


def test_instagram_reels_last_3_seconds_to_15_minutes() -> None:
    reel = rules_for("instagram").media_rule("reel")
    assert reel is not None
    ok = media("r.mp4", "video/mp4", w=1080, h=1920, d=30)
    assert check_media([ok], reel, "instagram") == []
    short = media("r.mp4", "video/mp4", w=1080, h=1920, d=2)
    assert "below the minimum 3s" in messages(check_media([short], reel, "instagram"))
    long = media("r.mp4", "video/mp4", w=1080, h=1920, d=15 * 60 + 1)
    assert "above the maximum 900s" in messages(check_media([long], reel, "instagram"))


def test_linkedin_documents_and_pixel_cap() -> None:
    limits = rules_for("linkedin")
    document = limits.media_rule("document")
    feed = limits.media_rule("feed")
    assert document is not None and feed is not None
    pdf = MediaFile(Path("deck.pdf"), "application/pdf", 2 * MB)
    assert check_media([pdf], document, "linkedin") == []
    huge = media("huge.png", "image/png", w=7000, h=6000)
    assert "42000000 pixels" in messages(check_media([huge], feed, "linkedin"))


def test_tiktok_video_duration() -> None:
    rule = rules_for("tiktok").media_rule()
    assert rule is not None
    clip = media("c.mp4", "video/mp4", w=1080, h=1920, d=601)
    assert "above the maximum 600s" in messages(check_media([clip], rule, "tiktok"))


def test_titles_are_checked_from_options() -> None:
    youtube = rules_for("youtube")
    assert check_options(youtube, {"title": "t" * 100}) == []
    assert "101 characters is over youtube's title limit of 100" in messages(
        check_options(youtube, {"title": "t" * 101})
    )
    assert "may not contain < >" in messages(check_options(youtube, {"title": "a <b> c"}))
    assert "over 500" in messages(check_options(youtube, {"tags": ["x" * 300, "y" * 300]}))
    assert check_options(rules_for("pinterest"), {"title": "p" * 100}) == []
    assert check_options(rules_for("x"), {"title": "t" * 1000}) == []  # X has no title


class _RulesConnector(Connector):
    network = "x"

    def limits(self) -> Limits:
        return rules_for("x")


def test_connector_validate_uses_the_rules() -> None:
    account = AccountContext(account_id=1, handle="me", credentials={})
    with _RulesConnector(account) as connector:
        request = PublishRequest(
            variant_id=1,
            idempotency_key="k",
            text="😀" * 141,
            media=(media("a.jpg", "image/jpeg"), media("clip.mp4", "video/mp4", d=10)),
        )
        text = messages(connector.validate(request))
    assert "282 weighted characters is over x's limit of 280" in text
    assert "does not mix" in text
