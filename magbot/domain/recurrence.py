"""Weekly times in a group's own time zone, right across the clock changes (DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone`.

    A time skipped by spring-forward moves on by the gap (01:30 on 29 March 2026 in London is 02:30 BST);
    a time repeated in autumn means its first occurrence (fold=0). zoneinfo does exactly this for fold=0.
    """
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_weekly(after: datetime, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The first `weekday` (0 = Monday) at local time `at` strictly after `after`, in UTC."""
    local_day = after.astimezone(zone).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        when = local_to_utc(day, at, zone)
        if when > after:
            return when
    return local_to_utc(local_day + timedelta(days=14 - (local_day.weekday() - weekday) % 7), at, zone)
