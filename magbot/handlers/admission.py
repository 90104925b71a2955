"""Joining by group decision: /invite <name or handle>, and a stranger's join request (Telegram join request,
Matrix knock). Either opens an admission vote; decisions.py lets the person in, or declines politely."""

from __future__ import annotations

from magbot.core.context import Context, MemberContext
from magbot.core.events import Reply
from magbot.core.feature import Feature
from magbot.domain.members import clean_name
from magbot.handlers.decisions import admit_invited, already_open, open_decision, vote_is_open_text
from magbot.handlers.flows import ask, words_or_ask

INVITE_HOW = "Who would you like to invite? Write their name or handle, like: Tom Brown, or @tom_b. The group votes."


def handle_of(words: str) -> str:
    """How we match the person later: a Matrix id stays as it is, anything else loses '@' and case."""
    words = words.strip()
    return words if words.startswith("@") and ":" in words else words.lstrip("@").lower()


async def invite_someone(ctx: MemberContext, words: str) -> Reply:
    """`/invite <name or handle>`, or the answer to "Who would you like to invite?"."""
    handle, name = handle_of(words), clean_name(words.strip().lstrip("@"))
    if not handle.strip("@"):
        return await ask(ctx, "invite", INVITE_HOW)
    existing = await ctx.uow.members.in_group(ctx.group.id, handle)
    if existing is not None and existing.active:
        return Reply([ctx.reply(f"{existing.name} is already in the group.")])
    if (open_one := await already_open(ctx.uow, ctx.group.id, "admit", handle=handle)) is not None:
        return Reply([ctx.reply(vote_is_open_text(open_one, ctx.group))])
    payload = {"user_id": handle, "handle": handle, "name": name, "request": False}
    out = await open_decision(ctx.scope, "admit", payload, proposer=ctx.member)
    return ctx.group_posts(out, "It's up for a vote in the group now.")


async def join_request(ctx: Context) -> Reply:
    """A stranger asks to join: let him in if the group already voted to invite him, else open a vote."""
    group, sender = ctx.group, ctx.incoming.sender
    if group is None or not group.is_set_up or ctx.in_dm:
        return Reply()
    member = await ctx.uow.members.in_group(group.id, sender.user_id)
    if member is not None and member.active:
        return Reply()
    name = clean_name(sender.display_name)
    scope = ctx.scope_of(group)
    invited = await admit_invited(scope, sender.user_id, name)
    if invited:
        return Reply(invited)
    if await already_open(ctx.uow, group.id, "admit", user_id=sender.user_id) is not None:
        return Reply()
    payload = {"user_id": sender.user_id, "handle": handle_of(sender.user_id), "name": name, "request": True}
    return Reply(await open_decision(scope, "admit", payload))


invite, invite_answer = words_or_ask("invite", INVITE_HOW, invite_someone)


def register() -> Feature:
    feature = Feature("admission")
    feature.command("invite", invite, summary="propose someone to join", example="/invite @tom_b")
    feature.flow("invite", invite_answer)
    feature.on("JoinRequest", join_request)
    return feature
