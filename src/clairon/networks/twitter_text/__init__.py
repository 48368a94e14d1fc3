"""twitter-text v3 in Python: X's weighted length, validation and entity extraction.

Passes the twitter-text conformance suite (validate.yml, and the URL, hashtag, mention and
cashtag sections of extract.yml). The configurations and TLD lists in ``data/`` come from
twitter-text (Apache-2.0, see ``data/NOTICE.txt``).

>>> weighted_length("Hi https://example.com/a/very/long/path 👩‍👩‍👧")
29
"""

from __future__ import annotations

from clairon.networks.twitter_text.extract import (
    Entity,
    extract_cashtags,
    extract_cashtags_with_indices,
    extract_entities_with_indices,
    extract_hashtags,
    extract_hashtags_with_indices,
    extract_mentions,
    extract_mentions_or_lists_with_indices,
    extract_mentions_with_indices,
    extract_reply_screen_name,
    extract_urls,
    extract_urls_with_indices,
    utf16_length,
)
from clairon.networks.twitter_text.parse import (
    ParseResult,
    TwitterTextConfig,
    WeightRange,
    is_valid_hashtag,
    is_valid_list,
    is_valid_tweet,
    is_valid_url,
    is_valid_username,
    parse_tweet,
    weighted_length,
)

__all__ = [
    "Entity",
    "ParseResult",
    "TwitterTextConfig",
    "WeightRange",
    "extract_cashtags",
    "extract_cashtags_with_indices",
    "extract_entities_with_indices",
    "extract_hashtags",
    "extract_hashtags_with_indices",
    "extract_mentions",
    "extract_mentions_or_lists_with_indices",
    "extract_mentions_with_indices",
    "extract_reply_screen_name",
    "extract_urls",
    "extract_urls_with_indices",
    "is_valid_hashtag",
    "is_valid_list",
    "is_valid_tweet",
    "is_valid_url",
    "is_valid_username",
    "parse_tweet",
    "utf16_length",
    "weighted_length",
]
