"""Pure calendar and local-time logic (property-based: any date, any zone, DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clairon.domain import Variant, VariantStatus
from clairon.errors import ValidationFailed
from clairon.web.calendar import day_range, group_by_day, month_days, week_days
from clairon.web.posts import local_to_utc
from clairon.web.rendering import local_time

ZONES = sorted(
    z for z in available_timezones() if z.startswith(("Europe/", "America/", "Australia/"))
)
zones = st.sampled_from(ZONES).map(ZoneInfo)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31))


@given(dates)
def test_a_week_is_monday_to_sunday_around_the_day(day: date) -> None:
    days = week_days(day)
    assert len(days) == 7 and day in days
    assert days[0].weekday() == 0
    assert all(b - a == timedelta(days=1) for a, b in pairwise(days))


@given(dates)
def test_a_month_grid_is_whole_weeks_covering_the_month(day: date) -> None:
    days = month_days(day)
    assert len(days) % 7 == 0 and 28 <= len(days) <= 42
    assert days[0].weekday() == 0 and days[-1].weekday() == 6
    in_month = [d for d in days if d.month == day.month]
    assert in_month[0].day == 1
    assert (in_month[-1] + timedelta(days=1)).month != day.month


@given(dates, zones)
def test_day_range_spans_local_midnights_whatever_the_offset(day: date, tz: ZoneInfo) -> None:
    start, end = day_range(day, day, tz)
    assert start.astimezone(tz).date() == day
    assert start.astimezone(tz).time().hour in (0, 1)  # 01:00 when midnight is skipped
    assert (end - timedelta(microseconds=1)).astimezone(tz).date() == day
    assert timedelta(hours=22) <= end - start <= timedelta(hours=26)


def _variant(at: datetime) -> Variant:
    return Variant(1, 1, 1, 1, "outbox", "fr", "A", "hi", VariantStatus.scheduled, scheduled_at=at)


@settings(max_examples=60)
@given(dates, zones, st.integers(min_value=0, max_value=7 * 24 * 60 - 1))
def test_a_variant_lands_on_its_local_day(day: date, tz: ZoneInfo, minutes: int) -> None:
    days = week_days(day)
    start, end = day_range(days[0], days[-1], tz)
    at = start + timedelta(minutes=minutes)
    if at >= end:
        return
    cells = group_by_day(days, [_variant(at)], tz)
    [cell] = [c for c in cells if c.variants]
    assert cell.day == at.astimezone(tz).date()


def test_paris_dst_days_are_23_and_25_hours() -> None:
    paris = ZoneInfo("Europe/Paris")
    spring = day_range(date(2026, 3, 29), date(2026, 3, 29), paris)
    autumn = day_range(date(2026, 10, 25), date(2026, 10, 25), paris)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)),
    zones,
)
def test_local_wall_time_round_trips_or_is_refused_in_a_gap(naive: datetime, tz: ZoneInfo) -> None:
    naive = naive.replace(second=0, microsecond=0)
    text = naive.strftime("%Y-%m-%dT%H:%M")
    try:
        at = local_to_utc(text, tz)
    except ValidationFailed as exc:
        assert "does not exist" in str(exc)
        # A real gap: the wall time maps to an instant that reads differently.
        moved = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        assert moved != naive
        return
    assert at.tzinfo is UTC
    assert at.astimezone(tz).replace(tzinfo=None) == naive
    assert local_time(at, tz.key, "%Y-%m-%dT%H:%M").startswith(text)


def test_malformed_time_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        local_to_utc("tomorrow", ZoneInfo("Europe/Paris"))
    assert caught.value.problems[0].location == "scheduled_at"


def test_local_time_shows_the_zone_abbreviation_of_that_date() -> None:
    winter = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 7, 30, tzinfo=UTC)
    assert local_time(winter, "Europe/Paris", "%H:%M") == "09:30 CET"
    assert local_time(summer, "Europe/Paris", "%H:%M") == "09:30 CEST"
    assert local_time(summer.isoformat(), "Europe/Paris", "%H:%M") == "09:30 CEST"
