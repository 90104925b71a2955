"""What members can put to a vote: /propose (settings, rules, mute, remove), and /settings and /rules.

`/propose` with all its words opens the vote at once; with none or only some it carries on as a conversation
(`proposal_flow.py`), which builds the same proposals through the functions here.
"""

from __future__ import annotations

from typing import Any

from magbot.core.context import FlowContext, MemberContext
from magbot.core.events import Outgoing, Reply
from magbot.core.feature import Feature
from magbot.domain.group_settings import SPEC_BY_NAME, SettingError, check_setting
from magbot.domain.limits import RULE
from magbot.domain.members import Member
from magbot.domain.setting_words import setting_line
from magbot.domain.timewords import parse_duration
from magbot.handlers import proposal_flow as flow
from magbot.handlers.decisions import already_open, open_decision, vote_is_open_text
from magbot.handlers.flows import finish, waiting

LONGEST_MUTE_DAYS = 30
RULE_EXAMPLE = "/propose rule Phones on silent in meetings"
Proposal = tuple[str, dict[str, Any], Member | None]  # (kind, payload, the member it is about)


class ProposalError(ValueError):
    """A proposal that can't go to a vote; the message is for members, with an example."""


def find_member(members: list[Member], words: str) -> Member:
    """A member by name or handle, as people type it."""
    wanted = words.strip().lstrip("@").lower()
    found = [m for m in members if m.active and wanted in (m.name.lower(), m.user_id.lower().lstrip("@"))]
    if not wanted or not found:
        raise ProposalError(
            f"I can't find {words.strip()[:40] or 'that person'} in the group. /members shows who is in."
        )
    if len(found) > 1:
        raise ProposalError("More than one member has that name. Try their handle instead.")
    return found[0]


def rule(text: str) -> Proposal:
    text = " ".join(text.split())
    if refusal := RULE.refusal(text, "Please shorten it, like: Phones on silent in meetings"):
        raise ProposalError(refusal)
    if not text:
        raise ProposalError("Please write the rule in one short line, like: Phones on silent in meetings")
    return "rule", {"text": text}, None


async def drop_rule(ctx: MemberContext, number: str) -> Proposal:
    rules = await ctx.uow.rules.of_group(ctx.group.id)
    number = number.lower().removeprefix("rule").strip()
    if not number.isdecimal() or not 1 <= int(number) <= len(rules):
        raise ProposalError("Write the rule's number, like: 2. /rules shows the numbers.")
    rule_id, text = rules[int(number) - 1]
    return "drop_rule", {"rule_id": rule_id, "number": int(number), "text": text}, None


async def about_member(ctx: MemberContext, kind: str, about: Member, duration: str = "") -> Proposal:
    """A mute (for `duration`) or a removal of `about`."""
    if about.id == ctx.member.id:
        raise ProposalError("That's you. To leave the group, use /leave.")
    if kind == "mute":
        length = parse_duration(duration)
        if length is None or length.days > LONGEST_MUTE_DAYS:
            raise ProposalError(f"For how long? Up to {LONGEST_MUTE_DAYS} days, like: a day, 3 days or a week.")
        return "mute", {"name": about.name, "duration": duration.lower()}, about
    return "remove", {"name": about.name}, about


def setting(ctx: MemberContext, key: str, value: str) -> Proposal:
    try:
        tidy = check_setting(key, value)
    except SettingError as exc:
        raise ProposalError(f"{exc}\nNow: {setting_line(key, ctx.group.settings.text_of(key))}.") from None
    if ctx.group.settings.text_of(key) == tidy:
        raise ProposalError(f"{setting_line(key, tidy)} already.")
    return "setting", {"setting": key, "value": tidy}, None


async def submit(ctx: MemberContext, proposal: Proposal) -> Reply:
    """Open the vote (or say one on the same thing is open already)."""
    kind, payload, about = proposal
    subject = {k: payload[k] for k in ("setting", "text", "rule_id", "name") if k in payload}
    if (open_one := await already_open(ctx.uow, ctx.group.id, kind, **subject)) is not None:
        return Reply([ctx.reply(vote_is_open_text(open_one, ctx.group))])
    out: list[Outgoing] = await open_decision(ctx.scope, kind, payload, proposer=ctx.member, about=about)
    return ctx.group_posts(out, "It's up for a vote in the group now.")


async def propose_words(ctx: MemberContext, args: str) -> Reply:
    """`<setting> <value>`, `rule <text>`, `drop rule <n>`, `mute <name> <time>`, `remove <name>`: what is
    missing is asked for."""
    first, _, rest = args.strip().partition(" ")
    first, rest = first.lower(), " ".join(rest.split())
    try:
        if not first:
            return await flow.ask_kind(ctx)
        if first == "rule":
            return await submit(ctx, rule(rest)) if rest else await flow.ask_step(ctx, "rule")
        if first == "drop":
            return await submit(ctx, await drop_rule(ctx, rest)) if rest.removeprefix("rule").strip() \
                else await flow.ask_step(ctx, "drop")  # fmt: skip
        if first in ("remove", "mute"):
            return await _about(ctx, first, rest)
        if first not in SPEC_BY_NAME:
            check_setting(first, rest)  # raises, naming the settings
        return await submit(ctx, setting(ctx, first, rest)) if rest else await flow.ask_value(ctx, first)
    except SettingError as exc:
        return Reply([ctx.reply(f"{exc} You can also propose a rule, drop rule, mute or remove.")])
    except ProposalError as exc:
        return Reply([ctx.reply(str(exc))])


async def _about(ctx: MemberContext, kind: str, rest: str) -> Reply:
    """`remove [name]`, `mute [name] [time]`: who is asked with buttons, how long in words."""
    if not rest:
        return await flow.ask_who(ctx, kind)
    members = await ctx.uow.members.of_group(ctx.group.id)
    words, _, last = rest.rpartition(" ") if kind == "mute" else (rest, "", "")
    if kind == "mute" and (not words or parse_duration(last) is None):  # no time given: the name is all of it
        return await flow.ask_duration(ctx, find_member(members, rest))
    return await submit(ctx, await about_member(ctx, kind, find_member(members, words), last))


async def propose(ctx: MemberContext) -> Reply:
    return await propose_words(ctx, ctx.args)


# ---------------------------------------------------------------- the answers to the guided questions


async def answer(ctx: FlowContext) -> Reply:
    """A typed answer to the step waiting; a wrong one asks the same question again, saying why."""
    step, data, text = ctx.pending.step, ctx.pending.data, " ".join(str(getattr(ctx.incoming, "text", "")).split())
    await finish(ctx)
    try:
        if step in ("kind", "setting"):  # the whole proposal typed, or its start: carry on from there
            if text.partition(" ")[0].lower() not in (*SPEC_BY_NAME, "rule", "drop", "mute", "remove"):
                raise ProposalError(f"I don't know a setting called {text[:30]}. /settings shows them all.")
            return await propose_words(ctx, text)
        if step == "value":
            return await submit(ctx, setting(ctx, str(data["setting"]), text))
        if step == "rule":
            return await submit(ctx, rule(text))
        if step == "drop":
            return await submit(ctx, await drop_rule(ctx, text))
        if step == "who":
            return await _about(ctx, str(data["kind"]), text)
        about = await _member(ctx, int(data["about"]))
        return await submit(ctx, await about_member(ctx, "mute", about, text))
    except ProposalError as exc:
        return await _again(ctx, step, data, str(exc))


async def _again(ctx: MemberContext, step: str, data: dict[str, Any], why: str) -> Reply:
    if step == "value":
        return await flow.ask_value(ctx, str(data["setting"]), why)
    if step == "duration":
        return await flow.ask_duration(ctx, await _member(ctx, int(data["about"])), why)
    if step == "who":
        return await flow.ask_who(ctx, str(data["kind"]), why)
    if step == "kind":
        return await flow.ask_kind(ctx, f"{why} {flow.ASK_KIND}")
    return await flow.ask_step(ctx, step, why)


async def _member(ctx: MemberContext, member_id: int) -> Member:
    found = await ctx.uow.members.get(member_id)
    if found is None or not found.active or found.group_id != ctx.group.id:
        raise ProposalError("That person isn't in the group any more. /members shows who is in.")
    return found


async def kind_pressed(ctx: MemberContext) -> Reply:
    press = ctx.pressed(flow.KindPress)
    if press.owner != ctx.member.id:
        return Reply(toast="That question was for someone else.")
    if await waiting(ctx, flow.FLOW) is None:
        return Reply(toast="That has timed out. Type /propose to start again.")
    if press.kind in ("mute", "remove"):
        return await flow.ask_who(ctx, press.kind)
    return await flow.ask_step(ctx, press.kind)


async def who_pressed(ctx: MemberContext) -> Reply:
    press = ctx.pressed(flow.WhoPress)
    if press.owner != ctx.member.id:
        return Reply(toast="That question was for someone else.")
    pending = await waiting(ctx, flow.FLOW)
    if pending is None or pending.step != "who":
        return Reply(toast="That has timed out. Type /propose to start again.")
    await finish(ctx)
    try:
        about = await _member(ctx, press.chosen)
        if pending.data.get("kind") == "mute":
            return await flow.ask_duration(ctx, about)
        return await submit(ctx, await about_member(ctx, "remove", about))
    except ProposalError as exc:
        return Reply([ctx.reply(str(exc))])


async def settings(ctx: MemberContext) -> Reply:
    text = ctx.group.settings.listing() + "\nThe group changes these together: /propose quorum 1/4, for example."
    return Reply([ctx.reply(text)])


async def rules(ctx: MemberContext) -> Reply:
    agreed = await ctx.uow.rules.of_group(ctx.group.id)
    if not agreed:
        return Reply([ctx.reply(f"The group hasn't agreed any rules yet. Suggest one: {RULE_EXAMPLE}")])
    lines = ["The group's rules:"] + [f"{n}. {text}" for n, (_, text) in enumerate(agreed, start=1)]
    return Reply([ctx.reply("\n".join(lines))])


def register() -> Feature:
    feature = Feature("proposals")
    feature.command("settings", settings, summary="how the group runs")
    feature.command("propose", propose, summary="put something to a group vote", example="/propose quorum 1/4")
    feature.command("rules", rules, summary="the group's rules")
    feature.flow(flow.FLOW, answer)
    feature.button(flow.KindPress, kind_pressed)
    feature.button(flow.WhoPress, who_pressed)
    return feature
