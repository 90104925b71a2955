"""The questions of the guided /propose: what kind (buttons), then the details one at a time: the setting and
its value, the rule's words, the rule's number, who (buttons of members), for how long.

Only the asking is here; proposals.py takes the answers and builds the same proposals as `/propose <words>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from magbot.core.context import Buttons, MemberContext
from magbot.core.events import Button, Reply
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain.group_settings import SPEC_BY_NAME
from magbot.domain.members import Member
from magbot.domain.setting_words import setting_line
from magbot.handlers.flows import ask

FLOW = "propose"
KINDS = {"setting": "A setting", "rule": "A new rule", "drop": "Drop a rule", "mute": "Mute someone",
         "remove": "Remove someone"}  # fmt: skip
ASK_KIND = "What would you like to put to a group vote?"
QUESTIONS = {
    "setting": "Which setting? Write its name, like: quorum. /settings shows them all.",
    "rule": "What's the rule? One short line, like: Phones on silent in meetings.",
}


@dataclass(frozen=True)
class KindPress(Press, prefix="propose", shape=(OneOf(*KINDS), Id())):
    """`propose:<kind>:<member id>`: the first question's buttons, for the member proposing."""

    kind: str
    owner: int


@dataclass(frozen=True)
class WhoPress(Press, prefix="propose", shape=(Const("who"), Id(), Id())):
    """`propose:who:<member id>:<chosen member id>`: a name under "Who?", for the member proposing."""

    owner: int
    chosen: int


def _rows(buttons: list[Button]) -> Buttons:
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))  # two a row: one screen


async def ask_kind(ctx: MemberContext, prompt: str = ASK_KIND) -> Reply:
    kinds = [KindPress(kind, ctx.member.id).button(label) for kind, label in KINDS.items()]
    return await ask(ctx, FLOW, prompt, "kind", buttons=_rows(kinds))


async def ask_step(ctx: MemberContext, step: str, prompt: str | None = None) -> Reply:
    """The setting's name, the rule's words, or (`drop`) the rule's number, listing the rules."""
    if step == "drop" and prompt is None:
        rules = await ctx.uow.rules.of_group(ctx.group.id)
        if not rules:
            return Reply([ctx.reply("The group has no rules yet, so there's none to drop.")])
        listed = " ".join(f"{n}. {text[:40]}" for n, (_, text) in enumerate(rules, start=1))
        prompt = f"Which rule? Write its number. {listed}"
    return await ask(ctx, FLOW, prompt or QUESTIONS[step], step)


async def ask_value(ctx: MemberContext, setting: str, prompt: str | None = None) -> Reply:
    spec, now = SPEC_BY_NAME[setting], ctx.group.settings.text_of(setting)
    question = prompt or f"Now: {setting_line(setting, now)}. What should it be? For example: {spec.example}"
    return await ask(ctx, FLOW, question, "value", {"setting": setting})


async def ask_who(ctx: MemberContext, kind: str, prompt: str | None = None) -> Reply:
    others = [m for m in await ctx.uow.members.of_group(ctx.group.id) if m.active and m.id != ctx.member.id]
    if not others:
        return Reply([ctx.reply("There's nobody else in the group yet.")])
    names = [WhoPress(ctx.member.id, m.id).button(m.name) for m in others]
    verb = "mute" if kind == "mute" else "remove from the group"
    question = f"{prompt} Who would you propose to {verb}?" if prompt else f"Who would you propose to {verb}?"
    return await ask(ctx, FLOW, question, "who", {"kind": kind}, buttons=_rows(names))


async def ask_duration(ctx: MemberContext, about: Member, prompt: str | None = None) -> Reply:
    question = prompt or f"Mute {about.name} for how long? Write it like: a day, 3 days or a week (up to 30 days)."
    return await ask(ctx, FLOW, question, "duration", {"about": about.id})
