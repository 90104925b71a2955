"""Who is speaking, in which group: the membership check every event passes before any handler runs."""

from __future__ import annotations

from magbot.core.context import BotPolicy, Context
from magbot.core.events import Command, Incoming, Text
from magbot.domain.members import clean_name
from magbot.storage.uow import UnitOfWork


async def identify(uow: UnitOfWork, incoming: Incoming, ctx: Context) -> Context:
    """Fill in the group, the member (None for a stranger) and the thread's card on a fresh context."""
    chat, sender = incoming.chat, incoming.sender
    thread = getattr(incoming, "thread", None)
    if thread:  # platforms report their own thread id; handlers and the outbox speak of card names
        ctx.thread_card = await uow.cards.find_by_thread(chat.platform, chat.chat_id, thread)
    if chat.is_dm:
        # Someone in several groups on one deployment speaks for the group he joined first.
        group, member, pending = await uow.groups.first_membership(chat.platform, sender.user_id)
        if member is not None:
            ctx.group, ctx.member = group, member
            uow.pending.seen(member.id, chat.chat_id, pending)
            if not member.dm_open:  # he opened the private chat: what waited for him can go now
                await uow.members.set_reachability(chat.platform, sender.user_id, dm_open=True)
                await uow.outbox.release_chat(chat.platform, sender.user_id, ctx.now)
        return ctx

    ctx.group, member, pending = await uow.groups.speaker(chat.platform, chat.chat_id, sender.user_id)
    if member is not None:  # the router asks for his step next: it was read with him
        uow.pending.seen(member.id, chat.chat_id, pending)
    if ctx.group is None:
        ctx.group = await uow.groups.create(chat.platform, chat.chat_id, dict(ctx.policy.defaults), ctx.now)
    if member is not None and member.active:
        ctx.member = member
    elif _joins_as_founder(ctx, incoming, ctx.policy):
        # Before /setup, whoever takes part in the group chat is a founding member (PRODUCT.md, "The space").
        ctx.member = await uow.members.add(
            ctx.group.id, sender.user_id, clean_name(sender.display_name), founding=True, now=ctx.now
        )
    return ctx


def _joins_as_founder(ctx: Context, incoming: Incoming, policy: BotPolicy) -> bool:
    if ctx.group is None or ctx.group.is_set_up:
        return False
    if not isinstance(incoming, Command | Text):
        return False
    if policy.setup_allowed and isinstance(incoming, Command) and incoming.name == "setup":
        return incoming.sender.user_id in policy.setup_allowed
    return True
