"""The group's library: /share (a few words or a link with #tags, posted in the group), /resources (the tags
and the newest, or a search), and the `Out of date?` button (the author's press, or two members', removes it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from magbot.core.context import MemberContext
from magbot.core.events import Button, Edit, Outgoing, Reply
from magbot.core.feature import Feature
from magbot.core.router import HandlerResult
from magbot.core.wire import Const, Id, Press
from magbot.domain import resources as rules
from magbot.domain.limits import RESOURCE
from magbot.domain.members import Member
from magbot.domain.resources import Resource
from magbot.handlers.flows import GIVEN, SHORTER, ask, words_or_ask
from magbot.storage.uow import UnitOfWork

ASK_SHARE = (
    f"What would you like to share? A link or a few words {RESOURCE.up_front}, with #tags if you like. "
    "For example: Free bus passes at the council, ask for Jo #travel"
)
STALE = "Out of date?"


@dataclass(frozen=True)
class OutOfDate(Press, prefix="resource", shape=(Const("stale"), Id())):
    """`resource:stale:<resource id>`: the `Out of date?` button under a shared tip."""

    resource: int


def resource_card(resource_id: int) -> str:
    return f"resource:{resource_id}"


def stale_button(resource_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((OutOfDate(resource_id).button(STALE),),)


def shared_text(name: str, text: str, tags: tuple[str, ...]) -> str:
    return f"{name} shared: {rules.with_tags(text, tags)}"


async def add_resource(ctx: MemberContext, raw: str) -> Reply:
    parsed = rules.parse_share(raw)
    if isinstance(parsed, rules.Problem):
        return Reply([ctx.reply(parsed.message)])
    new_id = await ctx.uow.resources.add(ctx.group.id, ctx.member.id, parsed.text, parsed.tags, ctx.now)
    card = ctx.to_group(
        shared_text(ctx.member.name, parsed.text, parsed.tags), buttons=stale_button(new_id),
        card=resource_card(new_id), about=ctx.member.id,
    )
    out: list[Outgoing] = [card]
    return ctx.group_posts(out, "Thanks. It's in the library and posted in the group.")


async def browse(ctx: MemberContext) -> Reply:
    library = await ctx.uow.resources.library(ctx.group.id)
    if not library:
        return Reply([ctx.reply(f"The library is empty so far. Add something with /share. {rules.SHARE_EXAMPLE}")])
    query = rules.parse_query(ctx.args)
    if query.empty:
        return Reply([ctx.reply(_overview(library))])
    found = rules.search(library, query)
    asked = ctx.args.strip()
    if not found:
        return Reply([ctx.reply(f'Nothing found for "{asked}". /resources alone shows the tags.')])
    lines = [f'Found for "{asked}":', *(rules.resource_line(r) for r in found[: rules.SHOWN])]
    more = len(found) - rules.SHOWN
    if more > 0:
        hint = "add a word to narrow it" if query.tags else "try a #tag"
        lines.append(f"...and {more} more: {hint}.")
    return Reply([ctx.reply("\n".join(lines))])


def _overview(library: list[Resource]) -> str:
    counts = rules.tag_counts(library)
    lines = [f"The library has {len(library)} {'thing' if len(library) == 1 else 'things'}."]
    if counts:
        lines.append("Tags: " + ", ".join(f"#{tag} ({n})" for tag, n in counts[:12]))
    lines.append("Newest:")
    lines += [rules.resource_line(r) for r in library[: rules.NEWEST]]
    example = f"#{counts[0][0]}" if counts else "#housing"
    lines.append(f"Look something up: /resources {example}, or /resources and any word.")
    return "\n".join(lines)


async def pressed(ctx: MemberContext) -> Reply:
    press, member = ctx.pressed(OutOfDate), ctx.member
    found = await ctx.uow.resources.get(press.resource)
    if found is None or found.group_id != ctx.group.id:
        return Reply(toast="That one is already out of the library.")
    by_author = found.member_id == member.id
    if not by_author and not await ctx.uow.resources.flag(found.id, member.id):
        return Reply(toast="You've said so already. Thanks.")
    flaggers = await ctx.uow.resources.flaggers(found.id)
    if not rules.is_removed(flaggers, by_author):
        return Reply(toast="Thanks. If one more member says so, it comes out of the library.")
    await ctx.uow.resources.remove(found.id)
    why = "the person who shared it" if by_author else "two members"
    text = f"(Out of date: taken out of the library by {why}.)\n{rules.with_tags(found.text, found.tags)}"
    edit = Edit(ctx.group_chat, resource_card(found.id), text)
    return Reply([edit], toast="Taken out of the library. Thanks.")


async def _collect(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    return await uow.resources.held_about(member.id)


async def _erase(uow: UnitOfWork, member: Member) -> None:
    await uow.resources.erase(member.id)


def _share_too_long(raw: str) -> str | None:
    """The guided /share's answer is measured as /share measures it: the words without their #tags."""
    return RESOURCE.refusal(rules.split_tags(raw)[0], SHORTER)


share_words, share_flow = words_or_ask("share", ASK_SHARE, add_resource, _share_too_long)


async def share(ctx: MemberContext) -> HandlerResult:
    """`/share #travel`: only the tags, so ask for the words (the tags are kept and go with them)."""
    words, tags = rules.split_tags(ctx.args)
    if words or not tags:
        return await share_words(ctx)
    shown = rules.with_tags("", tags).strip()
    prompt = f"What would you like to share under {shown}? A link or a few words {RESOURCE.up_front}."
    return await ask(ctx, "share", prompt, data={GIVEN: shown})


def register() -> Feature:
    feature = Feature("resources")
    feature.command("share", share, summary="add a link or a tip to the group's library, with #tags")
    feature.command("resources", browse, summary="look through the library: /resources #tag or a word")
    feature.flow("share", share_flow)
    feature.button(OutOfDate, pressed)
    feature.holds("resources", _collect, _erase)
    return feature
