"""/mydata and /forgetme, over the privacy parts every feature declares (`Feature.holds`) for what it stores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from magbot.core.context import MemberContext
from magbot.core.events import File, Remove, Reply
from magbot.core.feature import Feature, PrivacyPart
from magbot.core.scope import group_chat
from magbot.core.wire import OneOf, Press
from magbot.domain.members import FOUNDING_WINDOW, Member
from magbot.handlers.decisions import settle_open
from magbot.storage.uow import UnitOfWork


@dataclass(frozen=True)
class ForgetMeAnswer(Press, prefix="forgetme", shape=(OneOf("yes", "no"),)):
    """`forgetme:<yes|no>`: the answer to /forgetme."""

    answer: str


async def _collect_membership(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "status": member.status,
        "founding_member": member.founding,
        "joined": member.joined_at.isoformat(),
        "private_chat_open": member.dm_open,
    }


async def _erase_membership(uow: UnitOfWork, member: Member) -> None:
    group = await uow.groups.get(member.group_id)
    platform = group.platform if group else ""
    await uow.pending.clear_member(member.id)
    await uow.outbox.drop_for_chat(platform, member.user_id)
    await uow.cards.forget(platform, member.user_id)
    await uow.state.delete_matching(f":{member.user_id}")
    if group is not None and group.setup_at is not None:
        # While "I'm a member" still works, a hash of his id stops him coming straight back as a founder
        # (housekeeping forgets it when the window has closed).
        await uow.members.remember_former(group.id, member.user_id, group.setup_at + FOUNDING_WINDOW)
    await uow.members.delete(member.id)


MEMBERSHIP = PrivacyPart("membership", _collect_membership, _erase_membership)


@dataclass(frozen=True)
class Parts:
    """Every privacy part in the order /mydata shows them: the membership row first, then the features'."""

    features: tuple[PrivacyPart, ...]

    @property
    def shown(self) -> tuple[PrivacyPart, ...]:
        return (MEMBERSHIP, *self.features)

    @property
    def erased(self) -> tuple[PrivacyPart, ...]:
        # Features first, the member row itself last: a feature's erase may still need to read it.
        return (*reversed(self.features), MEMBERSHIP)


async def my_data(ctx: MemberContext, parts: Parts) -> Reply:
    memberships = await ctx.uow.members.active_for_user(ctx.platform, ctx.member.user_id)
    export: dict[str, Any] = {"about": "Everything magbot holds about you.", "groups": []}
    for member in memberships:
        held = {part.name: await part.collect(ctx.uow, member) for part in parts.shown}
        export["groups"].append(held)
    data = json.dumps(export, indent=2, ensure_ascii=False).encode()
    note = "Here is everything I hold about you. /forgetme erases it."
    return Reply([File(ctx.incoming.chat, "my-data.json", data, "application/json", caption=note)])


async def forget_me(ctx: MemberContext) -> Reply:
    buttons = ((ForgetMeAnswer("yes").button("Yes"), ForgetMeAnswer("no").button("No")),)
    text = (
        "This erases everything I hold about you and takes you off the member list. "
        "Votes you cast stay counted in closed results, without your name. Go ahead?"
    )
    return Reply([ctx.reply(text, buttons=buttons)])


async def forget_me_answer(ctx: MemberContext, parts: Parts) -> Reply:
    if ctx.pressed(ForgetMeAnswer).answer != "yes":
        return Reply([ctx.reply("Okay, nothing erased.")])
    if not ctx.in_dm:
        return Reply(toast="Please answer this in our private chat.")
    out: list[Any] = []
    for member in await ctx.uow.members.active_for_user(ctx.platform, ctx.member.user_id):
        group = await ctx.uow.groups.get(member.group_id)
        for part in parts.erased:
            await part.erase(ctx.uow, member)
        if group:  # off the member list means out of the closed chat too
            out.append(Remove(group_chat(group), member.user_id))
            out += await settle_open(ctx.scope_of(group))  # open votes re-count without him
    out.append(ctx.reply("Done. I've erased everything I held about you. Take care."))
    return Reply(out)


def register(features: Sequence[PrivacyPart]) -> Feature:
    """/mydata and /forgetme over `features`, every other feature's parts in the order they were declared."""
    parts = Parts(tuple(features))

    async def mydata(ctx: MemberContext) -> Reply:
        return await my_data(ctx, parts)

    async def answer(ctx: MemberContext) -> Reply:
        return await forget_me_answer(ctx, parts)

    feature = Feature("privacy")
    feature.command("mydata", mydata, where="dm", summary="see everything I hold about you")
    feature.command("forgetme", forget_me, where="dm", summary="erase everything I hold about you")
    feature.button(ForgetMeAnswer, answer)
    feature.privacy.append(MEMBERSHIP)
    return feature
