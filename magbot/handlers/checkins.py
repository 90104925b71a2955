"""Check-ins: /checkin, the mood buttons, a few optional words, share or keep; Rough; the midweek round;
/mycheckins. Only the mood and the time are stored; the words live in the guided-flow row until he chooses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from magbot.core.context import FlowContext, MemberContext
from magbot.core.events import Button, File, Outgoing, Reply, Text
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind, NoPayload
from magbot.core.scope import GroupScope
from magbot.core.wire import Const, Id, Number, OneOf, Press
from magbot.domain import checkins as rules
from magbot.domain.members import Group, Member
from magbot.domain.recurrence import next_weekly
from magbot.handlers.charts import checkins_png
from magbot.handlers.flows import ask
from magbot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

FLOW = "checkin"
WORDS_WAIT = timedelta(minutes=30)
ROUND_GRACE = 3600
SHARE_QUESTION = "Share with the group, or keep it just for you?"
ROUND = JobKind("checkin-round", NoPayload)  # the row's group is the one asked


@dataclass(frozen=True)
class MoodPress(Press, prefix="checkin", shape=(Const("mood"), Number(1, len(rules.MOODS)), Id(optional=True))):
    """`checkin:mood:<1-5>[:<member id>]`: a mood; with a member id (/checkin) only he may press it, without
    (the midweek round) anyone may."""

    mood: int
    owner: int | None = None


@dataclass(frozen=True)
class StepPress(Press, prefix="checkin", shape=(OneOf("skip", "share", "keep", "tell", "quiet"), Id(), Id())):
    """`checkin:<step>:<member id>:<check-in id>`: Skip, Share with the group, Just for me, and Rough's Yes / No."""

    action: str
    owner: int
    checkin: int


def mood_buttons(member_id: int | None = None) -> tuple[tuple[Button, ...], ...]:
    """The five moods; with a member id only he may press them, without (the round) anyone may."""
    return (tuple(MoodPress(n, member_id).button(label) for n, label in enumerate(rules.MOODS, 1)),)


def _buttons(*pairs: tuple[str, Press]) -> tuple[tuple[Button, ...], ...]:
    return (tuple(press.button(label) for label, press in pairs),)


async def checkin(ctx: MemberContext) -> Reply:
    return Reply([ctx.reply(f"How are you doing, {ctx.member.name}?", buttons=mood_buttons(ctx.member.id))])


async def _not_his(ctx: MemberContext, owner_id: int) -> Reply | None:
    """A refusal when someone presses a button meant for another member."""
    if owner_id == ctx.member.id:
        return None
    owner = await ctx.uow.members.get(owner_id)
    whose = f"{owner.name}'s" if owner else "someone else's"
    return Reply(toast=f"That's {whose} check-in. Type /checkin for your own.")


async def mood_pressed(ctx: MemberContext) -> Reply:
    press = ctx.pressed(MoodPress)
    mood = press.mood
    member, group = ctx.member, ctx.group
    if press.owner is not None and (refusal := await _not_his(ctx, press.owner)):
        return refusal
    done = await ctx.uow.checkins.add(group.id, member.id, mood, ctx.now)
    await ctx.uow.buddies.seen(member.id, ctx.now)
    log.info("checkin recorded id=%d", done.id)
    if mood == rules.ROUGH:
        return _rough(ctx, group, member, done.id)
    skip = _buttons(("Skip", StepPress("skip", member.id, done.id)))
    text = f"Thanks, {member.name}. Add a few words? Just type them, or press Skip."
    return await ask(ctx, FLOW, text, "words", {"checkin": done.id}, buttons=skip, lifetime=WORDS_WAIT)


def _rough(ctx: MemberContext, group: Group, member: Member, checkin_id: int) -> Reply:
    contacts = group.settings.support_contacts
    ask = _buttons(("Yes", StepPress("tell", member.id, checkin_id)), ("No", StepPress("quiet", member.id, checkin_id)))
    text = (
        f"Sorry it's a rough one, {member.name}. Thanks for saying so.\n"
        f"If you want to talk to someone now: {contacts}.\n"
        "Let the group know?"
    )
    out: list[Outgoing] = [ctx.dm(member, text, buttons=ask)]
    return Reply(out, toast=None if ctx.in_dm else "I've sent you a private message.")


async def words_given(ctx: FlowContext) -> Reply:
    """The guided-flow step: his next text in that chat is the words."""
    text, pending = ctx.incoming, ctx.pending
    assert isinstance(text, Text)
    if pending.step != "words":
        return Reply([ctx.reply(f"Please press Share with the group or Just for me. {SHARE_QUESTION}")])
    return await _ask_share(ctx, int(pending.data["checkin"]), rules.tidy_words(text.text))


async def _ask_share(ctx: MemberContext, checkin_id: int, words: str) -> Reply:
    data: dict[str, Any] = {"checkin": checkin_id, "words": words}
    mid = ctx.member.id
    choose = _buttons(
        ("Share with the group", StepPress("share", mid, checkin_id)),
        ("Just for me", StepPress("keep", mid, checkin_id)),
    )
    return await ask(ctx, FLOW, SHARE_QUESTION, "share", data, buttons=choose, lifetime=WORDS_WAIT)


async def step_pressed(ctx: MemberContext) -> Reply:
    """Skip, Share with the group, Just for me, and Rough's Yes / No."""
    press = ctx.pressed(StepPress)
    action = press.action
    if refusal := await _not_his(ctx, press.owner):
        return refusal
    member = ctx.member
    done = await ctx.uow.checkins.get(press.checkin)
    if done is None or done.member_id != member.id:
        return Reply(toast="That check-in is gone.")
    if action == "skip":
        return await _ask_share(ctx, done.id, "")
    pending = await ctx.uow.pending.get(member.id, ctx.incoming.chat.chat_id, ctx.now)
    words = ""
    if pending is not None and pending.flow == FLOW and pending.data.get("checkin") == done.id:
        words = str(pending.data.get("words", ""))
        await ctx.uow.pending.clear(member.id, ctx.incoming.chat.chat_id)
    if done.shared:
        return Reply(toast="Already shared.")
    if action in ("share", "tell"):
        await ctx.uow.checkins.mark_shared(done.id)
        if action == "tell":
            text = f"{member.name} is having a rough time. A message or a call from one of you could mean a lot."
        else:
            text = rules.shared_text(member.name, done.mood, words)
        out: list[Outgoing] = [ctx.to_group(text)]
        if ctx.in_dm:
            return Reply([*out, ctx.reply("Shared with the group. Thanks for checking in.")])
        return Reply(out, toast="Shared.")
    if action == "quiet":
        return Reply([ctx.reply("Okay, it stays between us. Look after yourself, and /checkin any time.")])
    note = "Kept just for you. I keep the mood and the day, not your words. /mycheckins shows your weeks."
    return Reply([ctx.reply(note)]) if ctx.in_dm else Reply(toast="Kept just for you.")


async def my_checkins(ctx: MemberContext) -> Reply:
    member, group = ctx.member, ctx.group
    recent = await ctx.uow.checkins.of_member(member.id, since=ctx.now - timedelta(weeks=rules.CHART_WEEKS))
    line = rules.summary(recent)
    if not recent:
        return Reply([ctx.reply(line)])
    zone = group.settings.zone
    png = checkins_png(recent, ctx.now, zone)
    return Reply([File(ctx.incoming.chat, "my-checkins.png", png, "image/png", caption=line)])


# ---------------------------------------------------------------- the midweek round


def round_due(group: Group, after: datetime) -> datetime:
    settings = group.settings
    return next_weekly(after, settings.checkin_day, settings.checkin_at, settings.zone)


async def plan_rounds(uow: UnitOfWork, group: Group, now: datetime) -> None:
    """The group's next round (one just missed is still planned: its grace decides)."""
    if group.is_set_up:
        due = round_due(group, now - timedelta(seconds=ROUND_GRACE))
        zone = group.settings.zone
        day = due.astimezone(zone).date().isoformat()
        await ROUND.plan(
            uow, f"checkin-round:{group.id}:{day}", due, NoPayload(), group_id=group.id, grace_seconds=ROUND_GRACE
        )


async def run_round(scope: GroupScope, job: Due[NoPayload]) -> list[Outgoing]:
    text = "Midweek check-in: how's everyone doing this week? Press one, it only takes a second."
    return [scope.to_group(text, buttons=mood_buttons())]


# ---------------------------------------------------------------- privacy and wiring


async def _collect(uow: UnitOfWork, member: Member) -> list[dict[str, Any]]:
    return [
        {"mood": rules.mood_label(c.mood), "at": c.at.isoformat(), "shared": c.shared}
        for c in await uow.checkins.of_member(member.id)
    ]


async def _erase(uow: UnitOfWork, member: Member) -> None:
    await uow.checkins.erase_member(member.id)


def register() -> Feature:
    feature = Feature("checkins")
    feature.command("checkin", checkin, summary="say how you're doing")
    feature.command("mycheckins", my_checkins, where="dm", summary="your check-ins, as a chart")
    feature.flow(FLOW, words_given)
    feature.button(MoodPress, mood_pressed)
    feature.button(StepPress, step_pressed)
    feature.job(ROUND, run_round)
    feature.plan_each_group(plan_rounds)
    feature.holds("checkins", _collect, _erase)
    return feature
