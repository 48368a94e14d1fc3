"""Network limits for the content tests: the real rules when :mod:`clairon.networks.rules`
exists, else a small stand-in table (tests only; the rules live in clairon.networks)."""

from __future__ import annotations

from clairon.networks.base import Limits

NETWORKS = (
    "x", "bluesky", "mastodon", "linkedin", "instagram",
    "facebook", "threads", "tiktok", "youtube", "pinterest",
)  # fmt: skip

_FALLBACK = {
    "x": Limits("x", 280, max_hashtags=None),
    "bluesky": Limits("bluesky", 300, length_unit="graphemes"),
    "mastodon": Limits("mastodon", 500),
    "linkedin": Limits("linkedin", 3000),
    "instagram": Limits("instagram", 2200, max_hashtags=30),
    "facebook": Limits("facebook", 63206),
    "threads": Limits("threads", 500),
    "tiktok": Limits("tiktok", 2200),
    "youtube": Limits("youtube", 5000),
    "pinterest": Limits("pinterest", 500),
}


def limits(network: str) -> Limits:
    try:
        from clairon.networks.rules import rules_for  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _FALLBACK[network]
    result: Limits = rules_for(network)
    return result
