"""/notice: a one-off notice about the next meeting, and calling that meeting off (PRODUCT.md "Meetings").

No word in a notice cancels anything ("Not cancelled! Just moved to room 2" is a notice). The poster is asked
"Is this week's meeting off?" with two buttons; if he says it is, the group is told who called it off and why,
the reminders stop (`meetings.is_cancelled`), and that post carries `It's back on`, which any member can press;
the group is told who did. Nobody holds rank: each way is one press, in the open, and can be undone by anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from magbot.core.context import Buttons, MemberContext
from magbot.core.events import Edit, Outgoing, Reply
from magbot.core.feature import Feature
from magbot.core.wire import Id, OneOf, Press
from magbot.domain.limits import NOTICE
from magbot.domain.meetings import Notice
from magbot.handlers.flows import too_long, words_or_ask
from magbot.handlers.meeting_cards import next_meeting

ASK_NOTICE = f"What should I tell the group about the next meeting? One message, please {NOTICE.up_front}."
EXAMPLE = "For example: /notice We're in Room 2 this week."
OVER = "That meeting is over. /meeting shows the next one."


@dataclass(frozen=True)
class NoticePress(Press, prefix="notice", shape=(OneOf("off", "just", "on"), Id())):
    """`notice:<off|just|on>:<notice id>`: `Yes, it's off`, `No, just a notice` (the poster), `It's back on`."""

    action: str
    notice: int


def _ask_card(notice_id: int) -> str:
    return f"notice-ask:{notice_id}"


def _off_card(notice_id: int) -> str:
    return f"notice-off:{notice_id}"


def _question_buttons(notice_id: int) -> Buttons:
    return ((NoticePress("off", notice_id).button("Yes, it's off"),
             NoticePress("just", notice_id).button("No, just a notice")),)  # fmt: skip


async def post_notice(ctx: MemberContext, raw: str) -> Reply:
    text = " ".join(raw.split())
    if not text:
        return Reply([ctx.reply(f"Write the notice after /notice. {EXAMPLE}")])
    if refusal := NOTICE.refusal(text, f"Please shorten it. {EXAMPLE}"):
        return Reply([ctx.reply(refusal)])
    upcoming = next_meeting(ctx.group, ctx.now)
    notice_id = await ctx.uow.meetings.add_notice(
        ctx.group.id, upcoming.date, text, cancelled=False, member_id=ctx.member.id, now=ctx.now
    )
    when = upcoming.when(ctx.now)
    post = ctx.to_group(f"Notice about the meeting {when} (from {ctx.member.name}): {text}", about=ctx.member.id)
    done = "Done, it's posted in the group. " if ctx.in_dm else ""
    question = f"{done}{ctx.member.name}, is this week's meeting off? ({when})"
    ask = ctx.reply(question, buttons=_question_buttons(notice_id), card=_ask_card(notice_id))
    return Reply([post, ask])


async def _found(ctx: MemberContext, notice_id: int) -> Notice | Reply:
    """The notice pressed on, if it is this group's and its meeting is still to come."""
    found = await ctx.uow.meetings.notice(notice_id)
    if found is None or found.group_id != ctx.group.id:
        return Reply(toast="That notice is no longer here.")
    if found.meeting_date != next_meeting(ctx.group, ctx.now).date:
        return Reply(toast=OVER)
    return found


async def pressed(ctx: MemberContext) -> Reply:
    press = ctx.pressed(NoticePress)
    found = await _found(ctx, press.notice)
    if isinstance(found, Reply):
        return found
    if press.action == "on":
        return await _back_on(ctx, found)
    if found.member_id != ctx.member.id:
        return Reply(toast="This question is for whoever posted the notice.")
    chat = ctx.incoming.chat
    if press.action == "just":
        answered = Edit(chat, _ask_card(found.id), "Okay, it's just a notice. The meeting is still on.")
        return Reply([answered], toast="Okay, just a notice.")
    return await _call_off(ctx, found)


async def _call_off(ctx: MemberContext, found: Notice) -> Reply:
    upcoming = next_meeting(ctx.group, ctx.now)
    answered = Edit(ctx.incoming.chat, _ask_card(found.id), "Okay, I've told the group the meeting is off.")
    if await ctx.uow.meetings.is_cancelled(ctx.group.id, upcoming.date):
        return Reply([answered], toast="It's already called off.")
    await ctx.uow.meetings.call_off(found.id)
    text = (
        f"{ctx.member.name} called off the meeting {upcoming.when(ctx.now)}: {found.text}\n"
        "No reminders will go out for it. If it's back on, anyone can press the button."
    )
    back = ((NoticePress("on", found.id).button("It's back on"),),)
    out: list[Outgoing] = [answered, ctx.to_group(text, buttons=back, card=_off_card(found.id), about=ctx.member.id)]
    return Reply(out, toast="Called off.")


async def _back_on(ctx: MemberContext, found: Notice) -> Reply:
    upcoming = next_meeting(ctx.group, ctx.now)
    if not await ctx.uow.meetings.is_cancelled(ctx.group.id, upcoming.date):
        return Reply(toast="It's on already.")
    await ctx.uow.meetings.back_on(ctx.group.id, upcoming.date)
    when = upcoming.when(ctx.now)
    was = Edit(ctx.scope.group_chat, _off_card(found.id), f"The meeting {when} was called off, then put back on.")
    told = ctx.to_group(
        f"{ctx.member.name} says the meeting {when} is back on. Reminders will go out as usual.", about=ctx.member.id
    )
    return Reply([was, told], toast="It's back on.")


notice, notice_flow = words_or_ask("notice", ASK_NOTICE, post_notice, too_long(NOTICE))


def register() -> Feature:
    feature = Feature("notices")
    feature.command("notice", notice, summary="a notice about the next meeting", example="/notice We're in Room 2")
    feature.flow("notice", notice_flow)
    feature.button(NoticePress, pressed)
    return feature
