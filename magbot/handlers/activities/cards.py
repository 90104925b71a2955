"""The activity post: its text (who is in, waiting, maybe), its buttons, and putting a new activity up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from magbot.core.events import Button, Edit, Outgoing, Post
from magbot.core.jobs import JobKind
from magbot.core.scope import GroupScope
from magbot.core.wire import Id, OneOf, Press
from magbot.domain.activities import REMIND_BEFORE, Activity, ActivitySpec, SignUp, cost_text, taken
from magbot.domain.dates import moment_text
from magbot.domain.members import Group, Member
from magbot.storage.uow import UnitOfWork

Buttons = tuple[tuple[Button, ...], ...]
REMIND_GRACE_SECONDS = 6 * 3600
ANSWERS = ("in", "maybe", "cant", "guest")  # sign-up answers on the post
# The post's `Call it off`, then the organiser's private Yes / No; for a weekly one, then stop it every week or not.
CALLING_OFF = ("cancel", "callyes", "callno", "weekly", "oneoff")


@dataclass(frozen=True)
class ActivityToRemind:
    activity: int


REMIND = JobKind("activity_remind", ActivityToRemind)  # 24 hours before, to those in


@dataclass(frozen=True)
class ActivityPress(Press, prefix="activity", shape=(OneOf(*ANSWERS, *CALLING_OFF), Id())):
    """`activity:<answer>:<activity id>`: I'm in, Maybe, Can't, +1 guest, Call it off (and its Yes / No)."""

    action: str
    activity: int


def day_and_time(when: datetime, zone: ZoneInfo) -> str:
    """`Saturday 28 November, 10:00`: the same on the post whenever it is read."""
    return moment_text(when, zone)


def headline(activity: Activity, zone: ZoneInfo) -> str:
    return f"{activity.what}, {day_and_time(activity.starts_at, zone)}, {activity.place}"


def _names(names: dict[int, str], signups: list[SignUp]) -> str:
    parts = []
    for s in signups:
        name = names.get(s.member_id, "someone")
        parts.append(f"{name} (+1 guest)" if s.guests else name)
    return ", ".join(parts)


async def card_text(uow: UnitOfWork, group: Group, activity: Activity) -> str:
    zone = group.settings.zone
    organiser = await uow.members.get(activity.organiser_id) if activity.organiser_id else None
    lines = [activity.what + (f", organised by {organiser.name}" if organiser else "")]
    lines.append(f"{day_and_time(activity.starts_at, zone)}, {activity.place}")
    details = [f"{activity.places} place" + ("s" if activity.places > 1 else "")] if activity.places else []
    details += [cost_text(activity.cost_pence)] if activity.cost_pence is not None else []
    details += ["guests welcome"] if activity.guests else []
    details += ["every week"] if activity.series_id else []
    if details:
        lines.append(", ".join(details).capitalize() + ".")
    if activity.closes_at:
        lines.append(f"Sign up by {day_and_time(activity.closes_at, zone)}.")
    signups = list(await uow.activities.signups(activity.id))
    names = {m.id: m.name for m in await uow.members.of_group(group.id)}
    going = [s for s in signups if s.status == "in"]
    count = f"{taken(signups)} of {activity.places}" if activity.places else str(taken(signups))
    lines.append(f"In ({count}): {_names(names, going)}" if going else "Nobody's in yet.")
    if waiting := [s for s in signups if s.status == "waiting"]:
        lines.append(f"Waiting list: {_names(names, waiting)}")
    if maybe := [s for s in signups if s.status == "maybe"]:
        lines.append(f"Maybe: {_names(names, maybe)}")
    if cant := sum(1 for s in signups if s.status == "cant"):
        lines.append(f"Can't: {cant}")
    return "\n".join(lines)


def card_buttons(activity: Activity) -> Buttons:
    answers = tuple(
        ActivityPress(action, activity.id).button(label)
        for label, action in (("I'm in", "in"), ("Maybe", "maybe"), ("Can't", "cant"))
    )
    extra: tuple[Button, ...] = (ActivityPress("guest", activity.id).button("+1 guest"),) if activity.guests else ()
    if activity.organiser_id is not None:
        extra += (ActivityPress("cancel", activity.id).button("Call it off"),)
    return (answers, extra) if extra else (answers,)


async def card_edit(scope: GroupScope, activity: Activity) -> Edit:
    text = await card_text(scope.uow, scope.group, activity)
    return Edit(scope.group_chat, activity.card, text, buttons=card_buttons(activity))


async def put_up(
    scope: GroupScope, organiser_id: int | None, spec: ActivitySpec, series_id: int | None = None
) -> tuple[Activity, Post]:
    """Save a new activity, plan its 24-hour reminder, and make its post for the group."""
    uow, group, now = scope.uow, scope.group, scope.now
    activity = await uow.activities.add(group.id, organiser_id, spec, now, series_id)
    due = activity.starts_at - REMIND_BEFORE
    if due > now:
        await REMIND.plan(
            uow,
            f"activity:{activity.id}:remind",
            due,
            ActivityToRemind(activity.id),
            group_id=group.id,
            grace_seconds=REMIND_GRACE_SECONDS,
        )
    text = await card_text(uow, group, activity)
    return activity, scope.to_group(text, buttons=card_buttons(activity), card=activity.card)


def dm_all(scope: GroupScope, members: list[Member], text: str) -> list[Outgoing]:
    return [scope.dm(m, text) for m in members]
