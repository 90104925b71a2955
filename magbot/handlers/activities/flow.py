"""The guided /activity: what, when, where, then places, cost and guests (each may be skipped)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from magbot.core.context import Buttons, FlowContext, MemberContext
from magbot.core.events import Reply
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain.activities import (
    WHEN_HELP,
    ActivityError,
    ActivitySpec,
    clean,
    parse_cost,
    parse_places,
    parse_start,
)
from magbot.domain.limits import ACTIVITY_PLACE, ACTIVITY_WHAT
from magbot.handlers.flows import SHORTER, ask, finish

FLOW = "activity"
ASK_WHAT = "What's the activity? For example: Football, or Trip to the coast."
ASK_WHEN = f"When is it? Write the day and time, like {WHEN_HELP}."
ASK_WHERE = "Where? For example: Pollok Park."
ASK_PLACES = "How many places are there? Write a number, or press Skip."
ASK_COST = "Does it cost anything? Write it like £3, or press Skip."
ASK_GUESTS = "Can people bring a guest (family or a friend)?"

Start = Callable[[MemberContext, ActivitySpec], Awaitable[Reply]]


@dataclass(frozen=True)
class SkipPress(Press, prefix="activity", shape=(Const("skip"), Id())):
    """`activity:skip:<member id>`: Skip, for places or cost."""

    owner: int


@dataclass(frozen=True)
class GuestsPress(Press, prefix="activity", shape=(Const("guests"), Id(), OneOf("yes", "no"))):
    """`activity:guests:<member id>:<yes|no>`: the last question. (The member id comes before the answer here,
    unlike the post's `activity:<answer>:<activity id>`; kept so buttons already in chats still work.)"""

    owner: int
    answer: str


async def _ask(ctx: MemberContext, step: str, prompt: str, data: dict[str, Any], buttons: bool = False) -> Reply:
    """The next question, through the one `flows.ask`; Skip on optional steps, Yes/No on the last."""
    mine = ctx.member.id
    rows: Buttons
    if step == "guests":
        rows = ((GuestsPress(mine, "yes").button("Yes"), GuestsPress(mine, "no").button("No")),)
    else:
        rows = ((SkipPress(mine).button("Skip"),),) if buttons else ()
    return await ask(ctx, FLOW, prompt, step, data, buttons=rows)


async def take_answer(ctx: MemberContext, step: str, text: str, data: dict[str, Any]) -> Reply:
    """One answer ("" when skipped) moves the conversation on; a wrong one asks again, kindly."""
    zone = ctx.group.settings.zone
    try:
        if step == "what":
            return await _ask(ctx, "when", ASK_WHEN, {"what": clean(text, ACTIVITY_WHAT, "what it is", SHORTER)})
        if step == "when":
            data["starts_at"] = parse_start(text, ctx.now, zone).isoformat()
            return await _ask(ctx, "where", ASK_WHERE, data)
        if step == "where":
            data["place"] = clean(text, ACTIVITY_PLACE, "where", SHORTER)
            return await _ask(ctx, "places", ASK_PLACES, data, buttons=True)
        if step == "places":
            data["places"] = parse_places(text) if text else None
            return await _ask(ctx, "cost", ASK_COST, data, buttons=True)
        if step == "cost":
            data["cost"] = parse_cost(text) if text else None
            return await _ask(ctx, "guests", ASK_GUESTS, data)
    except ActivityError as exc:
        return await _ask(ctx, step, str(exc), data, buttons=step in ("places", "cost"))
    return await _ask(ctx, "guests", "Please press Yes or No above.", data)


async def carry_on(ctx: MemberContext, given: list[str]) -> Reply:
    """`/activity Pool night` or `/activity Pool night | friday 19:00`: what he gave answers the first questions,
    and the conversation asks for the rest (a wrong part is asked again, the parts before it kept)."""
    what, when = [*given, ""][:2]
    if not when:
        return await take_answer(ctx, "what", what, {})
    try:
        data: dict[str, Any] = {"what": clean(what, ACTIVITY_WHAT, "what it is", SHORTER)}
    except ActivityError as exc:
        return await _ask(ctx, "what", str(exc), {})
    return await take_answer(ctx, "when", when, data)


async def flow_text(ctx: FlowContext) -> Reply:
    text = str(getattr(ctx.incoming, "text", ""))
    return await take_answer(ctx, ctx.pending.step, text, dict(ctx.pending.data))


async def flow_button(ctx: MemberContext, start: Start) -> Reply:
    """`Skip` (places, cost) and `Yes`/`No` (guests): the buttons of the guided conversation."""
    press, member = ctx.press, ctx.member
    assert isinstance(press, SkipPress | GuestsPress)
    if press.owner != member.id:
        return Reply(toast="That question was for someone else.")
    pending = await ctx.uow.pending.get(member.id, ctx.incoming.chat.chat_id, ctx.now)
    if pending is None or pending.flow != FLOW:
        return Reply(toast="That has timed out. Type /activity to start again.")
    data = dict(pending.data)
    if isinstance(press, SkipPress) and pending.step in ("places", "cost"):
        return await take_answer(ctx, pending.step, "", data)
    if not isinstance(press, GuestsPress) or pending.step != "guests":
        return Reply(toast="Please answer the newest question.")
    await finish(ctx)
    spec = ActivitySpec(
        data["what"],
        datetime.fromisoformat(data["starts_at"]),
        data["place"],
        data.get("places"),
        data.get("cost"),
        guests=press.answer == "yes",
    )
    return await start(ctx, spec)
