"""Flagging: reply to a message with /flag. At the group's flag count, the message is hidden at once and the
group votes on removing it for good. Flaggers stay anonymous: the /flag message itself is deleted too."""

from __future__ import annotations

from magbot.core.context import MemberContext
from magbot.core.events import Command, Delete, Outgoing, Reply
from magbot.core.feature import Feature
from magbot.handlers.decisions import open_decision

FLAG_HOW = "Reply to the message you want to flag, then write /flag. Nobody is told who flagged it."


async def flag(ctx: MemberContext) -> Reply:
    command, group, member = ctx.incoming, ctx.group, ctx.member
    assert isinstance(command, Command)
    if command.reply_to is None or command.reply_to.chat.chat_id != group.chat_id:
        return Reply([ctx.reply(FLAG_HOW)])
    flagged = command.reply_to.message_id
    chat = ctx.group_chat
    out: list[Outgoing] = []
    if command.message_id:  # his own /flag message: deleting it keeps him anonymous
        out.append(Delete(chat, message_id=command.message_id))
    out.append(ctx.dm(member, "Thanks. Your flag is noted, and nobody is told it was you."))
    count = await ctx.uow.flags.add(group.id, flagged, member.id, ctx.now)
    if count >= group.settings.flags_to_hide:
        # The group's own rule (flags_to_hide, a setting it votes on) hides the message now; a vote decides the rest.
        await ctx.uow.flags.clear(group.id, flagged)
        out.append(Delete(chat, message_id=flagged))
        out += await open_decision(ctx.scope, "hide", {"message_id": flagged})
    return Reply(out)


def register() -> Feature:
    feature = Feature("moderation")
    feature.command("flag", flag, where="group", summary="flag a message (reply to it)", example=FLAG_HOW)
    return feature
