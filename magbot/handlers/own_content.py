"""A member deletes one thing of his own (PRODUCT.md "Your data"): /mydata's `Delete one thing` lists his
suggestions, shared resources, offers and needs and sign-ups as buttons (check-ins go by /mycheckins' `Delete one`);
one press deletes that one, and its post goes from the group with it (a sign-up leaves the activity's card).

The bot acts here on nobody but the member pressing: each button carries his member id and works for him alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from magbot.core.context import MemberContext
from magbot.core.events import REMOVED_AT_REQUEST, Button, ChatRef, Delete, Outgoing, Reply
from magbot.core.feature import Feature
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain.activities import press
from magbot.handlers.activities.cards import card_edit, dm_all, headline
from magbot.handlers.agenda import suggestion_card
from magbot.handlers.checkins import DeleteOnePress
from magbot.handlers.help_offers import expiry_key, help_card
from magbot.handlers.resources import resource_card

KINDS = ("suggestion", "resource", "help", "signup")
LABEL_WORDS = 32  # a button's text on a narrow screen
MOVED_IN = (
    "Good news: a place came free, so you're in for {what}. Can't make it after all? Press Can't on the post."
)


@dataclass(frozen=True)
class OwnMenu(Press, prefix="mine", shape=(Const("menu"), Id())):
    """`mine:menu:<member id>`: /mydata's `Delete one thing`."""

    owner: int


@dataclass(frozen=True)
class OwnDelete(Press, prefix="mine", shape=(OneOf(*KINDS), Id(), Id())):
    """`mine:<kind>:<member id>:<item id>`: delete that one of his (a help item is an offer or a need)."""

    kind: str
    owner: int
    item: int


def menu_button(member_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((OwnMenu(member_id).button("Delete one thing"),),)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_WORDS else text[: LABEL_WORDS - 1].rstrip() + "…"


async def menu(ctx: MemberContext) -> Reply:
    if ctx.pressed(OwnMenu).owner != ctx.member.id:
        return Reply(toast="That list is for someone else. /mydata shows yours.")
    uow, me = ctx.uow, ctx.member.id
    rows: list[tuple[Button, ...]] = [(DeleteOnePress(me).button("A check-in"),)]
    for item, topic in await uow.meetings.own_open(me):
        rows.append((OwnDelete("suggestion", me, item).button(f"Suggestion: {_short(topic)}"),))
    for item, text in await uow.resources.own(me):
        rows.append((OwnDelete("resource", me, item).button(f"Shared: {_short(text)}"),))
    for post_id in await uow.help_offers.ids_of(me):
        post = await uow.help_offers.get(post_id)
        if post is not None and post.status == "open":
            rows.append((OwnDelete("help", me, post_id).button(f"{post.kind.capitalize()}: {_short(post.text)}"),))
    for activity_id in await uow.activities.signed_up(me):
        found = await uow.activities.get(activity_id)
        if found is not None and found.status == "open" and found.starts_at > ctx.now:
            rows.append((OwnDelete("signup", me, activity_id).button(f"Sign-up: {_short(found.what)}"),))
    return Reply([ctx.reply("Which one should I delete? Its post goes from the group with it.", buttons=tuple(rows))])


async def delete_one(ctx: MemberContext) -> Reply:
    pressed = ctx.pressed(OwnDelete)
    if pressed.owner != ctx.member.id:
        return Reply(toast="That's someone else's. /mydata shows yours.")
    out = await DELETERS[pressed.kind](ctx, pressed.item)
    if out is None:
        return Reply(toast="That one is gone already.")
    return Reply([*out, ctx.reply("Deleted. Its post is gone from the group.")])


def _take_down(chat: ChatRef, card: str) -> Delete:
    return Delete(chat, card=card, or_edit_to=REMOVED_AT_REQUEST)


async def _suggestion(ctx: MemberContext, item: int) -> list[Outgoing] | None:
    found = await ctx.uow.meetings.suggestion(item)
    if found is None or found.member_id != ctx.member.id:
        return None
    await ctx.uow.meetings.remove_suggestion(item)
    return [_take_down(ctx.group_chat, suggestion_card(item))]


async def _resource(ctx: MemberContext, item: int) -> list[Outgoing] | None:
    found = await ctx.uow.resources.get(item)
    if found is None or found.member_id != ctx.member.id:
        return None
    await ctx.uow.resources.remove(item)
    return [_take_down(ctx.group_chat, resource_card(item))]


async def _help(ctx: MemberContext, item: int) -> list[Outgoing] | None:
    found = await ctx.uow.help_offers.get(item)
    if found is None or found.member_id != ctx.member.id:
        return None
    await ctx.uow.help_offers.remove(item)
    await ctx.uow.schedule.cancel(expiry_key(item))
    return [_take_down(ctx.group_chat, help_card(item))]


async def _signup(ctx: MemberContext, item: int) -> list[Outgoing] | None:
    """His answer goes from the card; a place he held goes to the first waiting, who is told."""
    found = await ctx.uow.activities.get(item)
    before = await ctx.uow.activities.signups(item)
    me = ctx.member.id
    if found is None or not any(s.member_id == me for s in before):
        return None
    change = press(before, me, "cant", found.places)  # as Can't: a place he held goes to the first waiting
    await ctx.uow.activities.save_signups(item, change.signups)
    await ctx.uow.activities.remove_signup(item, me)
    moved = [m for m in [await ctx.uow.members.get(i) for i in change.moved_in] if m is not None and m.id != me]
    text = MOVED_IN.format(what=headline(found, ctx.group.settings.zone))
    return [await card_edit(ctx.scope, found), *dm_all(ctx.scope, moved, text)]


DELETERS = {"suggestion": _suggestion, "resource": _resource, "help": _help, "signup": _signup}


def register() -> Feature:
    feature = Feature("own_content")
    feature.button(OwnMenu, menu)
    feature.button(OwnDelete, delete_one)
    return feature
