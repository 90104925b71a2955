"""The one fallback for plain texts that no guided flow is waiting for.

It notes that a member in a buddy pair was seen (a message in the group), relays replies inside an anonymous
offload's thread to its author, and in a private chat points to /help.
"""

from __future__ import annotations

from magbot.core.context import MemberContext
from magbot.core.events import Reply, Text
from magbot.core.router import Router
from magbot.handlers import offload

DM_HINT = "Type /help to see what I can do."


async def on_text(ctx: MemberContext) -> Reply:
    """Reached only from a member (routing answers a stranger's text itself)."""
    text, member = ctx.incoming, ctx.member
    assert isinstance(text, Text)
    if ctx.in_dm:
        return Reply([ctx.reply(DM_HINT)])
    await ctx.uow.buddies.seen(member.id, ctx.now)
    if text.thread:
        return await offload.relay(ctx, text.thread)
    return Reply()


def register(router: Router) -> None:
    router.on("Text", on_text)
