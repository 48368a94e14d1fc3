"""DST-safe slot grids: never a non-existent or doubled local time."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clairon.errors import ValidationFailed
from clairon.scheduling.slots import country_of_zone, parse_audience, week_slots, zone

ZONES = ["Europe/Paris", "America/Sao_Paulo", "Australia/Sydney", "Africa/Casablanca"]
# Weeks around the transitions: Paris/Sydney DST, Casablanca's Ramadan suspension of +01.
TRANSITION_WEEKS = [
    date(2026, 3, 23),  # Paris spring forward (29 March)
    date(2026, 10, 19),  # Paris fall back (25 October)
    date(2026, 4, 1),  # Sydney fall back (5 April)
    date(2026, 9, 28),  # Sydney spring forward (4 October)
    date(2026, 2, 12),  # Casablanca: Ramadan 2026 starts ~18 Feb (UTC+1 -> UTC+0)
    date(2026, 3, 16),  # Casablanca: back to UTC+1 after Ramadan
    date(2018, 10, 29),  # Sao Paulo's last DST start (4 Nov 2018, at midnight)
]


def _check_grid(week: date, tz_name: str, minutes: int) -> None:
    slots = week_slots(week, tz_name, minutes)
    tz = zone(tz_name)
    locals_ = [s.local.replace(tzinfo=None) for s in slots]
    assert len(set(s.start_utc for s in slots)) == len(slots)
    assert all(s.start_utc.tzinfo is UTC for s in slots)
    # every local wall time round-trips: it exists and maps back to the same instant
    for slot in slots:
        wall = slot.local.replace(tzinfo=None)
        again = wall.replace(tzinfo=tz, fold=slot.local.fold).astimezone(UTC)
        assert again == slot.start_utc
    # no doubled labels (an overlap hour is labelled with its distinct offset)
    assert len({s.label for s in slots}) == len(slots)
    # the grid covers exactly the local week, give or take the DST hour
    per_day = 24 * 60 // minutes
    assert abs(len(slots) - 7 * per_day) <= max(1, 60 // minutes)
    assert locals_[0].date() == week
    assert all(week <= d.date() < week + timedelta(days=7) for d in locals_)


@pytest.mark.parametrize("tz_name", ZONES)
@pytest.mark.parametrize("week", TRANSITION_WEEKS)
def test_transition_weeks_have_no_missing_or_doubled_local_time(week: date, tz_name: str) -> None:
    _check_grid(week, tz_name, 60)
    _check_grid(week, tz_name, 30)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from([15, 30, 60, 120]),
)
def test_any_week_grid_is_dst_safe(tz_name: str, week: date, minutes: int) -> None:
    _check_grid(week, tz_name, minutes)


def test_paris_spring_forward_skips_two_oclock() -> None:
    slots = week_slots(date(2026, 3, 23), "Europe/Paris")
    sunday = [s.local.hour for s in slots if s.local.date() == date(2026, 3, 29)]
    assert 2 not in sunday and len(sunday) == 23


def test_paris_fall_back_has_two_distinct_two_oclocks() -> None:
    slots = week_slots(date(2026, 10, 19), "Europe/Paris")
    twos = [s for s in slots if s.local.date() == date(2026, 10, 25) and s.local.hour == 2]
    assert len(twos) == 2 and twos[0].label != twos[1].label


def test_parse_audience_normalises_and_rejects_unknown_zones() -> None:
    assert parse_audience("Europe/Paris:0.7,America/Montreal:0.7") == {
        "Europe/Paris": 0.5,
        "America/Montreal": 0.5,
    }
    with pytest.raises(ValidationFailed):
        parse_audience("Mars/Olympus:1")
    with pytest.raises(ValidationFailed):
        parse_audience("Europe/Paris:x")


def test_zone_countries_for_holidays() -> None:
    assert country_of_zone("Europe/Paris") == "FR"
    assert country_of_zone("America/Montreal") == "CA"
    assert country_of_zone("Africa/Casablanca") == "MA"
