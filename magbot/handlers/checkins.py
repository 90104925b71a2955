"""Check-ins: /checkin, the mood buttons, a few optional words, share or keep; Rough; the midweek round;
/mycheckins. Only the mood and the time are stored; the words live in the guided-flow row until he chooses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from magbot.core.context import FlowContext, MemberContext
from magbot.core.events import REMOVED_AT_REQUEST, Button, ButtonPress, Delete, File, Outgoing, Reply, Text
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind, NoPayload
from magbot.core.scope import GroupScope
from magbot.core.wire import Const, Id, Number, OneOf, Press
from magbot.domain import checkins as rules
from magbot.domain.limits import CHECKIN_WORDS
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
KEPT = "Okay. Your check-in is kept just for you, without any words."
ROUND = JobKind("checkin-round", NoPayload)  # the row's group is the one asked


@dataclass(frozen=True)
class MoodPress(Press, prefix="checkin", shape=(Const("mood"), Number(1, len(rules.MOODS)), Id(optional=True))):
    """`checkin:mood:<1-5>[:<member id>]`: a mood; with a member id (/checkin) only he may press it, without
    (the midweek round) anyone may."""

    mood: int
    owner: int | None = None


@dataclass(frozen=True)
class StepPress(
    Press, prefix="checkin", shape=(OneOf("skip", "share", "keep", "tell", "quiet", "delete"), Id(), Id())
):
    """`checkin:<step>:<member id>:<check-in id>`: Skip, Share with the group, Just for me, Rough's Yes / No,
    and a check-in's own button under /mycheckins' `Delete one`."""

    action: str
    owner: int
    checkin: int


@dataclass(frozen=True)
class DeleteOnePress(Press, prefix="checkin", shape=(Const("mine"), Id())):
    """`checkin:mine:<member id>`: /mycheckins' `Delete one`, which lists his recent check-ins as buttons."""

    owner: int


DELETE_LIST = 8  # the newest few: one screen of buttons


def checkin_card(checkin_id: int) -> str:
    """A shared check-in's post, so deleting the check-in takes the post with it."""
    return f"checkin:{checkin_id}"


def mood_buttons(member_id: int | None = None) -> tuple[tuple[Button, ...], ...]:
    """The five moods; with a member id only he may press them, without (the round) anyone may."""
    return (tuple(MoodPress(n, member_id).button(label) for n, label in enumerate(rules.MOODS, 1)),)


def _buttons(*pairs: tuple[str, Press]) -> tuple[tuple[Button, ...], ...]:
    return (tuple(press.button(label) for label, press in pairs),)


async def checkin(ctx: MemberContext) -> Reply:
    """/checkin asks with the five buttons; `/checkin Okay [a few words]` takes the mood (and words) at once."""
    mood, words = rules.mood_from_words(ctx.args)
    if mood is not None:
        return await _record(ctx, mood, words)
    question = f"How are you doing, {ctx.member.name}?"
    if ctx.args:
        question = f"Pick one of these, {ctx.member.name}: how are you doing? (Or type it, like: /checkin Okay)"
    return Reply([ctx.reply(question, buttons=mood_buttons(ctx.member.id))])


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
    if press.owner is not None and (refusal := await _not_his(ctx, press.owner)):
        return refusal
    return await _record(ctx, mood)


async def _record(ctx: MemberContext, mood: int, words: str = "") -> Reply:
    """Keep the mood; then Rough's support, or the few words (asked for unless given), then share or keep."""
    member, group = ctx.member, ctx.group
    done = await ctx.uow.checkins.add(group.id, member.id, mood, ctx.now)
    await ctx.uow.buddies.seen(member.id, ctx.now)
    log.info("checkin recorded id=%d", done.id)
    if mood == rules.ROUGH:
        return _rough(ctx, group, member, done.id)
    if words:
        return await _ask_share(ctx, done.id, rules.tidy_words(words))
    skip = _buttons(("Skip", StepPress("skip", member.id, done.id)))
    text = f"Thanks, {member.name}. Add a few words? Just type them {CHECKIN_WORDS.up_front}, or press Skip."
    data = {"checkin": done.id}
    return await ask(ctx, FLOW, text, "words", data, buttons=skip, lifetime=WORDS_WAIT, stopped=KEPT)


def _rough(ctx: MemberContext, group: Group, member: Member, checkin_id: int) -> Reply:
    contacts = group.settings.support_contacts
    ask = _buttons(("Yes", StepPress("tell", member.id, checkin_id)), ("No", StepPress("quiet", member.id, checkin_id)))
    text = (
        f"Sorry it's a rough one, {member.name}. Thanks for saying so.\n"
        f"If you want to talk to someone now: {contacts}.\n"
        "Let the group know?"
    )
    out: list[Outgoing] = [ctx.dm(member, text, buttons=ask)]
    if ctx.in_dm:
        return Reply(out)
    if isinstance(ctx.incoming, ButtonPress):
        return Reply(out, toast="I've sent you a private message.")
    return Reply([*out, ctx.reply("I've sent you a private message.")])  # `/checkin Rough` typed: no pop-up


async def words_given(ctx: FlowContext) -> Reply:
    """The guided-flow step: his next text in that chat is the words."""
    text, pending = ctx.incoming, ctx.pending
    assert isinstance(text, Text)
    if pending.step != "words":
        return Reply([ctx.reply(f"Please press Share with the group or Just for me. {SHARE_QUESTION}")])
    words = rules.tidy_words(text.text)
    if refusal := CHECKIN_WORDS.refusal(words, "Please shorten them and send them again, or press Skip."):
        return Reply([ctx.reply(refusal)])  # the step stays: his next message is the words again
    return await _ask_share(ctx, int(pending.data["checkin"]), words)


async def _ask_share(ctx: MemberContext, checkin_id: int, words: str) -> Reply:
    data: dict[str, Any] = {"checkin": checkin_id, "words": words}
    mid = ctx.member.id
    choose = _buttons(
        ("Share with the group", StepPress("share", mid, checkin_id)),
        ("Just for me", StepPress("keep", mid, checkin_id)),
    )
    return await ask(
        ctx, FLOW, SHARE_QUESTION, "share", data, buttons=choose, lifetime=WORDS_WAIT, stopped=KEPT
    )


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
    if action == "delete":
        return await delete_one(ctx, done.id)
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
        out: list[Outgoing] = [ctx.to_group(text, card=checkin_card(done.id), about=member.id)]
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
    delete_one = ((DeleteOnePress(member.id).button("Delete one"),),)
    return Reply(
        [
            File(ctx.incoming.chat, "my-checkins.png", png, "image/png", caption=line),
            ctx.reply("I keep only the mood, the day and whether you shared it.", buttons=delete_one),
        ]
    )


async def delete_list(ctx: MemberContext) -> Reply:
    """His newest check-ins as buttons; one press deletes that one (and its post in the group)."""
    if refusal := await _not_his(ctx, ctx.pressed(DeleteOnePress).owner):
        return refusal
    mine = (await ctx.uow.checkins.of_member(ctx.member.id))[-DELETE_LIST:]
    if not mine:
        return Reply([ctx.reply("You have no check-ins to delete.")])
    zone = ctx.group.settings.zone
    buttons = tuple(
        (StepPress("delete", ctx.member.id, c.id).button(rules.delete_label(c, zone)),) for c in reversed(mine)
    )
    return Reply([ctx.reply("Which one should I delete?", buttons=buttons)])


async def delete_one(ctx: MemberContext, checkin_id: int) -> Reply:
    done = await ctx.uow.checkins.get(checkin_id)
    if done is None or done.member_id != ctx.member.id:
        return Reply(toast="That check-in is gone.")
    await ctx.uow.checkins.delete(done.id)
    out: list[Outgoing] = []
    if done.shared:  # its post goes from the group with it
        out.append(Delete(ctx.group_chat, card=checkin_card(done.id), or_edit_to=REMOVED_AT_REQUEST))
    note = "Deleted. Its post is gone from the group." if done.shared else "Deleted."
    return Reply([*out, ctx.reply(note)])


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
    feature.button(DeleteOnePress, delete_list)
    feature.job(ROUND, run_round)
    feature.plan_each_group(plan_rounds)
    feature.holds("checkins", _collect, _erase)
    return feature
