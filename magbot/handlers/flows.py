"""Guided conversations: a command given without its words asks for them, and the next message answers.

The step lives in the database (`pending_inputs`), so it survives restarts and works the same everywhere.
Every question goes through `ask`, which adds the way out: a `Cancel` button. `/cancel`, or "cancel", "stop"
or "never mind" typed alone, end the conversation too (`with_way_out` wraps every flow's step for that).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from magbot.core.context import Buttons, Context, FlowContext, MemberContext
from magbot.core.events import Reply, Text
from magbot.core.feature import Feature
from magbot.core.records import PendingInput
from magbot.core.router import FlowHandler, Handler, HandlerResult, MemberHandler
from magbot.core.wire import Const, Id, Press
from magbot.domain.limits import TextLimit

FLOW_LIFETIME = timedelta(minutes=30)
STOPPED = "Okay, stopped. Nothing was saved."
STOP_LINE = "stopped_line"  # in a step's data: what to say when it is stopped, where something was kept already
NOTHING_OPEN = "There's nothing to stop: I'm not waiting for an answer from you here."
# Typed alone (any case, with a full stop or "!"), these end the conversation instead of answering it.
STOP_WORDS = frozenset({"cancel", "/cancel", "stop", "never mind", "nevermind", "forget it", "quit"})


@dataclass(frozen=True)
class CancelPress(Press, prefix="flow", shape=(Const("cancel"), Id())):
    """`flow:cancel:<member id>`: the `Cancel` under every guided question, for the member it asks."""

    owner: int


def cancel_row(member_id: int) -> tuple[Any, ...]:
    return (CancelPress(member_id).button("Cancel"),)


async def ask(
    ctx: MemberContext,
    flow: str,
    prompt: str,
    step: str = "text",
    data: dict[str, Any] | None = None,
    buttons: Buttons = (),
    lifetime: timedelta = FLOW_LIFETIME,
    stopped: str = STOPPED,
) -> Reply:
    """Remember that this member's next message in this chat answers `flow` at `step`, and ask him (with buttons
    for the common answers, and `Cancel`). Every guided conversation asks through here. `stopped` is what he is
    told if he stops here (say what was kept, if something was)."""
    pending = PendingInput(flow, step, (data or {}) | ({STOP_LINE: stopped} if stopped != STOPPED else {}))
    await ctx.uow.pending.put(ctx.member.id, ctx.incoming.chat.chat_id, pending, ctx.now + lifetime)
    return Reply([ctx.reply(prompt, buttons=(*buttons, cancel_row(ctx.member.id)))])


async def finish(ctx: MemberContext) -> None:
    await ctx.uow.pending.clear(ctx.member.id, ctx.incoming.chat.chat_id)


async def waiting(ctx: MemberContext, flow: str) -> PendingInput | None:
    """This member's open step of `flow` in this chat (a button of the flow was pressed), or None."""
    pending = await ctx.uow.pending.get(ctx.member.id, ctx.incoming.chat.chat_id, ctx.now)
    return pending if pending is not None and pending.flow == flow else None


def stopped_line(pending: PendingInput | None) -> str:
    return str(pending.data.get(STOP_LINE, STOPPED)) if pending is not None else NOTHING_OPEN


def is_stop_word(text: str) -> bool:
    return " ".join(text.lower().strip(" .!").split()) in STOP_WORDS


def with_way_out(handler: Handler) -> Handler:
    """A flow's step, except that "cancel", "stop" or "never mind" typed alone end the conversation."""

    async def step(ctx: Context) -> HandlerResult:
        text = ctx.incoming
        if isinstance(text, Text) and is_stop_word(text.text) and ctx.member is not None:
            await ctx.uow.pending.clear(ctx.member.id, text.chat.chat_id)
            return Reply([ctx.reply(stopped_line(ctx.pending))])
        return await handler(ctx)

    return step


Act = Callable[[MemberContext, str], Awaitable[Reply]]
Check = Callable[[str], str | None]  # what he typed -> why it is refused (too long), or None when it fits
SHORTER = "Send a shorter one here, or press Cancel."  # a refused answer: the question stays open
GIVEN = "given"  # in a step's data: the part of the command's words he gave already, added to his answer


def too_long(limit: TextLimit) -> Check:
    """The usual check of a guided answer: the kind's limit, on the words with their spaces tidied."""
    return lambda raw: limit.refusal(" ".join(raw.split()), SHORTER)


def words_or_ask(flow: str, prompt: str, act: Act, check: Check | None = None) -> tuple[MemberHandler, FlowHandler]:
    """A command that takes words: with them it acts at once; without, it asks, and the next message is them.

    An answer `check` refuses (too long) is refused with the limit and the question stays open, so his next,
    shorter message is taken: he never has to start again. Returns the command handler and the flow handler,
    to register under the same name.
    """

    async def command(ctx: MemberContext) -> Reply:
        return await act(ctx, ctx.args) if ctx.args else await ask(ctx, flow, prompt)

    async def answer(ctx: FlowContext) -> Reply:
        text = str(getattr(ctx.incoming, "text", ""))
        if check is not None and (refusal := check(text)):
            return await ask(ctx, flow, refusal, ctx.pending.step, dict(ctx.pending.data))
        await finish(ctx)
        return await act(ctx, f"{text} {ctx.pending.data.get(GIVEN, '')}".strip())

    return command, answer


async def cancel_command(ctx: MemberContext) -> Reply:
    """/cancel: routing already ended the conversation a command ends, and told us which (`ctx.pending`)."""
    return Reply([ctx.reply(stopped_line(ctx.pending))])


async def cancel_pressed(ctx: MemberContext) -> Reply:
    press = ctx.pressed(CancelPress)
    if press.owner != ctx.member.id:
        return Reply(toast="That question was for someone else.")
    pending = await ctx.uow.pending.get(ctx.member.id, ctx.incoming.chat.chat_id, ctx.now)
    if pending is None:
        return Reply(toast="That's over already.")
    await finish(ctx)
    return Reply([ctx.reply(stopped_line(pending))])


def register() -> Feature:
    feature = Feature("conversations")
    feature.command("cancel", cancel_command, summary="stop what I asked you, if you'd rather not go on")
    feature.button(CancelPress, cancel_pressed)
    return feature
