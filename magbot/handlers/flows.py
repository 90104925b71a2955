"""Guided conversations: a command given without its words asks for them, and the next message answers.

The step lives in the database (`pending_inputs`), so it survives restarts and works the same everywhere.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from magbot.core.context import Context
from magbot.core.events import Reply
from magbot.storage.state import PendingInput

FLOW_LIFETIME = timedelta(minutes=30)


async def ask(ctx: Context, flow: str, prompt: str, step: str = "text", data: dict[str, Any] | None = None) -> Reply:
    """Remember that this member's next message in this chat answers `flow`, and ask him."""
    assert ctx.member is not None
    pending = PendingInput(flow, step, data or {})
    await ctx.uow.pending.put(ctx.member.id, ctx.incoming.chat.chat_id, pending, ctx.now + FLOW_LIFETIME)
    return Reply([ctx.reply(prompt)])


async def finish(ctx: Context) -> None:
    assert ctx.member is not None
    await ctx.uow.pending.clear(ctx.member.id, ctx.incoming.chat.chat_id)
