"""Buddies: two members agree to look out for each other. If one goes quiet for the group's buddy period,
the other is told privately, once per silence. Nobody else is ever told.

"Seen" means a check-in or a message in the group; it is recorded only for members in a buddy pair.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from magbot.core.context import MemberContext
from magbot.core.events import Outgoing, Post, Reply
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind, NoPayload
from magbot.core.scope import dm_chat
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain import checkins as rules
from magbot.domain.members import Member
from magbot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

CHECK_AT = time(10, 0)  # UTC, daily
CHECK_GRACE = timedelta(hours=20)
CHECK = JobKind("buddy-check", NoPayload)  # one a day, for every group


@dataclass(frozen=True)
class PickPress(Press, prefix="buddy", shape=(Const("pick"), Id(), Id())):
    """`buddy:pick:<member id>:<chosen member id>`: a name under /buddy, for the member who asked."""

    owner: int
    chosen: int


@dataclass(frozen=True)
class AnswerPress(Press, prefix="buddy", shape=(OneOf("yes", "no"), Id(), Id())):
    """`buddy:<yes|no>:<member id>:<pair id>`: the asked member's answer."""

    answer: str
    owner: int
    pair: int


async def buddy(ctx: MemberContext) -> Reply:
    member, group = ctx.member, ctx.group
    wanted = ctx.args
    if wanted.lower() in ("stop", "end", "off"):
        return await _stop(ctx, member)
    others = {m.id: m.name for m in await ctx.uow.members.of_group(group.id) if m.active and m.id != member.id}
    if not others:
        return Reply([ctx.reply("There's nobody else in the group yet to be buddies with.")])
    if not wanted:
        buttons = tuple((PickPress(member.id, mid).button(name),) for mid, name in others.items())
        text = "Who would you like as a buddy? If one of you goes quiet for a while, I'll tell the other, privately."
        return Reply([ctx.reply(text, buttons=buttons)])
    target_id = rules.find_by_name(others, wanted)
    if target_id is None and rules.find_by_name({member.id: member.name}, wanted) is not None:
        return Reply([ctx.reply("That's you. Pick someone else in the group: /buddy alone shows the names.")])
    if target_id is None:
        return Reply(
            [ctx.reply(f"I can't find '{wanted[:30]}' in the group. Type /buddy alone to pick from the names.")]
        )
    return await _ask(ctx, member, target_id)


async def _ask(ctx: MemberContext, member: Member, target_id: int) -> Reply:
    target = await ctx.uow.members.get(target_id)
    if target is None or not target.active or target.group_id != member.group_id or target.id == member.id:
        return Reply([ctx.reply("Pick someone else in the group. /buddy shows the names.")])
    for pair in await ctx.uow.buddies.of_member(member.id):
        if pair.involves(target.id):
            state = "already buddies" if pair.status == "active" else "waiting for an answer"
            return Reply([ctx.reply(f"You and {target.name} are {state}.")])
    pair = await ctx.uow.buddies.ask(ctx.group.id, member.id, target.id, ctx.now)
    days = ctx.group.settings.buddy_period.days
    question = (
        f"{member.name} would like to be buddies with you: if one of you goes quiet for {days} days, "
        "I'll let the other know, privately. Nobody else is told. Okay?"
    )
    yes, no = AnswerPress("yes", target.id, pair.id), AnswerPress("no", target.id, pair.id)
    answer = ((yes.button("Yes"), no.button("No")),)
    out: list[Outgoing] = [ctx.dm(target, question, buttons=answer)]
    out.append(ctx.reply(f"I've asked {target.name} privately. I'll let you know."))
    return Reply(out)


async def _stop(ctx: MemberContext, member: Member) -> Reply:
    pairs = await ctx.uow.buddies.of_member(member.id)
    if not pairs:
        return Reply([ctx.reply("You have no buddy right now. /buddy asks someone.")])
    out: list[Outgoing] = []
    for pair in pairs:
        await ctx.uow.buddies.end(pair.id)
        other = await ctx.uow.members.get(pair.other(member.id))
        if other is not None and pair.status == "active":
            out.append(ctx.dm(other, f"{member.name} has ended your buddy arrangement. Take care."))
    out.append(ctx.reply("Done, no more buddy messages. /buddy any time to start again."))
    return Reply(out)


async def pressed(ctx: MemberContext) -> Reply:
    press, member = ctx.press, ctx.member
    assert isinstance(press, PickPress | AnswerPress)
    if press.owner != member.id:
        return Reply(toast="That question was for someone else.")
    if isinstance(press, PickPress):
        return await _ask(ctx, member, press.chosen)
    pair = await ctx.uow.buddies.get(press.pair)
    if pair is None or pair.status != "asked" or pair.second_id != member.id:
        return Reply(toast="That request is no longer open.")
    asker = await ctx.uow.members.get(pair.first_id)
    asker_name = asker.name if asker else "They"
    if press.answer == "yes":
        await ctx.uow.buddies.agree(pair.id, ctx.now)
        out: list[Outgoing] = [ctx.reply(f"You and {asker_name} are buddies now. /buddy stop ends it any time.")]
        if asker is not None:
            out.append(ctx.dm(asker, f"{member.name} said yes: you're buddies now. /buddy stop ends it any time."))
        return Reply(out)
    await ctx.uow.buddies.end(pair.id)
    out = [ctx.reply("Okay, no buddy arrangement. Nobody else is told.")]
    if asker is not None:
        out.append(ctx.dm(asker, f"{member.name} would rather not, for now. That's okay."))
    return Reply(out)


# ---------------------------------------------------------------- the daily check


async def plan_check(uow: UnitOfWork, now: datetime) -> None:
    due = datetime.combine(now.date(), CHECK_AT, tzinfo=UTC)
    if due < now - CHECK_GRACE:
        due += timedelta(days=1)
    await CHECK.plan(
        uow, f"buddy-check:{due.date().isoformat()}", due, NoPayload(), grace_seconds=int(CHECK_GRACE.total_seconds())
    )


async def run_check(uow: UnitOfWork, job: Due[NoPayload], now: datetime) -> list[Outgoing]:
    out: list[Outgoing] = []
    for pair in await uow.buddies.active():
        group = await uow.groups.get(pair.group_id)
        if group is None:
            continue
        for tell_id, quiet_id in rules.nudges_due(pair, now, group.settings.buddy_period):
            tell, quiet = await uow.members.get(tell_id), await uow.members.get(quiet_id)
            if tell is None or quiet is None or not (tell.active and quiet.active):
                continue
            out.append(Post(dm_chat(group.platform, tell), rules.nudge_text(quiet.name)))
            await uow.buddies.mark_nudged(pair.id, quiet_id)
    log.info("buddy check nudges=%d", len(out))
    return out


# ---------------------------------------------------------------- privacy and wiring


async def _collect(uow: UnitOfWork, member: Member) -> list[dict[str, Any]]:
    shown = []
    for pair in await uow.buddies.of_member(member.id):
        other = await uow.members.get(pair.other(member.id))
        mine = pair.first_seen if pair.first_id == member.id else pair.second_seen
        shown.append(
            {"buddy": other.name if other else "", "status": pair.status, "since": pair.since.isoformat(),
             "you_last_seen": mine.isoformat()}
        )  # fmt: skip
    return shown


async def _erase(uow: UnitOfWork, member: Member) -> None:
    await uow.buddies.erase_member(member.id)


async def seen(ctx: MemberContext) -> None:
    """A member's message in the group: he was seen, so the buddy nudge leaves him be for a while."""
    if not ctx.in_dm:  # only the group counts as being seen
        await ctx.uow.buddies.seen(ctx.member.id, ctx.now)


def register() -> Feature:
    feature = Feature("buddies")
    feature.command("buddy", buddy, summary="pair up with a buddy (/buddy stop ends it)")
    feature.button(PickPress, pressed)
    feature.button(AnswerPress, pressed)
    feature.global_job(CHECK, run_check)  # one run for every group's pairs
    feature.plan_with(plan_check)
    feature.observe_texts(seen)
    feature.holds("buddies", _collect, _erase)
    return feature
