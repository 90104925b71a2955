"""Offload threads: /offload in the group (named) or in private (anonymous), the reply mode, support buttons,
replies relayed to an anonymous author and his answers posted back, /forget, Keep, and expiry.

The header never holds a member's words (so it can be edited for the support counts); the words are the
thread's first message. A named offload's words are dropped once posted; an anonymous one's are kept only
while replies are relayed, and purged at expiry or /forget.
"""

from __future__ import annotations

import logging
from typing import Any

from magbot.core.context import FlowContext, MemberContext
from magbot.core.events import Edit, Outgoing, Post, Reply, Text
from magbot.core.feature import Feature
from magbot.domain import offload as rules
from magbot.domain.dates import day_text
from magbot.domain.limits import OFFLOAD
from magbot.domain.members import Group, Member
from magbot.handlers import offload_steps as steps
from magbot.handlers.flows import ask, finish, waiting
from magbot.handlers.offload_expiry import DRAFT_LIFETIME, EXPIRY, expire, forget_offload, plan_expiry
from magbot.handlers.offload_steps import (
    FLOW,
    FLOW_WAIT,
    AuthorPress,
    HeavyPress,
    ModePress,
    SupportPress,
    support_buttons,
)
from magbot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

async def offload(ctx: MemberContext) -> Reply:
    member, group = ctx.member, ctx.group
    words = rules.parse_args(ctx.args)
    if refusal := OFFLOAD.refusal(words):
        return Reply([ctx.reply(refusal)])
    if ctx.in_dm and not words:
        text = (
            f"What's on your mind? Type it here {OFFLOAD.up_front}. The group sees it without your name, "
            "and I pass their replies to you privately."
        )
        return await ask(ctx, FLOW, text, "text", lifetime=FLOW_WAIT)
    return await _draft(ctx, member, group, anonymous=ctx.in_dm, body=words)


async def _draft(ctx: MemberContext, member: Member, group: Group, *, anonymous: bool, body: str) -> Reply:
    draft = await ctx.uow.offloads.draft(
        group.id, member.id, anonymous=anonymous, heavy=False, body=body,
        now=ctx.now, expires=rules.expiry(ctx.now, group.settings.retention),
    )  # fmt: skip
    # A draft nobody finished goes within a day; a posted offload at the group's retention period.
    await plan_expiry(ctx.uow, draft, "draft", min(draft.expires_at, ctx.now + DRAFT_LIFETIME))
    log.info("offload drafted id=%d anonymous=%s", draft.id, anonymous)
    return await steps.ask_heavy(ctx, draft.id)


async def text_given(ctx: FlowContext) -> Reply:
    """Guided steps: the anonymous offload's text, a typed answer to a button question, or the author's answer
    to a relayed reply."""
    member, group, pending, text = ctx.member, ctx.group, ctx.pending, ctx.incoming
    assert isinstance(text, Text)
    words = " ".join(text.text.split())
    if pending.step in ("heavy", "mode", "send"):
        return await _typed_answer(ctx, pending.step, words, dict(pending.data))
    if not words:
        return Reply([ctx.reply("Type a few words, for example: I can't sleep since the hearing.")])
    if refusal := OFFLOAD.refusal(words):
        return Reply([ctx.reply(refusal)])  # the step stays: his next message is the text again
    await finish(ctx)
    if pending.step == "text":
        return await _draft(ctx, member, group, anonymous=True, body=words)
    return await _post_answer(ctx, int(pending.data.get("offload", 0)), words)


async def _typed_answer(ctx: MemberContext, step: str, words: str, data: dict[str, Any]) -> Reply:
    """Yes / No or the reply mode typed instead of pressed; anything else asks the same question again."""
    offload_id, choice = int(data.get("offload", 0)), steps.typed_choice(step, words)
    found = await ctx.uow.offloads.get(offload_id)
    if found is None or found.author_id != ctx.member.id:
        await finish(ctx)
        return Reply([ctx.reply("That offload is gone.")])
    if choice is None:
        again = "Please press Yes or No."
        if step == "heavy":
            return await steps.ask_heavy(ctx, offload_id, f"{again} {steps.ASK_HEAVY}")
        if step == "mode":
            return await steps.ask_mode(ctx, offload_id, "Please press Just listen or Advice welcome.")
        return await steps.ask_send(ctx, offload_id, str(data.get("words", "")))
    if step == "heavy":
        return await _heavy(ctx, found, choice)
    if step == "mode":
        return await _chose_mode(ctx, found, choice)
    return await _send_answer(ctx, found, choice, str(data.get("words", "")))


async def _post_answer(ctx: MemberContext, offload_id: int, words: str) -> Reply:
    found = await ctx.uow.offloads.get(offload_id)
    if found is None or found.author_id != ctx.member.id or found.status != "open":
        return Reply([ctx.reply("That offload is gone, so I couldn't post your answer.")])
    n = await ctx.uow.offloads.next_post(found.id)
    answer = ctx.scope.to_group(
        f"Someone (the author): {words}", thread=found.card, card=rules.post_card(found.id, n), protect=True,
        about=ctx.member.id,
    )
    return Reply([answer, ctx.reply("Posted in the thread, without your name.")])


async def pressed(ctx: MemberContext) -> Reply:
    press, member = ctx.press, ctx.member
    assert isinstance(press, SupportPress | ModePress | AuthorPress | HeavyPress)
    found = await ctx.uow.offloads.get(press.offload)
    if found is None or found.group_id != ctx.group.id:  # another group's offload is not his to touch
        return Reply(toast="That offload is gone.")
    if isinstance(press, SupportPress):
        return await _support(ctx, found, member, press.kind)
    if press.owner != member.id or found.author_id != member.id:
        return Reply(toast="Only the person who started this offload can use that.")
    if isinstance(press, HeavyPress):
        return await _heavy(ctx, found, press.answer)
    if isinstance(press, ModePress):
        return await _chose_mode(ctx, found, press.mode)
    action = press.action
    if action == "keep":
        await ctx.uow.offloads.keep(found.id)
        return Reply([ctx.reply("Kept. It stays up until you /forget it.")])
    if action == "forget":
        return Reply([*await forget_offload(ctx.scope, found), ctx.reply("Gone. I've removed it, and what I kept.")])
    if action == "reply":
        return await steps.ask_answer(ctx, found.id)
    pending = await waiting(ctx, FLOW)
    if pending is None or pending.step != "send":
        return Reply(toast="That has timed out. Press Reply under the message you're answering.")
    return await _send_answer(ctx, found, "yes" if action == "send" else "no", str(pending.data.get("words", "")))


async def _heavy(ctx: MemberContext, found: rules.Offload, answer: str) -> Reply:
    if found.status != "draft":
        return _done_already()
    await ctx.uow.offloads.set_heavy(found.id, answer == "yes")
    return await steps.ask_mode(ctx, found.id)


async def _chose_mode(ctx: MemberContext, found: rules.Offload, mode: str) -> Reply:
    if found.status != "draft":
        return _done_already()
    await finish(ctx)
    return await _post(ctx, found, mode)


async def _send_answer(ctx: MemberContext, found: rules.Offload, answer: str, words: str) -> Reply:
    await finish(ctx)
    if answer != "yes" or not words:
        return Reply([ctx.reply("Okay, I didn't send it.")])
    return await _post_answer(ctx, found.id, words)


def _done_already() -> Reply:
    return Reply(toast="That's done already.")


async def _post(ctx: MemberContext, found: rules.Offload, mode: str) -> Reply:
    member, group = ctx.member, ctx.group
    await ctx.uow.offloads.open(found.id, mode, keep_body=found.anonymous)
    await plan_expiry(ctx.uow, found, "open", found.expires_at)
    opened = await ctx.uow.offloads.get(found.id)
    assert opened is not None
    name = None if found.anonymous else member.name
    scope = ctx.scope
    out: list[Outgoing] = [
        scope.to_group(
            rules.header_text(opened, name), buttons=support_buttons(found.id), card=found.card,
            start_thread=rules.title(name), protect=True, about=member.id,
        )
    ]  # fmt: skip
    if found.body:
        n = await ctx.uow.offloads.next_post(found.id)
        words = scope.to_group(
            found.body, thread=found.card, card=rules.post_card(found.id, n), protect=True, spoiler=found.heavy,
            about=member.id,
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


WHERE_FORGET = "Type /forget inside your offload's thread, or in our private chat."


async def forget(ctx: MemberContext) -> Reply:
    member = ctx.member
    thread = getattr(ctx.incoming, "thread", None)
    if ctx.in_dm or not thread:  # not inside a thread: ask which of his (in the group, only those under his name)
        mine = [o for o in await ctx.uow.offloads.of_author(member.id) if o.status == "open"]
        return _which_to_forget(ctx, mine if ctx.in_dm else [o for o in mine if not o.anonymous])
    card = await ctx.uow.cards.find_by_thread(ctx.platform, ctx.incoming.chat.chat_id, thread) if thread else None
    found = await ctx.uow.offloads.get(oid) if (oid := rules.offload_id_of_card(card)) else None
    if found is None:
        return Reply([ctx.reply(WHERE_FORGET)])
    if found.author_id != member.id:
        return Reply(
            [Post(ctx.incoming.chat, "Only the person who started this offload can remove it.", thread=found.card)]
        )
    return Reply(await forget_offload(ctx.scope, found))


def _which_to_forget(ctx: MemberContext, mine: list[rules.Offload]) -> Reply:
    """His open offloads as buttons; with none, that (in private) or where /forget works (in the group, where
    his anonymous ones are never shown)."""
    if not mine:
        return Reply([ctx.reply("You have no offloads up right now." if ctx.in_dm else WHERE_FORGET)])
    zone = ctx.group.settings.zone
    buttons = tuple(
        (AuthorPress("forget", ctx.member.id, o.id).button(
            f"Forget the one from {day_text(o.created_at.astimezone(zone).date())}"),)
        for o in mine
    )  # fmt: skip
    return Reply([ctx.reply("Which offload should I remove?", buttons=buttons)])


async def _collect(uow: UnitOfWork, member: Member) -> list[dict[str, Any]]:
    return [
        {"anonymous": o.anonymous, "status": o.status, "reply_mode": rules.MODES.get(o.mode, ""), "kept": o.kept,
         "started": o.created_at.isoformat(), "removed_by": o.expires_at.isoformat(), "words_kept": o.body}
        for o in await uow.offloads.of_author(member.id)
    ]  # fmt: skip


async def _erase(uow: UnitOfWork, member: Member) -> None:
    await uow.offloads.erase_member(member.id)


def register() -> Feature:
    feature = Feature("offload")
    feature.command("offload", offload, summary="get something off your chest (in private: anonymously)")
    feature.command("forget", forget, summary="remove your offload")
    feature.flow(FLOW, text_given)
    feature.button(SupportPress, pressed)
    feature.button(ModePress, pressed)
    feature.button(AuthorPress, pressed)
    feature.button(HeavyPress, pressed)
    feature.job(EXPIRY, expire)
    feature.observe_texts(steps.reply_in_thread)
    feature.holds("offloads", _collect, _erase)
    return feature
