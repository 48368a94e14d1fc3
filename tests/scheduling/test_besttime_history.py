"""CSV history loading: good rows parsed, every bad row reported with its number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clairon.errors import ValidationFailed
from clairon.scheduling.history import PastPost, load_history_csv

GOOD = """published_at,impressions,engagements,observed_at,content_type
2026-10-01T10:00:00+02:00,1000,40,2026-10-05T00:00:00Z,Video
2026-10-02T08:00:00Z,800,12,2026-10-02T20:00:00Z,
"""


def test_good_csv_parses_to_utc_records() -> None:
    posts = load_history_csv(GOOD)
    assert posts[0].published_at == datetime(2026, 10, 1, 8, tzinfo=UTC)
    assert posts[0].content_type == "video"
    assert posts[0].total_engagements == 40
    assert posts[1].age_hours == pytest.approx(12.0)


def test_components_are_summed_when_total_is_missing() -> None:
    text = "published_at,reactions,comments,shares,clicks\n2026-10-01T10:00:00Z,1,2,3,4\n"
    assert load_history_csv(text)[0].total_engagements == 10


def test_every_bad_row_is_reported_with_its_number() -> None:
    text = (
        "published_at,impressions,engagements,observed_at\n"
        "2026-10-01T10:00:00Z,1000,40,\n"  # row 2 ok
        "yesterday,1000,40,\n"  # row 3 bad date
        "2026-10-01T10:00:00,1000,40,\n"  # row 4 no offset
        "2026-10-01T10:00:00Z,-5,abc,\n"  # row 5 two bad numbers
        "2026-10-01T10:00:00Z,1000,40,2026-09-01T00:00:00Z\n"  # row 6 observed before
        "2026-10-01T10:00:00Z,1000,,\n"  # row 7 no engagement at all
    )
    with pytest.raises(ValidationFailed) as info:
        load_history_csv(text)
    locations = [p.location for p in info.value.problems]
    assert locations == [
        "row 3 / published_at",
        "row 4 / published_at",
        "row 5 / impressions",
        "row 5 / engagements",
        "row 6 / observed_at",
        "row 7",
    ]


def test_missing_published_at_column_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        load_history_csv("impressions,engagements\n1,2\n")


def test_naive_datetimes_are_refused_in_records() -> None:
    with pytest.raises(ValidationFailed):
        PastPost(published_at=datetime(2026, 1, 1), engagements=3)
