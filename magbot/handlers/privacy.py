"""/mydata and /forgetme, over the privacy parts every feature declares (`Feature.holds`) for what it stores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from magbot.core.context import Context
from magbot.core.events import REMOVED_AT_REQUEST, CloseChat, Delete, File, Outgoing, Remove, Reply
from magbot.core.feature import Feature, PrivacyPart
from magbot.core.router import STRANGER_LINE
from magbot.core.scope import group_chat
from magbot.core.wire import OneOf, Press
from magbot.domain.members import FOUNDING_WINDOW, Group, Member
from magbot.handlers.decisions import settle_open
from magbot.handlers.membership import founders_without
from magbot.handlers.own_content import menu_button
from magbot.storage.member_posts_repo import MemberPost
from magbot.storage.uow import UnitOfWork


@dataclass(frozen=True)
class ForgetMeAnswer(Press, prefix="forgetme", shape=(OneOf("yes", "no"),)):
    """`forgetme:<yes|no>`: the answer to /forgetme."""

    answer: str


async def _collect_membership(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    posts = await uow.member_posts.of_member(member.id)
    return {
        "name": member.name,
        "status": member.status,
        "founding_member": member.founding,
        "joined": member.joined_at.isoformat(),
        "private_chat_open": member.dm_open,
        # Only where they are (no words): so /forgetme can take them back.
        "my_posts_in_the_group_with_your_words_or_name": [
            {"message": p.place.message_id, "card": p.card} for p in reversed(posts)
        ],
    }


async def _erase_membership(uow: UnitOfWork, member: Member) -> None:
    group = await uow.groups.get(member.group_id)
    platform = group.platform if group else ""
    posts = await uow.member_posts.of_member(member.id)
    await uow.pending.clear_member(member.id)
    await uow.outbox.drop_for_chat(platform, member.user_id)
    await uow.outbox.drop_about(member.id, {p.card for p in posts if p.card})
    await uow.cards.forget(platform, member.user_id)
    await uow.member_posts.forget_member(member.id)  # the Deletes already queued carry the places they need
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


async def _held(ctx: Context) -> list[Member]:
    """What the bot holds for whoever is writing: a member, or someone who left or was removed (PRODUCT.md)."""
    return await ctx.uow.members.held_for_user(ctx.platform, ctx.incoming.sender.user_id)


def _stranger(ctx: Context) -> Reply:
    if ctx.press is not None:
        return Reply(toast="There is nothing of yours here any more.")
    return Reply([ctx.reply(STRANGER_LINE)])


async def my_data(ctx: Context, parts: Parts) -> Reply:
    memberships = await _held(ctx)
    if not memberships:
        return _stranger(ctx)
    export: dict[str, Any] = {"about": "Everything magbot holds about you.", "groups": []}
    for member in memberships:
        held = {part.name: await part.collect(ctx.uow, member) for part in parts.shown}
        export["groups"].append(held)
    data = json.dumps(export, indent=2, ensure_ascii=False).encode()
    note = "Here is everything I hold about you. /forgetme erases it."
    out: list[Outgoing] = [File(ctx.incoming.chat, "my-data.json", data, "application/json", caption=note)]
    if ctx.member is not None:  # a member may also delete one thing of his own
        out.append(ctx.reply("Or delete just one thing of yours:", buttons=menu_button(ctx.member.id)))
    return Reply(out)


async def forget_me(ctx: Context) -> Reply:
    memberships = await _held(ctx)
    if not memberships:
        return _stranger(ctx)
    buttons = ((ForgetMeAnswer("yes").button("Yes"), ForgetMeAnswer("no").button("No")),)
    out = " and takes you out of the group chat" if any(m.active for m in memberships) else ""
    text = (
        f"This erases everything I hold about you{out}. I also take back what I posted in the group with your "
        "words or your name: I delete it, or where I can't any more, change it to "
        f"\"{REMOVED_AT_REQUEST}\". Votes you cast stay counted in closed results, without your name. Go ahead?"
    )
    return Reply([ctx.reply(text, buttons=buttons)])


def take_back(group: Group, posts: list[MemberPost]) -> list[Outgoing]:
    """Each post of the bot's about him, newest first (a thread's replies before its root)."""
    chat = group_chat(group)
    return [
        Delete(
            replace(chat, chat_id=p.chat_id), card=p.card, message_id=p.place.message_id,
            whole_thread=p.place.thread_id is not None, or_edit_to=REMOVED_AT_REQUEST,
        )
        for p in posts
    ]  # fmt: skip


async def forget_me_answer(ctx: Context, parts: Parts) -> Reply:
    memberships = await _held(ctx)
    if not memberships:
        return _stranger(ctx)
    if ctx.pressed(ForgetMeAnswer).answer != "yes":
        return Reply([ctx.reply("Okay, nothing erased.")])
    if not ctx.in_dm:
        return Reply(toast="Please answer this in our private chat.")
    out: list[Outgoing] = []
    taken = 0
    for member in memberships:
        group = await ctx.uow.groups.get(member.group_id)
        if group is not None:
            posts = await ctx.uow.member_posts.of_member(member.id)
            out += take_back(group, posts)
            taken += len(posts)
        for part in parts.erased:
            out += await part.erase(ctx.uow, member) or []
        if group is not None:  # his row is gone: the setup card lists the founders without him
            out += await founders_without(ctx, group, member)
        if group and member.active:  # off the member list means out of the closed chat too
            out.append(Remove(group_chat(group), member.user_id))
            out += await settle_open(ctx.scope_of(group))  # open votes re-count without him
    posts_note = f" I've taken back {taken} of my posts from the group." if taken else ""
    out.append(ctx.reply(f"Done. I've erased everything I held about you.{posts_note} Take care."))
    out.append(CloseChat(ctx.incoming.chat))  # after the goodbye: the platform state about him goes then
    return Reply(out)


def register(features: Sequence[PrivacyPart]) -> Feature:
    """/mydata and /forgetme over `features`, every other feature's parts in the order they were declared."""
    parts = Parts(tuple(features))

    async def mydata(ctx: Context) -> Reply:
        return await my_data(ctx, parts)

    async def answer(ctx: Context) -> Reply:
        return await forget_me_answer(ctx, parts)

    feature = Feature("privacy")
    # Open beyond the member list: someone who left or was removed keeps these two while anything of his is held;
    # the handlers answer anyone else with the stranger's line.
    feature.command("mydata", mydata, where="dm", members_only=False, summary="see everything I hold about you")
    feature.command(
        "forgetme", forget_me, where="dm", members_only=False, summary="erase everything I hold about you"
    )
    feature.button(ForgetMeAnswer, answer, members_only=False)
    feature.privacy.append(MEMBERSHIP)
    return feature
