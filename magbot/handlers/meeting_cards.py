"""The texts and buttons of the meeting cards, shared by the commands and the scheduled sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from magbot.core.events import Button
from magbot.core.wire import Const, Id, IsoDate, OneOf, Press
from magbot.domain.meetings import AGENDA_TOP, Schedule, Suggestion, agenda_lines, ranked, when_text
from magbot.domain.members import Group
from magbot.storage.uow import UnitOfWork

Buttons = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Rsvp(Press, prefix="meeting", shape=(Const("rsvp"), IsoDate(), OneOf("yes", "no"))):
    """`meeting:rsvp:<local date>:<yes|no>`: "I'll be there" / "Can't make it" on a meeting card."""

    date: str
    answer: str


@dataclass(frozen=True)
class AgendaPress(Press, prefix="agenda", shape=(OneOf("plus", "withdraw", "covered", "unplus", "keepplus"), Id())):
    """`agenda:<plus|withdraw|covered>:<suggestion id>`: +1, `Withdraw: ...` and `Covered: ...`; `unplus` and
    `keepplus` answer "Take it back?" after a second +1."""

    action: str
    suggestion: int


@dataclass(frozen=True)
class NextMeeting:
    schedule: Schedule
    start: datetime

    @property
    def date(self) -> str:
        return self.schedule.local_date(self.start).isoformat()

    def when(self, now: datetime) -> str:
        return when_text(self.start, self.schedule.zone, now)


def next_meeting(group: Group, now: datetime) -> NextMeeting:
    schedule = group.settings.meeting
    return NextMeeting(schedule, schedule.next_start(now))


def rsvp_card(meeting: NextMeeting) -> str:
    return f"rsvp:{meeting.date}"


def rsvp_buttons(meeting: NextMeeting) -> Buttons:
    return (
        (
            Rsvp(meeting.date, "yes").button("I'll be there"),
            Rsvp(meeting.date, "no").button("Can't make it"),
        ),
    )


async def coming_line(uow: UnitOfWork, group: Group, meeting: NextMeeting) -> str:
    answers = await uow.meetings.rsvps(group.id, meeting.date)
    members = [m for m in await uow.members.of_group(group.id) if m.active]  # in the order they joined
    coming = [m.name for m in members if answers.get(m.id) is True]
    not_coming = sum(1 for m in members if answers.get(m.id) is False)
    line = f"Coming ({len(coming)}): {', '.join(coming)}." if coming else "Nobody has said they're coming yet."
    return line + (f" Can't make it: {not_coming}." if not_coming else "")


async def meeting_text(
    uow: UnitOfWork, group: Group, meeting: NextMeeting, now: datetime, *, heading: str, top: int | None = AGENDA_TOP
) -> str:
    lines = [f"{heading} {meeting.when(now)}, {meeting.schedule.place}."]
    lines += [f"Notice: {text}" for text in await uow.meetings.notices(group.id, meeting.date)]
    agenda = agenda_lines(await uow.meetings.open_suggestions(group.id), top)
    lines += ["On the agenda:", *agenda] if agenda else ["No agenda suggestions yet: /suggest adds one."]
    lines.append(await coming_line(uow, group, meeting))
    return "\n".join(lines)


def short_label(prefix: str, text: str, limit: int = 40) -> str:
    label = f"{prefix}{text}"
    return label if len(label) <= limit else label[: limit - 1] + "…"


COVERED_QUESTION = "Which topics did we cover today? Press each one. The rest stay on the list for next time."


def covered_buttons(suggestions: list[Suggestion]) -> Buttons:
    """One `Covered: <topic>` button per open topic, in agenda order."""
    return tuple((AgendaPress("covered", s.id).button(short_label("Covered: ", s.topic)),) for s in ranked(suggestions))
