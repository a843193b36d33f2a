"""Dates as people say them, English and French, against a fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.dates import parse_duration, parse_point, parse_range, zone
from shared.errors import InvalidInput

UTC = UTC
# Thursday 19 March 2026, 15:30 UTC (16:30 in Paris, CET = UTC+1 until 29 March).
NOW = datetime(2026, 3, 19, 15, 30, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("45 min", timedelta(minutes=45)),
        ("48h", timedelta(hours=48)),
        ("2 hours", timedelta(hours=2)),
        ("3 heures", timedelta(hours=3)),
        ("7d", timedelta(days=7)),
        ("3 days", timedelta(days=3)),
        ("2 jours", timedelta(days=2)),
        ("5j", timedelta(days=5)),
        ("2w", timedelta(weeks=2)),
        ("1 week", timedelta(weeks=1)),
        ("3 semaines", timedelta(weeks=3)),
        ("  10 D  ", timedelta(days=10)),
    ],
)
def test_parse_duration_forms(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "d", "7", "7 parsecs", "yesterday", "2026-03-01", "7d ago", "1.5h"])
def test_parse_duration_rejects_non_durations(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize("text", ["this week", "cette semaine", "This  Week", "CETTE SEMAINE"])
def test_this_week_starts_monday_midnight_in_the_zone(text):
    start, end = parse_range(text, "Europe/Paris", now=NOW)
    assert start == utc(2026, 3, 15, 23, 0)  # Monday 16 March 00:00 Paris
    assert end == NOW
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


def test_this_week_in_utc():
    assert parse_range("this week", "UTC", now=NOW) == (utc(2026, 3, 16), NOW)


def test_this_week_uses_the_local_date_not_the_utc_date():
    # Sunday 23:30 UTC is already Monday 00:30 in Paris: a new week has begun there.
    now = utc(2026, 3, 22, 23, 30)
    assert parse_range("this week", "Europe/Paris", now=now)[0] == utc(2026, 3, 22, 23, 0)
    assert parse_range("this week", "UTC", now=now)[0] == utc(2026, 3, 16)


def test_week_boundaries_across_a_dst_change():
    now = utc(2026, 3, 31, 10, 0)  # Tuesday; Paris moved to CEST (UTC+2) on Sunday 29 March
    assert parse_range("this week", "Europe/Paris", now=now) == (utc(2026, 3, 29, 22, 0), now)
    assert parse_range("last week", "Europe/Paris", now=now) == (utc(2026, 3, 22, 23, 0), utc(2026, 3, 29, 22, 0))


@pytest.mark.parametrize("text", ["last week", "la semaine dernière", "la semaine derniere", "semaine dernière"])
def test_last_week_is_the_previous_monday_to_monday(text):
    assert parse_range(text, "Europe/Paris", now=NOW) == (utc(2026, 3, 8, 23, 0), utc(2026, 3, 15, 23, 0))


@pytest.mark.parametrize("text", ["yesterday", "hier", "Hier"])
def test_yesterday_is_the_whole_previous_local_day(text):
    assert parse_range(text, "Europe/Paris", now=NOW) == (utc(2026, 3, 17, 23, 0), utc(2026, 3, 18, 23, 0))


@pytest.mark.parametrize("text", ["today", "aujourd'hui"])
def test_today_is_midnight_until_now(text):
    assert parse_range(text, "Europe/Paris", now=NOW) == (utc(2026, 3, 18, 23, 0), NOW)


def test_months():
    assert parse_range("this month", "UTC", now=NOW) == (utc(2026, 3, 1), NOW)
    assert parse_range("le mois dernier", "UTC", now=NOW) == (utc(2026, 2, 1), utc(2026, 3, 1))
    january = utc(2026, 1, 10)
    assert parse_range("last month", "UTC", now=january) == (utc(2025, 12, 1), utc(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "ago"), [("7d", timedelta(days=7)), ("48h", timedelta(hours=48)), ("2 jours", timedelta(days=2))]
)
def test_a_duration_means_from_that_long_ago_until_now(text, ago):
    assert parse_range(text, "Europe/Paris", now=NOW) == (NOW - ago, NOW)


def test_iso_date_is_local_midnight_until_now():
    assert parse_range("2026-03-02", "Europe/Paris", now=NOW) == (utc(2026, 3, 1, 23, 0), NOW)
    assert parse_range("2026-03-02", "UTC", now=NOW) == (utc(2026, 3, 2), NOW)


def test_iso_datetime_with_offset_is_respected():
    assert parse_point("2026-03-02T10:00:00+01:00", "UTC", now=NOW) == utc(2026, 3, 2, 9, 0)


def test_day_first_dates_are_read_european_style():
    assert parse_point("02/03/2026", "UTC", now=NOW) == utc(2026, 3, 2)


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris", "America/New_York"])
def test_relative_phrases_in_both_languages_are_relative_to_now_in_any_zone(tz):
    assert parse_point("il y a 3 jours", tz, now=NOW) == NOW - timedelta(days=3)
    assert parse_point("3 days ago", tz, now=NOW) == NOW - timedelta(days=3)
    assert parse_point("2 hours ago", tz, now=NOW) == NOW - timedelta(hours=2)


@pytest.mark.parametrize(
    ("tz", "expected"), [("Europe/Paris", utc(2026, 3, 18, 9)), ("America/New_York", utc(2026, 3, 18, 14))]
)
def test_wall_clock_times_are_read_in_the_zone(tz, expected):
    assert parse_point("yesterday at 10:00", tz, now=NOW) == expected
    assert parse_point("hier à 10h", tz, now=NOW) == expected


@pytest.mark.parametrize("text", ["garbage", "blorp zzz", "not a date at all", "", "   "])
def test_garbage_is_invalid_input_with_examples(text):
    with pytest.raises(InvalidInput, match="Could not understand the date") as info:
        parse_range(text, "Europe/Paris", now=NOW)
    assert "cette semaine" in str(info.value) and "7d" in str(info.value)


def test_unknown_zone_is_invalid_input():
    with pytest.raises(InvalidInput, match='Unknown time zone "Mars/Olympus"'):
        zone("Mars/Olympus")
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        parse_range("this week", "Mars/Olympus", now=NOW)


def test_results_are_aware_utc():
    for text in ["this week", "7d", "2026-03-02", "hier"]:
        start, end = parse_range(text, "America/New_York", now=NOW)
        assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
        assert start <= end


FRIDAY = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["since Monday", "depuis lundi", "Monday", "lundi", "last monday", "this week"])
def test_since_monday_is_monday_midnight_where_the_person_is(text):
    start, end = parse_range(text, "Europe/Paris", now=FRIDAY)
    assert start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC) and end == FRIDAY  # 00:00 in Paris


@pytest.mark.parametrize("text", ["two days", "deux jours", "2 days", "2 jours", "48h", "since two days"])
def test_durations_in_words_and_figures(text):
    assert parse_range(text, "UTC", now=FRIDAY)[0] == FRIDAY - timedelta(days=2)


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "9999999d", "99999 weeks"])
def test_dates_out_of_range_are_a_clear_input_error(text):
    with pytest.raises(InvalidInput, match="out of range|more than 50 years"):
        parse_range(text, "America/New_York", now=FRIDAY)
