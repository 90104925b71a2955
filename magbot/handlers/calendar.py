"""/calendar: the next meetings and the activities coming up, as an .ics file for the phone's calendar."""

from __future__ import annotations

from datetime import timedelta

from magbot.core.context import MemberContext
from magbot.core.events import File, Reply
from magbot.domain.calendar import CalendarEvent, ics
from magbot.domain.meetings import MEETING_LENGTH
from magbot.handlers.meeting_cards import next_meeting

MEETINGS_AHEAD = 4
ACTIVITY_LENGTH = timedelta(hours=2)  # an activity has a start only; the calendar needs an end


async def calendar(ctx: MemberContext) -> Reply:
    group, events = ctx.group, []
    when = ctx.now
    for _ in range(MEETINGS_AHEAD):
        meeting = next_meeting(group, when)
        if not await ctx.uow.meetings.is_cancelled(group.id, meeting.date):
            events.append(
                CalendarEvent(
                    f"meeting-{group.id}-{meeting.date}@magbot",
                    meeting.start,
                    meeting.start + MEETING_LENGTH,
                    "Group meeting",
                    meeting.schedule.place,
                )
            )
        when = meeting.start + MEETING_LENGTH + timedelta(minutes=1)
    for act in await ctx.uow.activities.upcoming(group.id, ctx.now):
        events.append(
            CalendarEvent(
                f"activity-{act.id}@magbot", act.starts_at, act.starts_at + ACTIVITY_LENGTH, act.what, act.place
            )
        )
    events.sort(key=lambda e: e.start)
    data = ics(events, ctx.now, "Our group")
    caption = "Open this to add our meetings and activities to your phone's calendar."
    return Reply([File(ctx.incoming.chat, "calendar.ics", data, mime="text/calendar", caption=caption)])
