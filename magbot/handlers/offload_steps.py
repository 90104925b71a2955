"""The offload's buttons and its guided questions (the heavy-topic question, the reply mode), and the relay:
replies in an anonymous offload's thread go to its author privately; his answers come back through `Reply`, or,
typed straight into the private chat, after "Send this to your offload thread?".

offload.py (the feature) uses these; every question goes through `flows.ask`, so each has its `Cancel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from magbot.core.context import Buttons, MemberContext
from magbot.core.events import Reply, Text
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain import offload as rules
from magbot.domain.limits import OFFLOAD
from magbot.handlers.flows import ask

FLOW = "offload"
FLOW_WAIT = timedelta(minutes=30)
NOT_POSTED = "Okay, stopped. Nothing was posted, and I'll delete what you wrote within a day."
ASK_HEAVY = "Is it a heavy topic? If so, I'll put a heads-up at the top, so people can choose when to read it."


@dataclass(frozen=True)
class SupportPress(Press, prefix="offload", shape=(OneOf(*rules.SUPPORT), Const("0"), Id())):
    """`offload:<hear|been>:0:<offload id>`: anyone's support. The 0 stands where the author's buttons have his
    member id; kept so buttons already in chats still work."""

    kind: str
    offload: int


@dataclass(frozen=True)
class ModePress(Press, prefix="offload", shape=(Const("mode"), Id(), Id(), OneOf(*rules.MODES))):
    """`offload:mode:<member id>:<offload id>:<listen|advice>`: the author's choice of reply mode."""

    owner: int
    offload: int
    mode: str


@dataclass(frozen=True)
class HeavyPress(Press, prefix="offload", shape=(Const("heavy"), Id(), Id(), OneOf("yes", "no"))):
    """`offload:heavy:<member id>:<offload id>:<yes|no>`: the author's answer to "Is it a heavy topic?"."""

    owner: int
    offload: int
    answer: str


@dataclass(frozen=True)
class AuthorPress(Press, prefix="offload", shape=(OneOf("keep", "forget", "reply", "send", "hold"), Id(), Id())):
    """`offload:<keep|forget|reply|send|hold>:<member id>:<offload id>`: the author's Keep, Forget it and Reply,
    and Yes / No to "Send this to your offload thread?"."""

    action: str
    owner: int
    offload: int


def support_buttons(offload_id: int) -> Buttons:
    return (tuple(SupportPress(kind, offload_id).button(label) for kind, label in rules.SUPPORT.items()),)


def _yes_no(yes: Press, no: Press) -> Buttons:
    return ((yes.button("Yes"), no.button("No")),)


async def ask_heavy(ctx: MemberContext, offload_id: int, prompt: str = ASK_HEAVY) -> Reply:
    mine = ctx.member.id
    buttons = _yes_no(HeavyPress(mine, offload_id, "yes"), HeavyPress(mine, offload_id, "no"))
    data = {"offload": offload_id}
    return await ask(ctx, FLOW, prompt, "heavy", data, buttons=buttons, lifetime=FLOW_WAIT, stopped=NOT_POSTED)


async def ask_mode(ctx: MemberContext, offload_id: int, prompt: str | None = None) -> Reply:
    mine = ctx.member.id
    modes = tuple(ModePress(mine, offload_id, key).button(label) for key, label in rules.MODES.items())
    question = prompt or f"How would you like replies, {ctx.member.name}?"
    data = {"offload": offload_id}
    return await ask(ctx, FLOW, question, "mode", data, buttons=(modes,), lifetime=FLOW_WAIT, stopped=NOT_POSTED)


async def ask_answer(ctx: MemberContext, offload_id: int) -> Reply:
    text = f"Type your answer {OFFLOAD.up_front}. I'll post it in the thread as 'Someone (the author)'."
    return await ask(ctx, FLOW, text, "answer", {"offload": offload_id}, lifetime=FLOW_WAIT)


async def ask_send(ctx: MemberContext, offload_id: int, words: str) -> Reply:
    """He typed in private without pressing `Reply`, and there is one thread he could mean: ask before posting."""
    mine = ctx.member.id
    buttons = _yes_no(AuthorPress("send", mine, offload_id), AuthorPress("hold", mine, offload_id))
    data = {"offload": offload_id, "words": words}  # kept only until he answers (or the question lapses)
    return await ask(ctx, FLOW, "Send this to your offload thread?", "send", data, buttons=buttons, lifetime=FLOW_WAIT)


def typed_choice(step: str, text: str) -> str | None:
    """A button's words typed instead of pressing it: Yes / No, Just listen / Advice welcome."""
    wanted = " ".join(text.lower().strip(" .!").split())
    if step in ("heavy", "send"):
        return {"yes": "yes", "no": "no"}.get(wanted)
    if step == "mode":
        return next((key for key, label in rules.MODES.items() if wanted in (key, label.lower())), None)
    return None


async def relay(ctx: MemberContext, thread: str) -> Reply:
    """A member's message inside an anonymous offload's thread goes to its author, privately."""
    text, member = ctx.incoming, ctx.member
    assert isinstance(text, Text)
    card = await ctx.uow.cards.find_by_thread(ctx.platform, text.chat.chat_id, thread)
    found = await ctx.uow.offloads.get(oid) if (oid := rules.offload_id_of_card(card)) else None
    if found is None or not found.anonymous or found.status != "open" or found.author_id == member.id:
        return Reply()
    author = await ctx.uow.members.get(found.author_id)
    if author is None or not author.active:
        return Reply()
    words = " ".join(text.text.split())
    if refusal := OFFLOAD.refusal(words, "It was not passed on: please shorten it and reply again."):
        return Reply([ctx.reply(refusal)])
    line = f'{member.name} replied to your offload ("{rules.reminder_of(found.body)}"):\n{words}'
    answer = ((AuthorPress("reply", author.id, found.id).button("Reply"),),)
    return Reply([ctx.scope.dm(author, line, buttons=answer, protect=True)])


async def reply_in_thread(ctx: MemberContext) -> Reply | None:
    """A text inside a thread may be a reply to an anonymous offload; one in private, the author's answer to it."""
    text = ctx.incoming
    if not isinstance(text, Text):
        return None
    if ctx.in_dm:
        return await _unsent_answer(ctx, text)
    return await relay(ctx, text.thread) if text.thread else None


async def _unsent_answer(ctx: MemberContext, text: Text) -> Reply | None:
    """He typed in private instead of pressing `Reply`: with one anonymous thread he could mean, ask to send it."""
    mine = [o for o in await ctx.uow.offloads.of_author(ctx.member.id) if o.anonymous and o.status == "open"]
    words = " ".join(text.text.split())
    if len(mine) != 1 or not words:
        return None
    if refusal := OFFLOAD.refusal(words, "Nothing was sent: please shorten it and send it again."):
        return Reply([ctx.reply(refusal)])
    return await ask_send(ctx, mine[0].id, words)
