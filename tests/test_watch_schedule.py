"""Cron + time zone schedules: validation reasons, next fire times, catch-up after downtime, DST.

The clock is frozen by construction: every function takes ``now``/``after`` as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditor.watch.schedule import Schedule, ScheduleError, due, validate_cron, validate_timezone

OSLO = "Europe/Oslo"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("", "empty"),
        ("0 6 * *", "4 field\\(s\\)"),
        ("0 0 6 * * 1", "6 field\\(s\\)"),
        ("61 6 * * *", "not a valid cron"),
        ("0 6 * * mon-fri-sat", "not a valid cron"),
        ("0 0 30 2 *", "never fires"),
        ("@daily", "1 field\\(s\\)"),
        ("0 " * 150, "longer than"),
    ],
)
def test_invalid_cron_has_a_reason(cron: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        validate_cron(cron)


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../../etc/passwd", "localtime", "europe/oslo"])
def test_invalid_timezone_is_refused(zone: str) -> None:
    with pytest.raises(ScheduleError, match="timezone"):
        validate_timezone(zone)


def test_valid_schedule_normalises_spacing() -> None:
    s = Schedule.parse("0  6 *  * 1", "Europe/Oslo")
    assert s.cron == "0 6 * * 1"
    assert s.timezone == "Europe/Oslo"


def test_weekly_monday_six_in_oslo_winter_and_summer() -> None:
    s = Schedule.parse("0 6 * * 1", OSLO)
    # 2026-12-01 is a Tuesday: next Monday is 2026-12-07, 06:00 CET = 05:00 UTC.
    assert s.next_after(utc(2026, 12, 1, 9)) == utc(2026, 12, 7, 5)
    # In summer (CEST, +2) the same wall time is 04:00 UTC.
    assert s.next_after(utc(2026, 6, 2)) == utc(2026, 6, 8, 4)


def test_next_after_is_strictly_after() -> None:
    s = Schedule.parse("0 6 * * *", "UTC")
    assert s.next_after(utc(2026, 12, 1, 6)) == utc(2026, 12, 2, 6)
    assert s.next_after(utc(2026, 12, 1, 5, 59, 59)) == utc(2026, 12, 1, 6)


def test_spring_forward_daily_0230_fires_once_24h_after_the_day_before() -> None:
    s = Schedule.parse("30 2 * * *", OSLO)
    times = list(s.fire_times(utc(2026, 3, 27), utc(2026, 3, 31)))
    # 28 March 02:30 CET, 29 March the clock jumps 02:00 -> 03:00: 02:30 does not exist and the job
    # fires at 03:30 CEST (01:30 UTC, 24 h after the day before), then 02:30 CEST from 30 March on.
    assert times == [utc(2026, 3, 27, 1, 30), utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30),
                     utc(2026, 3, 30, 0, 30)]
    assert times[2].astimezone(s.zone).hour == 3


def test_fall_back_daily_0230_fires_once_at_the_first_occurrence() -> None:
    s = Schedule.parse("30 2 * * *", OSLO)
    times = list(s.fire_times(utc(2026, 10, 24), utc(2026, 10, 27)))
    # 25 October 02:30 happens twice (CEST then CET); the job fires once, at 00:30 UTC.
    assert times == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_half_hourly_across_the_gap_has_no_duplicate_instants() -> None:
    s = Schedule.parse("*/30 * * * *", OSLO)
    times = list(s.fire_times(utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 2, 0)))
    assert times == [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30),
                     utc(2026, 3, 29, 2, 0)]
    assert len(set(times)) == len(times)


def test_latest_at_or_before_across_the_gap() -> None:
    s = Schedule.parse("30 2 * * *", OSLO)
    assert s.latest_at_or_before(utc(2026, 3, 29, 1, 29)) == utc(2026, 3, 28, 1, 30)
    assert s.latest_at_or_before(utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 1, 30)
    assert s.latest_at_or_before(utc(2026, 10, 25, 1, 45)) == utc(2026, 10, 25, 0, 30)


def test_due_after_downtime_runs_once_for_the_latest_missed_time() -> None:
    s = Schedule.parse("0 6 * * *", "UTC")
    last_run = utc(2026, 11, 20, 6)
    # Down for ten days: one run is due, for the latest missed time, not ten.
    assert due(s, last_run, utc(2026, 12, 1, 9)) == utc(2026, 12, 1, 6)
    # Once that run is recorded nothing is due until the next tick.
    assert due(s, utc(2026, 12, 1, 6), utc(2026, 12, 1, 23, 59)) is None
    assert due(s, utc(2026, 12, 1, 6), utc(2026, 12, 2, 6)) == utc(2026, 12, 2, 6)


def test_due_is_none_before_the_first_tick_after_creation() -> None:
    s = Schedule.parse("0 6 * * 1", OSLO)
    created = utc(2026, 12, 1, 10)
    assert due(s, created, created + timedelta(days=5)) is None
    assert due(s, created, utc(2026, 12, 7, 5)) == utc(2026, 12, 7, 5)


def test_naive_datetimes_are_refused() -> None:
    s = Schedule.parse("0 6 * * *", "UTC")
    with pytest.raises(ValueError, match="naive"):
        s.next_after(datetime(2026, 12, 1))
