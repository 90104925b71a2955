"""The activities' scheduled sends: the reminder to those in, 24 hours before, and each week's post of a weekly
activity, a few days ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from magbot.core.events import Outgoing
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.domain.activities import POST_AHEAD, ActivitySpec
from magbot.domain.meetings import when_text
from magbot.domain.members import Group
from magbot.domain.recurrence import next_weekly
from magbot.handlers.activities.cards import ActivityToRemind, dm_all, put_up
from magbot.storage.uow import UnitOfWork

WEEKLY_GRACE_SECONDS = 2 * 86400


@dataclass(frozen=True)
class WeekOfSeries:
    series: int
    start: datetime  # this week's start


WEEKLY = JobKind("activity_weekly", WeekOfSeries)


async def remind(scope: GroupScope, job: Due[ActivityToRemind]) -> list[Outgoing]:
    uow, now = scope.uow, scope.now
    act = await uow.activities.get(job.payload.activity)
    if act is None or act.status != "open":
        return []
    zone = scope.settings.zone
    going = [s for s in await uow.activities.signups(act.id) if s.status == "in"]
    out: list[Outgoing] = []
    for s in going:
        member = await uow.members.get(s.member_id)
        if member is not None and member.active:
            guest = " (and your guest)" if s.guests else ""
            text = f"Reminder: {act.what} {when_text(act.starts_at, zone, now)}, {act.place}. See you there{guest}!"
            out += dm_all(scope, [member], text)
    return out


async def plan_weekly(uow: UnitOfWork, group: Group, now: datetime) -> None:
    """Each of the group's weekly activities: its next two weeks' posts, each a few days ahead (key
    `activity:<series>:<local date>`). A group planner: run when a series starts (its row saves a plan row),
    when the settings change and after each of the group's jobs, so never by walking every series each tick.
    Two weeks, because a week's post runs days before its start, when "the next one" is still that same week."""
    zone = group.settings.zone
    for series in await uow.activities.series_of_group(group.id):
        hour, minute = (int(x) for x in series.at.split(":"))
        start = next_weekly(now, series.weekday, time(hour, minute), zone)
        for when in (start, next_weekly(start, series.weekday, time(hour, minute), zone)):
            key = f"activity:{series.id}:{when.astimezone(zone).date().isoformat()}"
            await WEEKLY.plan(
                uow,
                key,
                when - POST_AHEAD,
                WeekOfSeries(series.id, when),
                group_id=group.id,
                grace_seconds=WEEKLY_GRACE_SECONDS,
            )


async def post_weekly(scope: GroupScope, job: Due[WeekOfSeries]) -> list[Outgoing]:
    uow, now = scope.uow, scope.now
    series = await uow.activities.series(job.payload.series)
    start = job.payload.start
    if series is None or start <= now + timedelta(hours=1):
        return []
    latest = await uow.activities.latest_of_series(series.id)
    if latest is not None and latest.astimezone(start.tzinfo) >= start:
        return []  # up already (the first one, when it was set up), or the series starts later
    spec = ActivitySpec(series.what, start, series.place, series.places, series.cost_pence, series.guests, True)
    _, post = await put_up(scope, series.organiser_id, spec, series.id)  # the series' own group
    return [post]
