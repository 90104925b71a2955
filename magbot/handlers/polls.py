"""Polls: /poll (in one line or guided), votes, /endpoll, /polls, and the close at the deadline.

A poll is posted as a NativePoll (Telegram sendPoll, Matrix m.poll.start, console buttons). Only members'
votes count, a new vote replaces the old one, and at close only the counts are kept (names go into the
result post of a named poll, never into a table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from magbot.core.context import Context, FlowContext, MemberContext
from magbot.core.events import (
    ClosePoll,
    Command,
    NativePoll,
    Outgoing,
    PollVote,
    Post,
    Reply,
)
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind
from magbot.core.router import MEMBERS_ONLY_TOAST
from magbot.core.scope import GroupScope
from magbot.core.wire import Const, Id, Press, read_id
from magbot.domain import polls as poll_rules
from magbot.domain.dates import moment_text
from magbot.domain.members import Member
from magbot.domain.polls import (
    POLL_EXAMPLE,
    Poll,
    PollError,
    PollResult,
    PollSpec,
    default_close,
    parse_poll,
    result_text,
)
from magbot.handlers import poll_flow
from magbot.handlers.flows import ask, finish
from magbot.storage.uow import UnitOfWork

CLOSE_GRACE = int(timedelta(days=30).total_seconds())  # a late close is still a close


@dataclass(frozen=True)
class PollToClose:
    poll_id: int


CLOSE = JobKind("poll_close", PollToClose)
END_FLOW = "endpoll"


@dataclass(frozen=True)
class EndPick(Press, prefix="poll", shape=(Const("end"), Id())):
    """`poll:end:<poll id>`: one of his open polls, under "Which poll do you want to end?"."""

    poll: int


def poll_id_of(card: str) -> int | None:
    kind, _, number = card.partition(":")
    return read_id(number) if kind == "poll" else None


async def start_poll(ctx: MemberContext, spec: PollSpec) -> Reply:
    """Save the poll, plan its close, post it in the group."""
    closes_at = spec.closes_at or default_close(ctx.now)
    poll = await ctx.uow.polls.create(ctx.group.id, ctx.member.id, spec, closes_at, ctx.now)
    await CLOSE.plan(
        ctx.uow,
        f"poll:{poll.id}:close",
        closes_at,
        PollToClose(poll.id),
        group_id=ctx.group.id,
        grace_seconds=CLOSE_GRACE,
    )
    how = "Names are shown" if spec.named else "Votes are anonymous"
    many = ", pick as many as you like" if spec.multi else ""
    chat, zone, member = ctx.group_chat, ctx.group.settings.zone, ctx.member.id
    out: list[Outgoing] = [
        NativePoll(chat, poll.card, spec.question, spec.options, multi=spec.multi, anonymous=not spec.named),
        Post(chat, f"Poll from {ctx.member.name}. {how}{many}. Closes {moment_text(closes_at, zone)}.", about=member),
    ]
    return ctx.group_posts(out, "Your poll is up in the group.")


async def poll(ctx: MemberContext) -> Reply:
    if not ctx.args:
        return await poll_flow.begin(ctx)
    if (so_far := poll_rules.begun(ctx.args)) is not None:  # part of it: carry on asking for the rest
        return await poll_flow.carry_on(ctx, *so_far)
    try:
        spec = parse_poll(ctx.args, ctx.now, ctx.group.settings.zone)
    except PollError as exc:
        return Reply([ctx.reply(str(exc))])
    return await start_poll(ctx, spec)


async def poll_answer(ctx: FlowContext) -> Reply:
    return await poll_flow.text_given(ctx, start_poll)


async def poll_button(ctx: MemberContext) -> Reply:
    return await poll_flow.pressed(ctx, start_poll)


async def vote(ctx: Context) -> Reply:
    """A vote on a native poll. Strangers' votes are ignored; a member's new vote replaces his old one."""
    incoming = ctx.incoming
    assert isinstance(incoming, PollVote)
    number = poll_id_of(incoming.poll_id)
    found = await ctx.uow.polls.get(number) if number is not None else None
    member = await _voter(ctx, found)
    if found is None or member is None:
        # A press on an answer button (`toggle`) gets the same pop-up as any members-only button; a native poll's
        # answer has no pop-up to give (the platform shows the vote), and a stranger's simply does not count.
        return Reply(toast=MEMBERS_ONLY_TOAST if incoming.toggle else None)
    if not found.is_open:
        return Reply(toast="This poll has closed.")
    in_range = tuple(i for i in incoming.option_ids if 0 <= i < len(found.options))
    if incoming.toggle and in_range != incoming.option_ids:  # a forged answer button: it must not unvote him
        return Reply(toast="That button is no longer in use.")
    chosen = in_range
    if incoming.toggle and found.multi:  # a button press adds that answer, or takes it back: say which
        mine = {option for voter, option in await ctx.uow.polls.votes(found.id) if voter == member.id}
        chosen = tuple(sorted(mine ^ set(in_range)))
        await ctx.uow.polls.vote(found.id, member.id, chosen)
        pressed = ", ".join(found.options[i] for i in in_range)[:60]
        if set(in_range) <= mine:
            return Reply(toast=f"Taken back: {pressed}.")
        return Reply(toast=f"Added: {pressed}. Press it again to take it back.")
    await ctx.uow.polls.vote(found.id, member.id, chosen if found.multi else chosen[:1])
    return Reply(toast="Your vote is in. You can change it until the poll closes." if chosen else None)


async def _voter(ctx: Context, found: Poll | None) -> Member | None:
    """The member voting on this poll: a member of the poll's own group, active, or nobody."""
    if found is None:
        return None
    if ctx.member is not None and ctx.member.group_id == found.group_id:
        return ctx.member
    member = await ctx.uow.members.in_group(found.group_id, ctx.incoming.sender.user_id)
    return member if member is not None and member.active else None


async def close_poll(scope: GroupScope, found: Poll) -> list[Outgoing]:
    """Count, keep only the counts, and post the result. Nothing if it was closed already."""
    uow, group, now = scope.uow, scope.group, scope.now
    votes = await uow.polls.votes(found.id)
    voters = sorted({member_id for member_id, _ in votes})
    counts = tuple(sum(1 for _, option in votes if option == i) for i in range(len(found.options)))
    names: tuple[tuple[str, ...], ...] = ()
    if found.named:
        people = {m.id: m.name for m in await uow.members.of_group(group.id)}
        names = tuple(
            tuple(people.get(m, "someone") for m, option in votes if option == i) for i in range(len(found.options))
        )
    if not await uow.polls.close(found.id, counts, len(voters), now):
        return []
    await uow.schedule.cancel(f"poll:{found.id}:")
    result = PollResult(found.question, found.options, counts, len(voters), names)
    return [ClosePoll(scope.group_chat, found.card), scope.to_group(result_text(result))]


async def close_due(scope: GroupScope, job: Due[PollToClose]) -> list[Outgoing]:
    found = await scope.uow.polls.get(job.payload.poll_id)
    if found is None or not found.is_open:
        return []
    return await close_poll(scope, found)  # planned with the poll's own group


async def _poll_scope(scope: GroupScope, found: Poll) -> GroupScope:
    """The scope of the poll's own group (a member of several groups may end one that isn't his first)."""
    if found.group_id == scope.group.id:
        return scope
    group = await scope.uow.groups.get(found.group_id)
    return scope.of(group) if group is not None else scope


async def end_poll(ctx: MemberContext) -> Reply:
    """/endpoll [words]: the creator ends his poll: the one replied to, the one the words name, or his only one;
    with several he could mean, he is asked which."""
    target = await _replied_poll(ctx)
    if target is not None and target.group_id == ctx.group.id:
        return await _end(ctx, target)
    return await end_by_words(ctx, ctx.args)


async def end_by_words(ctx: MemberContext, words: str) -> Reply:
    open_polls = await ctx.uow.polls.open_in_group(ctx.group.id)
    if not open_polls:
        return Reply([ctx.reply("There's no open poll to end. /polls shows the open ones.")])
    matching = poll_rules.matching(open_polls, words)
    if not matching:
        shown = " ".join(words.split())[:40]
        return Reply([ctx.reply(f'No open poll matches "{shown}". Try a word of its question, like: '
                                f"/endpoll {poll_rules.first_word(open_polls[-1].question)}. /polls shows them.")])
    own = [p for p in matching if p.creator_id == ctx.member.id]
    if not own:
        return Reply([ctx.reply("Only the person who started a poll can end it.")])
    if len(own) == 1:
        return await _end(ctx, own[0])
    buttons = tuple((EndPick(p.id).button(p.question[:40]),) for p in own)
    return await ask(ctx, END_FLOW, "Which poll do you want to end?", "which", buttons=buttons)


async def end_answer(ctx: FlowContext) -> Reply:
    await finish(ctx)
    return await end_by_words(ctx, str(getattr(ctx.incoming, "text", "")))


async def end_pressed(ctx: MemberContext) -> Reply:
    found = await ctx.uow.polls.get(ctx.pressed(EndPick).poll)
    if found is None or found.group_id != ctx.group.id or not found.is_open:
        return Reply(toast="That poll has closed already.")
    await finish(ctx)
    return await _end(ctx, found)


async def _end(ctx: MemberContext, target: Poll) -> Reply:
    if not target.is_open:
        return Reply([ctx.reply("That poll has closed already. /polls shows the open ones.")])
    if target.creator_id != ctx.member.id:
        return Reply([ctx.reply("Only the person who started a poll can end it.")])
    out = await close_poll(await _poll_scope(ctx.scope, target), target)
    return ctx.group_posts(out, "Done. The result is in the group.")


async def _replied_poll(ctx: Context) -> Poll | None:
    reply_to = ctx.incoming.reply_to if isinstance(ctx.incoming, Command) else None
    if reply_to is None:
        return None
    card = await ctx.uow.cards.find_by_message(reply_to.chat.platform, reply_to.chat.chat_id, reply_to.message_id)
    number = poll_id_of(card or "")
    return await ctx.uow.polls.get(number) if number is not None else None


async def list_polls(ctx: MemberContext) -> Reply:
    open_polls = await ctx.uow.polls.open_in_group(ctx.group.id)
    if not open_polls:
        return Reply([ctx.reply("No open polls right now. Start one with /poll.")])
    zone = ctx.group.settings.zone
    lines = ["Open polls:"] + [f"- {p.question} (closes {moment_text(p.closes_at, zone)})" for p in open_polls]
    return Reply([ctx.reply("\n".join(lines))])


async def _collect(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    return {
        "polls_you_started": [p.question for p in await uow.polls.created_by(member.id)],
        "your_votes_in_open_polls": [
            {"poll": p.question, "answer": p.options[option]} for p, option in await uow.polls.votes_of(member.id)
        ],
    }


async def _erase(uow: UnitOfWork, member: Member) -> None:
    await uow.polls.forget_member(member.id)


def register() -> Feature:
    feature = Feature("polls")
    feature.command("poll", poll, summary="ask the group a question", example=POLL_EXAMPLE)
    feature.command("endpoll", end_poll, summary="end a poll you started")
    feature.command("polls", list_polls, summary="open polls")
    feature.flow(poll_flow.FLOW, poll_answer)
    feature.flow(END_FLOW, end_answer)
    feature.button(poll_flow.PollStep, poll_button)
    feature.button(EndPick, end_pressed)
    feature.on("PollVote", vote)
    feature.job(CLOSE, close_due)
    feature.holds("polls", _collect, _erase)
    return feature
