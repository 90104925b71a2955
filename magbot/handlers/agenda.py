"""The members' own agenda: /suggest (named in the group, anonymous in private), +1, /agenda, /withdraw,
and marking topics covered after the meeting (the rest roll over to the next one)."""

from __future__ import annotations

from magbot.core.context import MemberContext
from magbot.core.events import Button, Edit, Outgoing, Reply
from magbot.core.feature import Feature
from magbot.core.scope import group_chat
from magbot.domain.limits import SUGGESTION
from magbot.domain.meetings import Suggestion, agenda_lines, clean_topic
from magbot.domain.members import Member
from magbot.handlers.flows import too_long, words_or_ask
from magbot.handlers.meeting_cards import (
    COVERED_QUESTION,
    AgendaPress,
    covered_buttons,
    next_meeting,
    short_label,
)
from magbot.storage.uow import UnitOfWork

ASK_TOPIC = f"What would you like to talk about at the next meeting? Write it in one message {SUGGESTION.up_front}."
EXAMPLE = "For example: /suggest Dealing with the job centre"


def suggestion_card(suggestion_id: int) -> str:
    return f"suggestion:{suggestion_id}"


def suggestion_text(s: Suggestion, name: str | None) -> str:
    who = "Someone" if s.anonymous or not name else name
    votes = f"\n+1s: {s.plus_ones}" if s.plus_ones else ""
    return f"{who} suggests for the next meeting: {s.topic}{votes}"


def plus_button(suggestion_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((AgendaPress("plus", suggestion_id).button("+1"),),)


async def add_suggestion(ctx: MemberContext, raw: str) -> Reply:
    if refusal := SUGGESTION.refusal(" ".join(raw.split()), f"Please shorten it. {EXAMPLE}"):
        return Reply([ctx.reply(refusal)])
    topic = clean_topic(raw, SUGGESTION.letters)
    if topic is None:
        return Reply([ctx.reply(f"Please write the topic in a few words. {EXAMPLE}")])
    anonymous = ctx.in_dm
    new_id = await ctx.uow.meetings.suggest(ctx.group.id, ctx.member.id, topic, anonymous=anonymous, now=ctx.now)
    found = await ctx.uow.meetings.suggestion(new_id)
    assert found is not None
    card = ctx.to_group(
        suggestion_text(found, ctx.member.name), buttons=plus_button(new_id), card=suggestion_card(new_id),
        about=ctx.member.id,
    )
    out: list[Outgoing] = [card]
    if anonymous:
        out.append(ctx.reply("Thanks. It's on the list for the next meeting, without your name."))
    return Reply(out)


async def agenda(ctx: MemberContext) -> Reply:
    upcoming = next_meeting(ctx.group, ctx.now)
    lines = agenda_lines(await ctx.uow.meetings.open_suggestions(ctx.group.id))
    if not lines:
        return Reply([ctx.reply(f"No suggestions yet for {upcoming.when(ctx.now)}. {EXAMPLE}")])
    return Reply([ctx.reply("\n".join([f"Agenda for {upcoming.when(ctx.now)}:", *lines]))])


async def withdraw(ctx: MemberContext) -> Reply:
    own = [s for s in await ctx.uow.meetings.open_suggestions(ctx.group.id) if s.member_id == ctx.member.id]
    if not ctx.in_dm:  # listing an anonymous suggestion in the group would give away who made it
        own = [s for s in own if not s.anonymous]
    if not own and not ctx.in_dm:
        return Reply(
            [
                ctx.reply(
                    "You have no open suggestions under your name. For anonymous ones, use /withdraw "
                    "in our private chat."
                )
            ]
        )
    if not own:
        return Reply([ctx.reply("You have no open suggestions. /agenda shows the list.")])
    buttons = tuple((AgendaPress("withdraw", s.id).button(short_label("Withdraw: ", s.topic)),) for s in own)
    return Reply([ctx.reply("Which of your suggestions do you want to take off the list?", buttons=buttons)])


async def agenda_button(ctx: MemberContext) -> Reply:
    press = ctx.pressed(AgendaPress)
    found = await ctx.uow.meetings.suggestion(press.suggestion)
    if found is None or found.group_id != ctx.group.id:  # another group's topic is not his to touch
        return Reply(toast="That topic is no longer on the list.")
    act = {"plus": _plus_one, "withdraw": _withdraw, "covered": _covered, "unplus": _take_back,
           "keepplus": _take_back}[press.action]  # fmt: skip
    return await act(ctx, found)


async def _plus_one(ctx: MemberContext, found: Suggestion) -> Reply:
    """+1 counts once: a second press (a double tap, often) takes nothing back, but asks privately."""
    if found.member_id == ctx.member.id:
        return Reply(toast="That's your own suggestion.")
    if await ctx.uow.meetings.set_plus_one(found.id, ctx.member.id, True):
        return Reply([await _card_edit(ctx, found)], toast="+1 given.")
    buttons = ((AgendaPress("unplus", found.id).button("Yes"), AgendaPress("keepplus", found.id).button("No")),)
    question = f'Your +1 for "{found.topic[:60]}" is already counted. Take it back?'
    return Reply([ctx.dm(ctx.member, question, buttons=buttons)], toast="Already counted.")


async def _take_back(ctx: MemberContext, found: Suggestion) -> Reply:
    if ctx.pressed(AgendaPress).action == "keepplus":
        return Reply([ctx.reply("Okay, your +1 stays.")])
    if not await ctx.uow.meetings.set_plus_one(found.id, ctx.member.id, False):
        return Reply([ctx.reply("There's no +1 of yours on that one now.")])
    return Reply([await _card_edit(ctx, found), ctx.reply("Done: your +1 is taken back.")])


async def _card_edit(ctx: MemberContext, found: Suggestion) -> Edit:
    updated = await ctx.uow.meetings.suggestion(found.id)
    assert updated is not None
    name = await _suggester_name(ctx, updated)
    text = suggestion_text(updated, name)
    return Edit(ctx.group_chat, suggestion_card(found.id), text, buttons=plus_button(found.id))


async def _withdraw(ctx: MemberContext, found: Suggestion) -> Reply:
    if found.member_id != ctx.member.id:
        return Reply(toast="Only the person who suggested it can withdraw it.")
    await ctx.uow.meetings.set_status(found.id, "withdrawn")
    edit = Edit(ctx.group_chat, suggestion_card(found.id), f"(Withdrawn by the suggester: {found.topic})")
    return Reply([edit], toast="Taken off the list.")


async def _covered(ctx: MemberContext, found: Suggestion) -> Reply:
    press = ctx.incoming
    card = await ctx.uow.cards.find_by_message(ctx.platform, ctx.group.chat_id, getattr(press, "message_id", ""))
    if card is None or not card.startswith("covered:"):
        # Only on the question the bot asks after the meeting: a press forged (or pressed) anywhere else would mark
        # a topic covered before it was talked about, and empty the agenda.
        return Reply(toast="Topics are marked covered after the meeting, on the question I ask then.")
    await ctx.uow.meetings.set_status(found.id, "covered")
    remaining = await ctx.uow.meetings.open_suggestions(ctx.group.id)
    text = COVERED_QUESTION if remaining else "All topics covered. Thanks, everyone."
    out: list[Outgoing] = [Edit(ctx.group_chat, card, text, buttons=covered_buttons(remaining))]
    return Reply(out, toast=f"Marked as covered: {found.topic[:40]}")


async def _suggester_name(ctx: MemberContext, s: Suggestion) -> str | None:
    if s.anonymous or s.member_id is None:
        return None
    member = await ctx.uow.members.get(s.member_id)
    return member.name if member else None


async def _collect(uow: UnitOfWork, member: Member) -> dict[str, object]:
    return await uow.meetings.held_about(member.id)


async def _erase(uow: UnitOfWork, member: Member) -> list[Outgoing]:
    """His rows go; the cards he gave a +1 show the count without him. (His own suggestions' posts are taken
    back with his other posts.)"""
    plussed = await uow.meetings.plussed_by(member.id)
    await uow.meetings.erase(member.id)
    group = await uow.groups.get(member.group_id)
    out: list[Outgoing] = []
    for suggestion_id in plussed:
        found = await uow.meetings.suggestion(suggestion_id)
        if group is None or found is None:
            continue
        author = None if found.anonymous or found.member_id is None else await uow.members.get(found.member_id)
        text = suggestion_text(found, author.name if author else None)
        out.append(Edit(group_chat(group), suggestion_card(found.id), text, buttons=plus_button(found.id)))
    return out


suggest, suggest_flow = words_or_ask("suggest", ASK_TOPIC, add_suggestion, too_long(SUGGESTION))


def register() -> Feature:
    feature = Feature("agenda")
    feature.command("suggest", suggest, summary="suggest a topic for the next meeting (in private: anonymously)")
    feature.command("agenda", agenda, summary="the topics for the next meeting")
    feature.command("withdraw", withdraw, summary="take your own suggestion off the list")
    feature.flow("suggest", suggest_flow)
    feature.button(AgendaPress, agenda_button)
    feature.holds("meetings_and_agenda", _collect, _erase)
    return feature
