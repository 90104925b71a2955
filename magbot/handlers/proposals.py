"""What members can put to a vote: /propose (settings, rules, mute, remove), and /settings and /rules."""

from __future__ import annotations

from typing import Any

from magbot.core.context import MemberContext
from magbot.core.events import Outgoing, Reply
from magbot.core.feature import Feature
from magbot.domain.group_settings import SPEC_BY_NAME, SettingError, check_setting
from magbot.domain.limits import RULE
from magbot.domain.members import Member
from magbot.domain.setting_words import setting_line
from magbot.domain.timewords import parse_duration
from magbot.handlers.decisions import already_open, open_decision, vote_is_open_text

LONGEST_MUTE_DAYS = 30
PROPOSE_HELP = (
    "Put something to a group vote. For example:\n"
    "/propose quorum 1/4\n"
    "/propose rule Phones on silent in meetings\n"
    "/propose drop rule 2\n"
    "/propose mute Sam 1d\n"
    "/propose remove Sam\n"
    "/settings shows what can be changed."
)
RULE_EXAMPLE = "/propose rule Phones on silent in meetings"


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


async def _proposal(ctx: MemberContext, args: str) -> tuple[str, dict[str, Any], Member | None]:
    """(kind, payload, the member it is about) from `/propose ...`, or ProposalError."""
    first, _, rest = args.partition(" ")
    first, rest = first.lower(), " ".join(rest.split())
    if first == "rule":
        if refusal := RULE.refusal(rest, f"Please shorten it, like: {RULE_EXAMPLE}"):
            raise ProposalError(refusal)
        if not rest:
            raise ProposalError(f"Write the rule after the word rule, in one short line, like: {RULE_EXAMPLE}")
        return "rule", {"text": rest}, None
    if first == "drop":
        rules = await ctx.uow.rules.of_group(ctx.group.id)
        number = rest.lower().removeprefix("rule").strip()
        if not number.isdecimal() or not 1 <= int(number) <= len(rules):
            raise ProposalError("Write the rule's number, like: /propose drop rule 2. /rules shows the numbers.")
        rule_id, text = rules[int(number) - 1]
        return "drop_rule", {"rule_id": rule_id, "number": int(number), "text": text}, None
    if first in ("remove", "mute"):
        members = await ctx.uow.members.of_group(ctx.group.id)
        words, _, last = rest.rpartition(" ") if first == "mute" else (rest, "", "")
        duration = parse_duration(last) if first == "mute" else None
        if first == "mute" and (duration is None or duration.days > LONGEST_MUTE_DAYS):
            raise ProposalError(
                f"Write who and for how long (up to {LONGEST_MUTE_DAYS} days), like: /propose mute Sam 1d"
            )
        about = find_member(members, words)
        if about.id == ctx.member.id:
            raise ProposalError("That's you. To leave the group, use /leave.")
        payload = {"name": about.name} | ({"duration": last.lower()} if first == "mute" else {})
        return first, payload, about
    if first not in SPEC_BY_NAME:
        check_setting(first, rest)  # raises, naming the settings
    try:
        value = check_setting(first, rest)
    except SettingError as exc:
        raise ProposalError(f"{exc}\nNow: {setting_line(first, ctx.group.settings.text_of(first))}.") from None
    if ctx.group.settings.text_of(first) == value:
        raise ProposalError(f"{setting_line(first, value)} already.")
    return "setting", {"setting": first, "value": value}, None


async def propose(ctx: MemberContext) -> Reply:
    """`/propose <setting> <value>`, `rule <text>`, `drop rule <n>`, `mute <name> <time>`, `remove <name>`."""
    if not ctx.args:
        return Reply([ctx.reply(PROPOSE_HELP)])
    try:
        kind, payload, about = await _proposal(ctx, ctx.args)
    except SettingError as exc:
        return Reply([ctx.reply(f"{exc} You can also propose a rule, drop rule, mute or remove.")])
    except ProposalError as exc:
        return Reply([ctx.reply(str(exc))])
    subject = {k: payload[k] for k in ("setting", "text", "rule_id", "name") if k in payload}
    if (open_one := await already_open(ctx.uow, ctx.group.id, kind, **subject)) is not None:
        return Reply([ctx.reply(vote_is_open_text(open_one, ctx.group))])
    out: list[Outgoing] = await open_decision(ctx.scope, kind, payload, proposer=ctx.member, about=about)
    return ctx.group_posts(out, "It's up for a vote in the group now.")


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
    return feature
