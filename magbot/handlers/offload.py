"""Offload threads: /offload in the group (named) or in private (anonymous), the reply mode, support buttons,
replies relayed to an anonymous author and his answers posted back, /forget, Keep, and expiry.

The header never holds a member's words (so it can be edited for the support counts); the words are the
thread's first message. A named offload's words are dropped once posted; an anonymous one's are kept only
while replies are relayed, and purged at expiry or /forget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from magbot.core.context import FlowContext, MemberContext
from magbot.core.events import Button, Delete, Edit, Outgoing, Post, Reply, Text
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain import offload as rules
from magbot.domain.members import Group, Member
from magbot.handlers.flows import ask
from magbot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

FLOW = "offload"
FLOW_WAIT = timedelta(minutes=30)
EXPIRY_GRACE = 365 * 86400  # a purge is never skipped for being late
DRAFT_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class OffloadToExpire:
    offload: int
    stage: str  # "draft" (never posted) or "open"


EXPIRY = JobKind("offload-expiry", OffloadToExpire)


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
class AuthorPress(Press, prefix="offload", shape=(OneOf("keep", "forget", "reply"), Id(), Id())):
    """`offload:<keep|forget|reply>:<member id>:<offload id>`: the author's Keep, Forget it and Reply."""

    action: str
    owner: int
    offload: int


def support_buttons(offload_id: int) -> tuple[tuple[Button, ...], ...]:
    return (tuple(SupportPress(kind, offload_id).button(label) for kind, label in rules.SUPPORT.items()),)


async def offload(ctx: MemberContext) -> Reply:
    member, group = ctx.member, ctx.group
    heavy, words = rules.parse_args(ctx.args)
    if ctx.in_dm and not words:
        text = (
            "What's on your mind? Type it here. The group sees it without your name, "
            "and I pass their replies to you privately."
        )
        return await ask(ctx, FLOW, text, "text", {"heavy": heavy}, lifetime=FLOW_WAIT)
    return await _draft(ctx, member, group, anonymous=ctx.in_dm, heavy=heavy, body=words)


async def _draft(ctx: MemberContext, member: Member, group: Group, *, anonymous: bool, heavy: bool, body: str) -> Reply:
    draft = await ctx.uow.offloads.draft(
        group.id, member.id, anonymous=anonymous, heavy=heavy, body=body,
        now=ctx.now, expires=rules.expiry(ctx.now, group.settings.retention),
    )  # fmt: skip
    # A draft nobody finished goes within a day; a posted offload at the group's retention period.
    await _plan_expiry(ctx.uow, draft, "draft", min(draft.expires_at, ctx.now + DRAFT_LIFETIME))
    log.info("offload drafted id=%d anonymous=%s", draft.id, anonymous)
    modes = (tuple(ModePress(member.id, draft.id, key).button(label) for key, label in rules.MODES.items()),)
    return Reply([ctx.reply(f"How would you like replies, {member.name}?", buttons=modes)])


async def text_given(ctx: FlowContext) -> Reply:
    """Guided steps in private: the anonymous offload's text, or the author's answer to a relayed reply."""
    member, group, pending, text = ctx.member, ctx.group, ctx.pending, ctx.incoming
    assert isinstance(text, Text)
    words = " ".join(text.text.split())[: rules.TEXT_LIMIT]
    if not words:
        return Reply([ctx.reply("Type a few words, for example: I can't sleep since the hearing.")])
    await ctx.uow.pending.clear(member.id, text.chat.chat_id)
    if pending.step == "text":
        return await _draft(ctx, member, group, anonymous=True, heavy=bool(pending.data.get("heavy")), body=words)
    found = await ctx.uow.offloads.get(int(pending.data.get("offload", 0)))
    if found is None or found.author_id != member.id or found.status != "open":
        return Reply([ctx.reply("That offload is gone, so I couldn't post your answer.")])
    n = await ctx.uow.offloads.next_post(found.id)
    answer = ctx.scope.to_group(
        f"Someone (the author): {words}", thread=found.card, card=rules.post_card(found.id, n), protect=True
    )
    return Reply([answer, ctx.reply("Posted in the thread, without your name.")])


async def pressed(ctx: MemberContext) -> Reply:
    press, member = ctx.press, ctx.member
    assert isinstance(press, SupportPress | ModePress | AuthorPress)
    found = await ctx.uow.offloads.get(press.offload)
    if found is None or found.group_id != ctx.group.id:  # another group's offload is not his to touch
        return Reply(toast="That offload is gone.")
    if isinstance(press, SupportPress):
        return await _support(ctx, found, member, press.kind)
    if press.owner != member.id or found.author_id != member.id:
        return Reply(toast="Only the person who started this offload can use that.")
    if isinstance(press, ModePress):
        return await _post(ctx, found, press.mode) if found.status == "draft" else _done_already()
    action = press.action
    if action == "keep":
        await ctx.uow.offloads.keep(found.id)
        return Reply([ctx.reply("Kept. It stays up until you /forget it.")])
    if action == "forget":
        return Reply([*await forget_offload(ctx.scope, found), ctx.reply("Gone. I've removed it, and what I kept.")])
    if action == "reply":
        text = "Type your answer. I'll post it in the thread as 'Someone (the author)'."
        return await ask(ctx, FLOW, text, "answer", {"offload": found.id}, lifetime=FLOW_WAIT)
    return _done_already()


def _done_already() -> Reply:
    return Reply(toast="That's done already.")


async def _plan_expiry(uow: UnitOfWork, found: rules.Offload, stage: str, due: datetime) -> None:
    payload = OffloadToExpire(found.id, stage)
    key = f"offload-expiry:{found.id}:{stage}"
    await EXPIRY.plan(uow, key, due, payload, group_id=found.group_id, grace_seconds=EXPIRY_GRACE)


async def _post(ctx: MemberContext, found: rules.Offload, mode: str) -> Reply:
    member, group = ctx.member, ctx.group
    await ctx.uow.offloads.open(found.id, mode, keep_body=found.anonymous)
    await _plan_expiry(ctx.uow, found, "open", found.expires_at)
    opened = await ctx.uow.offloads.get(found.id)
    assert opened is not None
    name = None if found.anonymous else member.name
    scope = ctx.scope
    out: list[Outgoing] = [
        scope.to_group(
            rules.header_text(opened, name), buttons=support_buttons(found.id), card=found.card,
            start_thread=rules.title(name), protect=True,
        )
    ]  # fmt: skip
    if found.body:
        n = await ctx.uow.offloads.next_post(found.id)
        words = scope.to_group(
            found.body, thread=found.card, card=rules.post_card(found.id, n), protect=True, spoiler=found.heavy
        )
        out.append(words)
    days = group.settings.retention.days
    keep = (
        (
            AuthorPress("keep", member.id, found.id).button("Keep"),
            AuthorPress("forget", member.id, found.id).button("Forget it"),
        ),
    )
    note = f"Your offload is up. I'll remove it after {days} days unless you press Keep. /forget removes it sooner."
    out.append(ctx.dm(member, note, buttons=keep))
    log.info("offload posted id=%d", found.id)
    return Reply(out, toast="Posted.")


async def _support(ctx: MemberContext, found: rules.Offload, member: Member, kind: str) -> Reply:
    if found.status != "open":
        return Reply(toast="That offload is gone.")
    if not await ctx.uow.offloads.support(found.id, member.id, kind):
        return Reply(toast="You've already pressed that. Thanks.")
    counts = await ctx.uow.offloads.counts(found.id)
    author = None if found.anonymous else await ctx.uow.members.get(found.author_id)
    name = author.name if author else (None if found.anonymous else "Someone")
    text = rules.header_text(found, name, counts.get("hear", 0), counts.get("been", 0))
    edit = Edit(ctx.group_chat, found.card, text, buttons=support_buttons(found.id))
    return Reply([edit], toast="Thanks.")


async def forget_offload(scope: GroupScope, found: rules.Offload) -> list[Outgoing]:
    """Delete what the bot posted (newest first, header last) and every row it kept."""
    uow, chat = scope.uow, scope.group_chat
    out: list[Outgoing] = [Delete(chat, card=rules.post_card(found.id, n)) for n in range(found.posts, 0, -1)]
    if found.status == "open":
        out.append(Delete(chat, card=found.card, whole_thread=True))
    await uow.offloads.delete(found.id)
    await uow.schedule.cancel(f"offload-expiry:{found.id}:")
    log.info("offload removed id=%d", found.id)
    return out


async def forget(ctx: MemberContext) -> Reply:
    member, group = ctx.member, ctx.group
    thread = getattr(ctx.incoming, "thread", None)
    if ctx.in_dm:
        mine = [o for o in await ctx.uow.offloads.of_author(member.id) if o.status == "open"]
        if not mine:
            return Reply([ctx.reply("You have no offloads up right now.")])
        zone = group.settings.zone
        buttons = tuple(
            (
                AuthorPress("forget", member.id, o.id).button(
                    f"Forget the one from {o.created_at.astimezone(zone):%d %b}"
                ),
            )
            for o in mine
        )
        return Reply([ctx.reply("Which offload should I remove?", buttons=buttons)])
    card = await ctx.uow.cards.find_by_thread(ctx.platform, ctx.incoming.chat.chat_id, thread) if thread else None
    found = await ctx.uow.offloads.get(oid) if (oid := rules.offload_id_of_card(card)) else None
    if found is None:
        return Reply([ctx.reply("Type /forget inside your offload's thread, or in our private chat.")])
    if found.author_id != member.id:
        return Reply(
            [Post(ctx.incoming.chat, "Only the person who started this offload can remove it.", thread=found.card)]
        )
    return Reply(await forget_offload(ctx.scope, found))


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
    words = " ".join(text.text.split())[: rules.TEXT_LIMIT]
    line = f'{member.name} replied to your offload ("{rules.reminder_of(found.body)}"):\n{words}'
    answer = ((AuthorPress("reply", author.id, found.id).button("Reply"),),)
    return Reply([ctx.scope.dm(author, line, buttons=answer, protect=True)])


async def expire(scope: GroupScope, job: Due[OffloadToExpire]) -> list[Outgoing]:
    found = await scope.uow.offloads.get(job.payload.offload)
    if found is None or found.kept or (job.payload.stage == "draft" and found.status != "draft"):
        return []
    return await forget_offload(scope, found)  # planned with the offload's own group


async def _collect(uow: UnitOfWork, member: Member) -> list[dict[str, Any]]:
    return [
        {"anonymous": o.anonymous, "status": o.status, "reply_mode": rules.MODES.get(o.mode, ""), "kept": o.kept,
         "started": o.created_at.isoformat(), "removed_by": o.expires_at.isoformat(), "words_kept": o.body}
        for o in await uow.offloads.of_author(member.id)
    ]  # fmt: skip


async def _erase(uow: UnitOfWork, member: Member) -> None:
    await uow.offloads.erase_member(member.id)


async def reply_in_thread(ctx: MemberContext) -> Reply | None:
    """A text inside a thread may be a reply to an anonymous offload."""
    text = ctx.incoming
    return await relay(ctx, text.thread) if isinstance(text, Text) and text.thread else None


def register() -> Feature:
    feature = Feature("offload")
    feature.command("offload", offload, summary="get something off your chest (in private: anonymously)")
    feature.command("forget", forget, summary="remove your offload")
    feature.flow(FLOW, text_given)
    feature.button(SupportPress, pressed)
    feature.button(ModePress, pressed)
    feature.button(AuthorPress, pressed)
    feature.job(EXPIRY, expire)
    feature.observe_texts(reply_in_thread)
    feature.holds("offloads", _collect, _erase)
    return feature
