"""Each network's text and media rules as a :class:`Limits`, one function per network.

This module and the connectors are the only places that name networks. Every figure is
sourced in ``docs/networks/limits.md``; what a network lets an account change (Mastodon's
instance limits, Instagram's hashtag cap) is a keyword argument, so
``rules_for("mastodon", max_characters=5000)`` describes a bigger instance.

Sizes are in bytes (MB = 1024 * 1024 as the networks' documentation uses them), durations
in seconds, aspect ratios as width / height.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from clairon.errors import ConfigError, Problem
from clairon.networks.base import Limits, MediaRule
from clairon.networks.counting import (
    graphemes,
    mastodon_counter,
    threads_length,
    twitter_weighted,
    utf8_bytes,
    utf16_units,
)
from clairon.networks.media import KindLimit, MediaRuleByKind

__all__ = ["NETWORKS", "check_options", "rules_for"]

MB = 1024 * 1024
GB = 1024 * MB
_IMAGE = frozenset({"image"})
_VISUAL = frozenset({"image", "video"})
_JPEG_PNG = frozenset({"image/jpeg", "image/png"})
_MP4_MOV = frozenset({"video/mp4", "video/quicktime"})


def x_limits(*, daily_publish_cap: int = 2400) -> Limits:
    media = MediaRuleByKind(
        kinds=frozenset({"image", "gif", "video"}),
        mimes=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}) | _MP4_MOV,
        max_count=4,
        mix_kinds=False,
        per_kind=(
            KindLimit("image", max_count=4, max_bytes=5 * MB),
            KindLimit("gif", max_count=1, max_bytes=15 * MB),
            KindLimit(
                "video",
                max_count=1,
                max_bytes=512 * MB,
                min_duration=0.5,
                max_duration=140,
                min_aspect=1 / 3,
                max_aspect=3,
            ),
        ),
    )
    return Limits(
        network="x",
        max_length=280,
        count=twitter_weighted,
        length_unit="weighted characters",
        media=(media,),
        daily_publish_cap=daily_publish_cap,
        extra={"posts_per_15_min_per_user": 200, "posts_per_3_hours_per_user": 300},
    )


def bluesky_limits() -> Limits:
    media = MediaRuleByKind(
        kinds=frozenset({"image", "gif", "video"}),
        mimes=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}) | _MP4_MOV,
        max_count=4,
        mix_kinds=False,
        per_kind=(
            KindLimit("image", max_count=4, max_bytes=1_000_000),
            # Bluesky has no GIF blob: an animated GIF is sent as a video.
            KindLimit("gif", max_count=1, max_bytes=100 * MB, max_duration=180),
            KindLimit(
                "video",
                max_count=1,
                max_bytes=100 * MB,
                min_duration=1,
                max_duration=180,
                min_aspect=1 / 3,
                max_aspect=3,
            ),
        ),
    )
    return Limits(
        network="bluesky",
        max_length=300,
        count=graphemes,
        length_unit="graphemes",
        max_bytes=3000,
        media=(media,),
        extra={"max_tags": 8, "max_langs": 3},
    )


def mastodon_limits(
    *,
    max_characters: int = 500,
    characters_reserved_per_url: int = 23,
    max_media_attachments: int = 4,
    image_size_limit: int = 16 * MB,
    video_size_limit: int = 99 * MB,
    supported_mime_types: Iterable[str] = (),
) -> Limits:
    """Mastodon's defaults; pass the values of the instance (``/api/v2/instance``)."""
    mimes = frozenset(m for m in supported_mime_types if m.split("/")[0] in ("image", "video"))
    media = MediaRuleByKind(
        kinds=frozenset({"image", "gif", "video"}),
        mimes=mimes,
        max_count=max_media_attachments,
        mix_kinds=False,
        per_kind=(
            KindLimit("image", max_bytes=image_size_limit),
            KindLimit("gif", max_bytes=image_size_limit),
            KindLimit("video", max_count=1, max_bytes=video_size_limit),
        ),
    )
    return Limits(
        network="mastodon",
        max_length=max_characters,
        count=mastodon_counter(characters_reserved_per_url),
        length_unit="characters",
        media=(media,),
        mixed_media=False,
        extra={"characters_reserved_per_url": characters_reserved_per_url},
    )


def threads_limits(*, daily_publish_cap: int = 250) -> Limits:
    image = KindLimit("image", max_bytes=8 * MB, min_aspect=0.1, max_aspect=10)
    video = KindLimit("video", max_bytes=1 * GB, max_duration=300, min_aspect=0.01, max_aspect=10)
    single = MediaRuleByKind(
        kinds=_VISUAL, mimes=_JPEG_PNG | _MP4_MOV, max_count=1, per_kind=(image, video)
    )
    carousel = MediaRuleByKind(
        kinds=_VISUAL,
        mimes=_JPEG_PNG | _MP4_MOV,
        max_count=20,
        min_count=2,
        per_kind=(image, video),
        post_type="carousel",
    )
    return Limits(
        network="threads",
        max_length=500,
        count=threads_length,
        length_unit="characters (emoji count their UTF-8 bytes)",
        media=(single, carousel),
        mixed_media=True,
        daily_publish_cap=daily_publish_cap,
        extra={"replies_per_24_hours": 1000},
    )


def linkedin_limits() -> Limits:
    image = KindLimit("image", max_count=20, max_bytes=5 * MB, max_pixels=36_152_320)
    gif = KindLimit("gif", max_count=1, max_bytes=5 * MB, max_pixels=36_152_320)
    video = KindLimit(
        "video",
        max_count=1,
        max_bytes=500 * MB,
        min_duration=3,
        max_duration=30 * 60,
        min_aspect=1 / 2.4,
        max_aspect=2.4,
    )
    feed = MediaRuleByKind(
        kinds=frozenset({"image", "gif", "video"}),
        mimes=frozenset({"image/jpeg", "image/png", "image/gif", "video/mp4"}),
        max_count=20,
        mix_kinds=False,
        per_kind=(image, gif, video),
    )
    document = MediaRule(
        kinds=frozenset({"document"}),
        mimes=frozenset(
            {
                "application/pdf",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            }
        ),
        max_count=1,
        max_bytes=100 * MB,
        post_type="document",
    )
    return Limits(
        network="linkedin",
        max_length=3000,
        media=(feed, document),
        extra={"document_max_pages": 300},
    )


def instagram_limits(
    *, max_hashtags: int = 5, carousel_max: int = 10, daily_publish_cap: int = 100
) -> Limits:
    """``max_hashtags``: 5 since the December 2025 rule change (30 before).
    ``carousel_max``: the Content Publishing API documents 10; the app allows 20."""
    feed_image = KindLimit("image", max_bytes=8 * MB, min_aspect=0.8, max_aspect=1.91)
    carousel_video = KindLimit("video", max_bytes=300 * MB, min_duration=3, max_duration=60)
    feed = MediaRuleByKind(
        kinds=_IMAGE, mimes=frozenset({"image/jpeg"}), max_count=1, per_kind=(feed_image,)
    )
    carousel = MediaRuleByKind(
        kinds=_VISUAL,
        mimes=frozenset({"image/jpeg"}) | _MP4_MOV,
        max_count=carousel_max,
        min_count=2,
        per_kind=(feed_image, carousel_video),
        post_type="carousel",
    )
    reel = MediaRuleByKind(
        kinds=frozenset({"video"}),
        mimes=_MP4_MOV,
        max_count=1,
        max_bytes=300 * MB,
        min_duration=3,
        max_duration=15 * 60,
        min_aspect=0.01,
        max_aspect=10,
        post_type="reel",
    )
    story = MediaRuleByKind(
        kinds=_VISUAL,
        mimes=frozenset({"image/jpeg"}) | _MP4_MOV,
        max_count=1,
        per_kind=(
            KindLimit("image", max_bytes=8 * MB),
            KindLimit("video", max_bytes=100 * MB, min_duration=3, max_duration=60),
        ),
        post_type="story",
    )
    return Limits(
        network="instagram",
        max_length=2200,
        max_hashtags=max_hashtags,
        media=(feed, carousel, reel, story),
        mixed_media=True,
        daily_publish_cap=daily_publish_cap,
        extra={"recommended_reel_aspect": 9 / 16, "max_mentions": 20},
    )


def facebook_limits() -> Limits:
    feed = MediaRuleByKind(
        kinds=frozenset({"image", "gif", "video"}),
        max_count=10,
        mix_kinds=False,
        per_kind=(
            KindLimit("image", max_bytes=10 * MB),
            KindLimit("gif", max_bytes=10 * MB),
            KindLimit("video", max_count=1, max_bytes=10 * GB, max_duration=240 * 60),
        ),
    )
    reel = MediaRule(
        kinds=frozenset({"video"}),
        mimes=_MP4_MOV,
        max_count=1,
        min_duration=3,
        max_duration=90,
        min_width=540,
        min_height=960,
        post_type="reel",
    )
    return Limits(network="facebook", max_length=63_206, media=(feed, reel))


def tiktok_limits() -> Limits:
    video = MediaRule(
        kinds=frozenset({"video"}),
        mimes=_MP4_MOV | frozenset({"video/webm"}),
        max_count=1,
        max_bytes=4 * GB,
        min_duration=3,
        max_duration=10 * 60,
        min_width=360,
        min_height=360,
        max_width=4096,
        max_height=4096,
    )
    photo = MediaRule(
        kinds=_IMAGE,
        mimes=frozenset({"image/jpeg", "image/webp"}),
        max_count=35,
        max_bytes=20 * MB,
        post_type="photo",
    )
    return Limits(
        network="tiktok",
        max_length=2200,
        count=utf16_units,
        length_unit="UTF-16 code units",
        media=(video, photo),
        extra={"photo_title_max_length": 90},
    )


def youtube_limits() -> Limits:
    video = MediaRule(
        kinds=frozenset({"video"}), max_count=1, max_bytes=256 * GB, max_duration=12 * 3600
    )
    short = MediaRule(
        kinds=frozenset({"video"}), max_count=1, max_duration=180, max_aspect=1.0, post_type="short"
    )
    return Limits(
        network="youtube",
        max_length=5000,
        count=utf8_bytes,
        length_unit="bytes",
        media=(video, short),
        extra={
            "title_max_length": 100,
            "title_forbidden_chars": "<>",
            "description_max_bytes": 5000,
            "tags_max_length": 500,
            "unverified_max_duration": 15 * 60,
        },
    )


def pinterest_limits() -> Limits:
    image = MediaRule(
        kinds=_IMAGE,
        mimes=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"}),
        max_count=1,
        max_bytes=20 * MB,
    )
    carousel = MediaRule(
        kinds=_IMAGE, mimes=_JPEG_PNG, max_count=5, max_bytes=20 * MB, post_type="carousel"
    )
    video = MediaRule(
        kinds=frozenset({"video"}),
        mimes=_MP4_MOV | frozenset({"video/x-m4v"}),
        max_count=1,
        max_bytes=2 * GB,
        min_duration=4,
        max_duration=15 * 60,
        min_aspect=0.5,
        max_aspect=1.91,
        post_type="video",
    )
    return Limits(
        network="pinterest",
        max_length=500,
        media=(image, carousel, video),
        extra={"title_max_length": 100, "link_max_length": 2048},
    )


NETWORKS: dict[str, Callable[..., Limits]] = {
    "x": x_limits,
    "bluesky": bluesky_limits,
    "mastodon": mastodon_limits,
    "threads": threads_limits,
    "linkedin": linkedin_limits,
    "instagram": instagram_limits,
    "facebook": facebook_limits,
    "tiktok": tiktok_limits,
    "youtube": youtube_limits,
    "pinterest": pinterest_limits,
}


def rules_for(network: str, **overrides: Any) -> Limits:
    """The :class:`Limits` of ``network`` (a slug of :data:`NETWORKS`), with overrides such as
    ``max_characters`` (Mastodon) or ``max_hashtags`` (Instagram)."""
    try:
        build = NETWORKS[network]
    except KeyError:
        known = ", ".join(sorted(NETWORKS))
        raise ConfigError(f"no rules for network '{network}' (known: {known})") from None
    try:
        return build(**overrides)
    except TypeError as exc:
        raise ConfigError(f"invalid override for {network}: {exc}") from None


def check_options(limits: Limits, options: Mapping[str, Any]) -> list[Problem]:
    """Rules on a request's network options (``PublishRequest.options``): a ``title`` within
    ``extra["title_max_length"]`` and without ``extra["title_forbidden_chars"]``, and ``tags``
    within ``extra["tags_max_length"]`` characters. Connectors add these to ``validate``."""
    problems: list[Problem] = []
    title_limit = limits.extra.get("title_max_length")
    title = options.get("title")
    if title_limit is not None and title is not None:
        length = len(str(title))
        if length > title_limit:
            problems.append(
                Problem(
                    "options.title",
                    f"{length} characters is over {limits.network}'s title limit of "
                    f"{title_limit} (by {length - title_limit})",
                )
            )
        forbidden = sorted(set(str(title)) & set(limits.extra.get("title_forbidden_chars", "")))
        if forbidden:
            problems.append(
                Problem(
                    "options.title",
                    f"{limits.network} titles may not contain {' '.join(forbidden)}",
                )
            )
    tags_limit = limits.extra.get("tags_max_length")
    tags = options.get("tags")
    if tags_limit is not None and tags:
        # YouTube counts the tags joined by commas, a tag with a space inside quotes.
        size = sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1
        if size > tags_limit:
            problems.append(
                Problem("options.tags", f"tags take {size} characters, over {tags_limit}")
            )
    return problems
