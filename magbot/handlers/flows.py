"""Guided conversations: a command given without its words asks for them, and the next message answers.

The step lives in the database (`pending_inputs`), so it survives restarts and works the same everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from magbot.core.context import Buttons, FlowContext, MemberContext
from magbot.core.events import Reply
from magbot.core.records import PendingInput
from magbot.core.router import FlowHandler, MemberHandler

FLOW_LIFETIME = timedelta(minutes=30)


async def ask(
    ctx: MemberContext,
    flow: str,
    prompt: str,
    step: str = "text",
    data: dict[str, Any] | None = None,
    buttons: Buttons = (),
    lifetime: timedelta = FLOW_LIFETIME,
) -> Reply:
    """Remember that this member's next message in this chat answers `flow` at `step`, and ask him (with buttons
    for the common answers). Every guided conversation asks through here."""
    pending = PendingInput(flow, step, data or {})
    await ctx.uow.pending.put(ctx.member.id, ctx.incoming.chat.chat_id, pending, ctx.now + lifetime)
    return Reply([ctx.reply(prompt, buttons=buttons)])


async def finish(ctx: MemberContext) -> None:
    await ctx.uow.pending.clear(ctx.member.id, ctx.incoming.chat.chat_id)


Act = Callable[[MemberContext, str], Awaitable[Reply]]


def words_or_ask(flow: str, prompt: str, act: Act) -> tuple[MemberHandler, FlowHandler]:
    """A command that takes words: with them it acts at once; without, it asks, and the next message is them.

    Returns the command handler and the flow handler, to register under the same name.
    """

    async def command(ctx: MemberContext) -> Reply:
        return await act(ctx, ctx.args) if ctx.args else await ask(ctx, flow, prompt)

    async def answer(ctx: FlowContext) -> Reply:
        await finish(ctx)
        return await act(ctx, str(getattr(ctx.incoming, "text", "")))

    return command, answer
