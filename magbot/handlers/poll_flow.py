"""The guided /poll: the question, the answers one a message (`Done`), one answer or several, anonymous or
named, and when it closes (`In a day`, `In 3 days`, `In a week`, `Pick a time`, `Skip`).

Every question goes through `flows.ask` (so each has `Cancel`); at a button step the member may also type the
button's words, which count as pressing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from magbot.core.context import Buttons, FlowContext, MemberContext
from magbot.core.events import Reply
from magbot.core.wire import Id, OneOf, Press
from magbot.domain.limits import POLL_ANSWER, POLL_QUESTION
from magbot.domain.polls import (
    MAX_OPTIONS,
    POLL_EXAMPLE,
    PollError,
    PollSpec,
    default_close,
    parse_when,
)
from magbot.handlers.flows import SHORTER, ask, finish, waiting

FLOW = "poll"
ASK_QUESTION = f"What's the question? (Or do it in one go: {POLL_EXAMPLE})"
ASK_OPTIONS = "Now the answers people can pick, one message each. Press Done when you have them all."
ASK_MULTI = "Can people pick one answer, or several?"
ASK_NAMED = "Should the result show who voted what?"
ASK_CLOSES = "When should the poll close?"
ASK_WHEN = "When should it close? For example: friday 18:00, tomorrow 19:00, or 2d (two days)."
# Each button step: its choices as (data word, label), in the order shown.
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "options": (("done", "Done"),),
    "multi": (("one", "One answer"), ("multi", "Several")),
    "named": (("anon", "Anonymous"), ("named", "Named")),
    "closes": (("day", "In a day"), ("3days", "In 3 days"), ("week", "In a week"), ("pick", "Pick a time"),
               ("skip", "Skip")),
}  # fmt: skip
CLOSE_IN = {"day": timedelta(days=1), "3days": timedelta(days=3), "week": timedelta(days=7)}
PROMPTS = {"multi": ASK_MULTI, "named": ASK_NAMED, "closes": ASK_CLOSES}

Start = Callable[[MemberContext, PollSpec], Awaitable[Reply]]


@dataclass(frozen=True)
class PollStep(Press, prefix="poll", shape=(OneOf(*(w for c in CHOICES.values() for w, _ in c)), Id())):
    """`poll:<choice>:<member id>`: a button of the guided /poll, for the member making it (`poll:anon:<id>` and
    `poll:named:<id>` are the data the old last question had, so those buttons still work)."""

    choice: str
    owner: int


def _buttons(step: str, member_id: int) -> Buttons:
    return (tuple(PollStep(word, member_id).button(label) for word, label in CHOICES.get(step, ())),)


async def _ask(ctx: MemberContext, step: str, prompt: str, data: dict[str, Any]) -> Reply:
    return await ask(ctx, FLOW, prompt, step, data, buttons=_buttons(step, ctx.member.id) if step in CHOICES else ())


async def begin(ctx: MemberContext) -> Reply:
    return await _ask(ctx, "question", ASK_QUESTION, {})


async def carry_on(ctx: MemberContext, question: str, answers: tuple[str, ...]) -> Reply:
    """`/poll Football?` (or with one answer): the question is taken, and the answers are asked one a message."""
    if refusal := POLL_QUESTION.refusal(question, SHORTER):
        return await _ask(ctx, "question", refusal, {})
    if not question:
        return await begin(ctx)
    if refusal := next(filter(None, (POLL_ANSWER.refusal(a, SHORTER) for a in answers)), None):
        return await _ask(ctx, "options", refusal, {"question": question, "options": []})
    got = f"Got the question: {question}" + ("" if question[-1] in "?!." else ".")
    if answers:
        prompt = f"{got} Answers so far: {', '.join(answers)}. What's the next one? Press Done when you have them all."
    else:
        prompt = f"{got} {ASK_OPTIONS}"
    return await _ask(ctx, "options", prompt, {"question": question, "options": list(answers)})


def _typed_choice(step: str, text: str) -> str | None:
    """A button's words typed instead of pressing it ("done", "several", "named", "in a week")."""
    wanted = text.lower().strip(" .!")
    return next((word for word, label in CHOICES.get(step, ()) if wanted in (label.lower(), word)), None)


async def text_given(ctx: FlowContext, start: Start) -> Reply:
    text = " ".join(str(getattr(ctx.incoming, "text", "")).replace("|", "/").split())
    step, data = ctx.pending.step, dict(ctx.pending.data)
    if step == "question":
        if not text:
            return await _ask(ctx, "question", "Please write the question in one message. For example: Football "
                              "on Saturday?", data)  # fmt: skip
        if refusal := POLL_QUESTION.refusal(text, SHORTER):
            return await _ask(ctx, "question", refusal, data)
        return await _ask(ctx, "options", ASK_OPTIONS, {"question": text, "options": []})
    if step == "when":
        try:
            data["closes_at"] = parse_when(text, ctx.now, ctx.group.settings.zone).isoformat()
        except PollError as exc:
            return await _ask(ctx, "when", str(exc).replace("closes ", ""), data)
        return await _post(ctx, data, start)
    if (choice := _typed_choice(step, text)) is not None:
        return await _chosen(ctx, step, choice, data, start)
    if step == "options":
        return await _add_option(ctx, text, data, start)
    return await _ask(ctx, step, f"Please press one of the buttons. {PROMPTS[step]}", data)


async def _add_option(ctx: MemberContext, text: str, data: dict[str, Any], start: Start) -> Reply:
    options: list[str] = list(data.get("options", []))
    if not text:
        return await _ask(ctx, "options", "Please write the answer in one message. Next one?", data)
    if refusal := POLL_ANSWER.refusal(text, "Send a shorter one here, or press Done."):
        return await _ask(ctx, "options", refusal, data)
    if text.lower() in (o.lower() for o in options):
        return await _ask(ctx, "options", f"You have {text} already. Next one, or press Done.", data)
    data["options"] = [*options, text]
    if len(data["options"]) >= MAX_OPTIONS:
        return await _chosen(ctx, "options", "done", data, start)
    return await _ask(ctx, "options", f"Got it: {text}. Next one, or press Done.", data)


async def _chosen(ctx: MemberContext, step: str, choice: str, data: dict[str, Any], start: Start) -> Reply:
    """A button of `step` pressed (or its words typed): the next question, or the poll."""
    if step == "options":
        if len(data.get("options", [])) < 2:
            return await _ask(ctx, "options", "A poll needs at least two answers. What's the next one?", data)
        return await _ask(ctx, "multi", ASK_MULTI, data)
    if step == "multi":
        return await _ask(ctx, "named", ASK_NAMED, data | {"multi": choice == "multi"})
    if step == "named":
        return await _ask(ctx, "closes", ASK_CLOSES, data | {"named": choice == "named"})
    if choice == "pick":
        return await _ask(ctx, "when", ASK_WHEN, data)
    closes = ctx.now + CLOSE_IN[choice] if choice in CLOSE_IN else default_close(ctx.now)
    return await _post(ctx, data | {"closes_at": closes.isoformat()}, start)


async def _post(ctx: MemberContext, data: dict[str, Any], start: Start) -> Reply:
    await finish(ctx)
    spec = PollSpec(
        data["question"], tuple(data["options"]), named=bool(data.get("named")), multi=bool(data.get("multi")),
        closes_at=datetime.fromisoformat(data["closes_at"]),
    )  # fmt: skip
    return await start(ctx, spec)


async def pressed(ctx: MemberContext, start: Start) -> Reply:
    press = ctx.pressed(PollStep)
    if press.owner != ctx.member.id:
        return Reply(toast="That question was for someone else.")
    pending = await waiting(ctx, FLOW)
    if pending is None:
        return Reply(toast="That poll has timed out. Type /poll to start again.")
    if not any(word == press.choice for word, _ in CHOICES.get(pending.step, ())):
        return Reply(toast="Please answer the newest question.")
    return await _chosen(ctx, pending.step, press.choice, dict(pending.data), start)
