"""/mydata and /forgetme, driven by a registry to which each feature adds what it holds about a member."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from magbot.core.context import Context
from magbot.core.events import ChatRef, File, Remove, Reply
from magbot.core.router import Router
from magbot.core.wire import OneOf, Press
from magbot.domain.members import FOUNDING_WINDOW, Member
from magbot.storage.uow import UnitOfWork

Collect = Callable[[UnitOfWork, Member], Awaitable[Any]]
Erase = Callable[[UnitOfWork, Member], Awaitable[None]]


@dataclass(frozen=True)
class PrivacyPart:
    """One feature's share: what it shows in /mydata and how it erases for /forgetme."""

    name: str
    collect: Collect
    erase: Erase


@dataclass(frozen=True)
class ForgetMeAnswer(Press, prefix="forgetme", shape=(OneOf("yes", "no"),)):
    """`forgetme:<yes|no>`: the answer to /forgetme."""

    answer: str


PARTS: list[PrivacyPart] = []


def holds(name: str, collect: Collect, erase: Erase) -> None:
    """Each feature calls this once, at import, for every kind of thing it stores about a member."""
    if any(part.name == name for part in PARTS):
        return
    PARTS.append(PrivacyPart(name, collect, erase))


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


holds("membership", _collect_membership, _erase_membership)  # erased last: other parts may need the row


async def my_data(ctx: Context) -> Reply:
    assert ctx.member is not None
    memberships = await ctx.uow.members.active_for_user(ctx.platform, ctx.member.user_id)
    export: dict[str, Any] = {"about": "Everything magbot holds about you.", "groups": []}
    for member in memberships:
        parts = {part.name: await part.collect(ctx.uow, member) for part in PARTS}
        export["groups"].append(parts)
    data = json.dumps(export, indent=2, ensure_ascii=False).encode()
    note = "Here is everything I hold about you. /forgetme erases it."
    return Reply([File(ctx.incoming.chat, "my-data.json", data, "application/json", caption=note)])


async def forget_me(ctx: Context) -> Reply:
    assert ctx.member is not None
    buttons = ((ForgetMeAnswer("yes").button("Yes"), ForgetMeAnswer("no").button("No")),)
    text = (
        "This erases everything I hold about you and takes you off the member list. "
        "Votes you cast stay counted in closed results, without your name. Go ahead?"
    )
    return Reply([ctx.reply(text, buttons=buttons)])


async def forget_me_answer(ctx: Context) -> Reply:
    assert ctx.member is not None
    if ctx.pressed(ForgetMeAnswer).answer != "yes":
        return Reply([ctx.reply("Okay, nothing erased.")])
    if not ctx.in_dm:
        return Reply(toast="Please answer this in our private chat.")
    out: list[Any] = []
    for member in await ctx.uow.members.active_for_user(ctx.platform, ctx.member.user_id):
        group = await ctx.uow.groups.get(member.group_id)
        for part in reversed(PARTS):  # features first, the member row itself last
            await part.erase(ctx.uow, member)
        if group:  # off the member list means out of the closed chat too
            out.append(Remove(ChatRef(group.platform, group.chat_id, "group"), member.user_id))
    out.append(ctx.reply("Done. I've erased everything I held about you. Take care."))
    return Reply(out)


def register(router: Router) -> None:
    router.command("mydata", my_data, where="dm", summary="see everything I hold about you")
    router.command("forgetme", forget_me, where="dm", summary="erase everything I hold about you")
    router.button(ForgetMeAnswer, forget_me_answer)
