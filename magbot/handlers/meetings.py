"""The weekly meeting: /meeting, /remind (/notice is notices.py), the "I'll be there" buttons, and the scheduled sends
(reminders at the group's offsets, the agenda at the start, "which topics did we cover?" afterwards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from magbot.core.context import MemberContext
from magbot.core.events import Edit, Outgoing, Post, Reply
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.domain.limits import REMINDER_NOTE
from magbot.domain.meetings import MEETING_LENGTH
from magbot.domain.members import Group
from magbot.handlers.meeting_cards import (
    COVERED_QUESTION,
    NextMeeting,
    Rsvp,
    covered_buttons,
    meeting_text,
    next_meeting,
    rsvp_buttons,
    rsvp_card,
)
from magbot.storage.uow import UnitOfWork

REMINDER_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class MeetingDue:
    """The meeting a row was planned for: its local date and its start, to tell if the schedule changed since."""

    date: str
    start: datetime


REMINDER = JobKind("meeting_reminder", MeetingDue)
START = JobKind("meeting_start", MeetingDue)  # the agenda, as the meeting starts
AFTER = JobKind("meeting_after", MeetingDue)  # "which topics did we cover?"
KINDS = {kind.name: kind for kind in (REMINDER, START, AFTER)}
CHANGE_IS_A_DECISION = (
    "Changing the meeting is a group decision. For example: /propose meeting_day Friday, "
    "/propose meeting_time 19:00 or /propose meeting_place Room 2."
)


INFO_HEADING = "Next meeting:"
REMINDER_HEADING = "Reminder: our meeting is"


def info_card(meeting: NextMeeting) -> str:
    """The card /meeting posts: its own name, so pressing its buttons does not turn it into a reminder."""
    return f"meeting:{meeting.date}"


async def meeting(ctx: MemberContext) -> Reply:
    if ctx.args:
        return Reply([ctx.reply(CHANGE_IS_A_DECISION)])
    upcoming = next_meeting(ctx.group, ctx.now)
    if await ctx.uow.meetings.is_cancelled(ctx.group.id, upcoming.date):
        return Reply([ctx.reply(f"The meeting {upcoming.when(ctx.now)} is cancelled.")])
    text = await meeting_text(ctx.uow, ctx.group, upcoming, ctx.now, heading=INFO_HEADING, top=None)
    return Reply([ctx.reply(text, buttons=rsvp_buttons(upcoming), card=info_card(upcoming))])


async def remind(ctx: MemberContext) -> Reply:
    upcoming = next_meeting(ctx.group, ctx.now)
    if await ctx.uow.meetings.is_cancelled(ctx.group.id, upcoming.date):
        return Reply([ctx.reply(f"The meeting {upcoming.when(ctx.now)} is cancelled, so no reminder.")])
    if refusal := REMINDER_NOTE.refusal(ctx.args, "Please shorten it and send /remind with it again."):
        return Reply([ctx.reply(refusal)])
    note = f"\nNote from {ctx.member.name}: {ctx.args}" if ctx.args else ""
    return Reply([await reminder_post(ctx.scope, upcoming, note)])


async def reminder_post(scope: GroupScope, upcoming: NextMeeting, note: str = "") -> Post:
    text = await meeting_text(scope.uow, scope.group, upcoming, scope.now, heading=REMINDER_HEADING)
    return scope.to_group(text + note, buttons=rsvp_buttons(upcoming), card=rsvp_card(upcoming))


async def rsvp(ctx: MemberContext) -> Reply:
    press, group, member = ctx.pressed(Rsvp), ctx.group, ctx.member
    date, answer = press.date, press.answer
    upcoming = next_meeting(group, ctx.now)
    if date != upcoming.date:
        return Reply(toast="That meeting is over. /meeting shows the next one.")
    await ctx.uow.meetings.rsvp(group.id, date, member.id, answer == "yes")
    toast = "See you there." if answer == "yes" else "Thanks for letting us know."
    # The card pressed is edited as what it is: a /meeting card stays one, a reminder stays a reminder.
    chat = ctx.incoming.chat
    pressed = await ctx.uow.cards.find_by_message(ctx.platform, chat.chat_id, getattr(ctx.incoming, "message_id", ""))
    if pressed == info_card(upcoming):
        text = await meeting_text(ctx.uow, group, upcoming, ctx.now, heading=INFO_HEADING, top=None)
    elif pressed == rsvp_card(upcoming):
        text = await meeting_text(ctx.uow, group, upcoming, ctx.now, heading=REMINDER_HEADING)
    else:
        return Reply(toast=toast)  # an older card: the answer counts, the newest cards show it
    return Reply([Edit(chat, pressed, text, buttons=rsvp_buttons(upcoming))], toast=toast)


# ---------------------------------------------------------------- scheduled sends


async def plan_meetings(uow: UnitOfWork, group: Group, now: datetime) -> None:
    """Plan the group's next meeting's reminders, agenda and covered-question (idempotent keys)."""
    if group.is_set_up:
        upcoming = next_meeting(group, now)
        base = f"{group.id}:{upcoming.date}"
        payload = MeetingDue(upcoming.date, upcoming.start)
        plans = [
            (f"reminder:{base}:{o.label}", "meeting_reminder", o.due(upcoming.start, upcoming.schedule.zone))
            for o in group.settings.reminders
        ]
        plans += [
            (f"agenda:{base}", "meeting_start", upcoming.start),
            (f"covered:{base}", "meeting_after", upcoming.start + MEETING_LENGTH),
        ]
        for key, kind, due in plans:
            if due > now - REMINDER_GRACE:
                grace = int(REMINDER_GRACE.total_seconds())
                await KINDS[kind].plan(uow, key, due, payload, group_id=group.id, grace_seconds=grace)


async def _still_on(scope: GroupScope, job: Due[MeetingDue]) -> NextMeeting | None:
    """The meeting a job was planned for, unless it was cancelled or the schedule changed since."""
    group, now = scope.group, scope.now
    if not group.is_set_up:
        return None
    upcoming = next_meeting(group, now - MEETING_LENGTH if job.kind == "meeting_after" else now)
    if upcoming.start != job.payload.start:
        return None
    if await scope.uow.meetings.is_cancelled(group.id, upcoming.date):
        return None
    return upcoming


async def send_reminder(scope: GroupScope, job: Due[MeetingDue]) -> list[Outgoing]:
    upcoming = await _still_on(scope, job)
    return [await reminder_post(scope, upcoming)] if upcoming is not None else []


async def post_agenda(scope: GroupScope, job: Due[MeetingDue]) -> list[Outgoing]:
    upcoming = await _still_on(scope, job)
    if upcoming is None:
        return []
    text = await meeting_text(scope.uow, scope.group, upcoming, scope.now, heading="The meeting starts", top=None)
    return [scope.to_group(text)]


async def ask_covered(scope: GroupScope, job: Due[MeetingDue]) -> list[Outgoing]:
    upcoming = await _still_on(scope, job)
    if upcoming is None:
        return []
    suggestions = await scope.uow.meetings.open_suggestions(scope.group.id)
    if not suggestions:
        return []
    card = f"covered:{upcoming.date}"
    return [scope.to_group(COVERED_QUESTION, buttons=covered_buttons(suggestions), card=card)]


def register() -> Feature:
    feature = Feature("meetings")
    feature.command("meeting", meeting, summary="the next meeting, its agenda, who's coming")
    feature.command("remind", remind, summary="post the meeting reminder now")
    feature.button(Rsvp, rsvp)
    feature.job(REMINDER, send_reminder)
    feature.job(START, post_agenda)
    feature.job(AFTER, ask_covered)
    feature.plan_each_group(plan_meetings)
    return feature
