"""The twitter-text conformance suite, read at test time from ``<repo>/../shared``.

Every case is its own test. The cases are never copied into the repository (they change
upstream; the README of the suite asks implementers to read the files, not convert them).
Sections use the configuration the reference test runners use for them: ``tweets`` v1,
``WeightedTweetsCounterTest`` v2, the emoji and directional-marker counters v3.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from clairon.networks import twitter_text as tt

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "twitter-text"

if not (CONFORMANCE / "validate.yml").is_file():
    raise RuntimeError(
        f"twitter-text conformance files not found in {CONFORMANCE}: the repository must sit "
        "beside shared/ (…/main and …/shared)"
    )


def _load(name: str) -> dict[str, list[dict[str, Any]]]:
    with (CONFORMANCE / name).open(encoding="utf-8") as handle:
        tests: dict[str, list[dict[str, Any]]] = yaml.safe_load(handle)["tests"]
    return tests


VALIDATE = _load("validate.yml")
EXTRACT = _load("extract.yml")
TLDS = _load("tlds.yml")


def _params(suite: dict[str, list[dict[str, Any]]], sections: list[str]) -> list[Any]:
    params = []
    for section in sections:
        for i, case in enumerate(suite[section]):
            params.append(
                pytest.param(section, case, id=f"{section}[{i}] {case['description'][:70]}")
            )
    return params


def _parsed(result: tt.ParseResult) -> dict[str, Any]:
    return {
        "weightedLength": result.weighted_length,
        "valid": result.valid,
        "permillage": result.permillage,
        "displayRangeStart": result.display_range_start,
        "displayRangeEnd": result.display_range_end,
        "validRangeStart": result.valid_range_start,
        "validRangeEnd": result.valid_range_end,
    }


V1, V2, V3 = (tt.TwitterTextConfig.load(v) for v in (1, 2, 3))

VALIDATORS: dict[str, Callable[[str], object]] = {
    "tweets": lambda text: tt.is_valid_tweet(text, V1),
    "usernames": tt.is_valid_username,
    "lists": tt.is_valid_list,
    "hashtags": tt.is_valid_hashtag,
    "urls": tt.is_valid_url,
    "urls_without_protocol": lambda text: tt.is_valid_url(text, require_protocol=False),
    "WeightedTweetsCounterTest": lambda text: _parsed(tt.parse_tweet(text, V2)),
    "WeightedTweetsWithDiscountedEmojiCounterTest": lambda text: _parsed(tt.parse_tweet(text, V3)),
    "UnicodeDirectionalMarkerCounterTest": lambda text: _parsed(tt.parse_tweet(text, V3)),
}


def _indexed(entities: list[tt.Entity], key: str, *, slug: bool = False) -> list[dict[str, Any]]:
    rows = []
    for e in entities:
        row: dict[str, Any] = {key: e.value}
        if slug:
            row["list_slug"] = e.list_slug
        row["indices"] = [e.start, e.end]
        rows.append(row)
    return rows


EXTRACTORS: dict[str, Callable[[str], object]] = {
    "mentions": tt.extract_mentions,
    "mentions_with_indices": lambda t: _indexed(tt.extract_mentions_with_indices(t), "screen_name"),
    "mentions_or_lists_with_indices": lambda t: _indexed(
        tt.extract_mentions_or_lists_with_indices(t), "screen_name", slug=True
    ),
    "replies": tt.extract_reply_screen_name,
    "urls": tt.extract_urls,
    "urls_with_indices": lambda t: _indexed(tt.extract_urls_with_indices(t), "url"),
    "urls_with_directional_markers": lambda t: _indexed(tt.extract_urls_with_indices(t), "url"),
    "tco_urls_with_params": tt.extract_urls,
    "hashtags": tt.extract_hashtags,
    "hashtags_from_astral": tt.extract_hashtags,
    "hashtags_with_indices": lambda t: _indexed(tt.extract_hashtags_with_indices(t), "hashtag"),
    "cashtags": tt.extract_cashtags,
    "cashtags_with_indices": lambda t: _indexed(tt.extract_cashtags_with_indices(t), "cashtag"),
}


def test_every_section_is_covered() -> None:
    """A section added upstream must be wired here, not silently ignored."""
    assert set(VALIDATE) == set(VALIDATORS)
    assert set(EXTRACT) == set(EXTRACTORS)


@pytest.mark.parametrize(("section", "case"), _params(VALIDATE, list(VALIDATE)))
def test_validate(section: str, case: dict[str, Any]) -> None:
    assert VALIDATORS[section](case["text"]) == case["expected"], case["description"]


@pytest.mark.parametrize(("section", "case"), _params(EXTRACT, list(EXTRACT)))
def test_extract(section: str, case: dict[str, Any]) -> None:
    assert EXTRACTORS[section](case["text"]) == case["expected"], case["description"]


@pytest.mark.parametrize(("section", "case"), _params(TLDS, list(TLDS)))
def test_tld(section: str, case: dict[str, Any]) -> None:
    assert tt.extract_urls(case["text"]) == case["expected"], case["description"]


def test_shipped_tld_list_matches_the_suite() -> None:
    with (CONFORMANCE / "tld_lib.yml").open(encoding="utf-8") as handle:
        upstream = yaml.safe_load(handle)
    from clairon.networks.twitter_text.patterns import load_json

    shipped = load_json("tlds.json")
    assert shipped["country"] == upstream["country"]
    assert shipped["generic"] == upstream["generic"]
