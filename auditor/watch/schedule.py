"""When a watch fires: 5-field cron expressions in an IANA time zone, DST included.

Why a wrapper around croniter rather than croniter's own time-zone mode: cron fields describe the
*wall clock* of the watch's zone, and wall-clock arithmetic is only unambiguous on naive datetimes.
So croniter walks naive local times (pure calendar arithmetic, no DST surprises), and this module
maps each wall time to one UTC instant with a fixed rule:

* a wall time the clock skips (spring forward) fires as far after the gap as it was scheduled into
  it: a daily 02:30 in Europe/Oslo fires at 03:30 CEST on the night the clock jumps from 02:00 to
  03:00, which is the same UTC time (01:30) as the day before, so a daily job stays 24 hours apart;
* a wall time the clock repeats (fall back) fires once, at its first occurrence (``fold=0``);
* two wall times that map to the same instant fire once.

Every function takes ``now``/``after`` explicitly and returns aware UTC datetimes, so the scheduler
and its tests use a frozen clock simply by passing one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from croniter import croniter

MAX_CRON_LENGTH = 200
_DST_MARGIN = timedelta(hours=3)
"""Longer than any DST shift (2 h at most in the tz database): the non-monotonic stretch of the
wall-time-to-UTC map, inside which candidates are compared rather than taken in order."""


class ScheduleError(ValueError):
    """An invalid cron expression or time zone; the message is the reason a 422 gives."""


_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Files some tz installations list beside the zones: they name this machine's setting, not a zone."""


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def validate_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA key such as ``Europe/Oslo``; anything else (paths, ``localtime``) is refused."""
    if not isinstance(name, str) or not name.strip():
        raise ScheduleError("timezone: empty; use an IANA name such as Europe/Oslo or UTC")
    if name not in _zones():
        raise ScheduleError(f"timezone: {name[:64]!r} is not an IANA time zone name (such as Europe/Oslo or UTC)")
    return ZoneInfo(name)


def validate_cron(expr: str) -> str:
    """The expression with normalised spacing; raises :class:`ScheduleError` with the reason."""
    if not isinstance(expr, str) or not expr.strip():
        raise ScheduleError("cron: empty; use 5 fields: minute hour day-of-month month day-of-week")
    if len(expr) > MAX_CRON_LENGTH:
        raise ScheduleError(f"cron: longer than {MAX_CRON_LENGTH} characters")
    fields = expr.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron: {len(fields)} field(s); use exactly 5: minute hour day-of-month month day-of-week")
    normalised = " ".join(fields)
    try:
        valid = croniter.is_valid(normalised)
    except Exception:  # noqa: BLE001 - is_valid catches only croniter's own errors; input is hostile
        valid = False
    if not valid:
        raise ScheduleError(f"cron: {normalised[:64]!r} is not a valid cron expression")
    try:
        croniter(normalised, datetime(2000, 1, 1)).get_next(datetime)
    except Exception as exc:  # noqa: BLE001 - croniter raises several types for impossible dates
        raise ScheduleError(f"cron: {normalised[:64]!r} never fires ({type(exc).__name__})") from None
    return normalised


@dataclass(frozen=True)
class Schedule:
    """A validated cron expression in a time zone."""

    cron: str
    timezone: str

    @classmethod
    def parse(cls, cron: str, timezone: str = "UTC") -> Schedule:
        zone_name = timezone
        validate_timezone(zone_name)
        return cls(validate_cron(cron), zone_name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _instant(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def _wall(self, instant: datetime) -> datetime:
        return _aware(instant).astimezone(self.zone).replace(tzinfo=None)

    def next_after(self, after: datetime) -> datetime:
        """The first fire time strictly after ``after`` (aware), in UTC."""
        after = _aware(after)
        it = croniter(self.cron, self._wall(after) - _DST_MARGIN)
        best: datetime | None = None
        best_wall: datetime | None = None
        while True:
            wall = it.get_next(datetime)
            if best_wall is not None and wall > best_wall + _DST_MARGIN:
                return best  # type: ignore[return-value]
            instant = self._instant(wall)
            if instant > after and (best is None or instant < best):
                best, best_wall = instant, wall

    def latest_at_or_before(self, now: datetime) -> datetime | None:
        """The last fire time at or before ``now``, in UTC (None only for schedules that never fired)."""
        now = _aware(now)
        it = croniter(self.cron, self._wall(now) + _DST_MARGIN)
        best: datetime | None = None
        best_wall: datetime | None = None
        for _ in range(100_000):
            try:
                wall = it.get_prev(datetime)
            except Exception:  # noqa: BLE001 - walked past the start of croniter's calendar
                return best
            if best_wall is not None and wall < best_wall - _DST_MARGIN:
                return best
            instant = self._instant(wall)
            if instant <= now and (best is None or instant > best):
                best, best_wall = instant, wall
        return best

    def fire_times(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Every fire time in ``(after, until]``, in order (for tests and previews)."""
        current = _aware(after)
        while True:
            current = self.next_after(current)
            if current > _aware(until):
                return
            yield current


def due(schedule: Schedule, since: datetime, now: datetime) -> datetime | None:
    """The scheduled time a watch should run for now, or None when nothing is due.

    ``since`` is the last scheduled time already run (or the watch's creation time). After downtime
    only the *latest* missed time is returned: each overdue watch runs once, not once per missed tick.
    The returned time is the run's ``scheduled_for``, the key that makes a run unique per watch.
    """
    latest = schedule.latest_at_or_before(now)
    if latest is None or latest <= _aware(since):
        return None
    return latest


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC)")
    return moment.astimezone(UTC)
