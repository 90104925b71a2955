"""Activities, one folder for the feature: /activity, /activities, calling off and the sign-up buttons (the waiting
list moved up in order) here; the post in `cards.py`, the guided /activity in `flow.py`, the scheduled sends (the
24-hour reminder, the weekly posts) in `jobs.py`. Its rules are in domain/activities.py, its storage in
storage/activities_repo.py and models_activities.py."""

from __future__ import annotations

from collections.abc import Callable

from magbot.core.context import MemberContext
from magbot.core.events import Edit, Outgoing, Post, Reply
from magbot.core.feature import Feature
from magbot.core.scope import GroupScope, group_chat
from magbot.domain.activities import (
    ACTIVITY_EXAMPLE,
    Activity,
    ActivityError,
    ActivitySpec,
    Series,
    SignUp,
    parse_activity,
    press,
    waiting_position,
)
from magbot.domain.members import Member
from magbot.handlers.activities import flow as activity_flow
from magbot.handlers.activities import jobs as activity_jobs
from magbot.handlers.activities.cards import (
    CALLING_OFF,
    REMIND,
    ActivityPress,
    card_buttons,
    card_edit,
    card_text,
    day_and_time,
    dm_all,
    headline,
    put_up,
)
from magbot.handlers.calendar import calendar
from magbot.handlers.flows import ask
from magbot.storage.uow import UnitOfWork

TOASTS = {
    "in": "You're in. See you there.",
    "maybe": "Marked as maybe.",
    "cant": "Thanks for letting us know.",
    "guest": "Your guest is down. Thanks.",
    "no guest": "Guest taken off.",
    "full": "Sorry, there's no place left for a guest.",
}


async def activity(ctx: MemberContext) -> Reply:
    if not ctx.args:
        return await ask(ctx, activity_flow.FLOW, activity_flow.ASK_WHAT, "what")
    given = [part.strip() for part in ctx.args.split("|")]
    if len(given) < 3:  # only what it is, or what and when: carry on asking for the rest
        return await activity_flow.carry_on(ctx, given)
    try:
        spec = parse_activity(ctx.args, ctx.now, ctx.group.settings.zone)
    except ActivityError as exc:
        return Reply([ctx.reply(str(exc))])
    return await start(ctx, spec)


async def start(ctx: MemberContext, spec: ActivitySpec) -> Reply:
    series_id = None
    if spec.weekly:
        local = spec.starts_at.astimezone(ctx.group.settings.zone)
        series = Series(
            0,
            ctx.group.id,
            ctx.member.id,
            spec.what,
            spec.place,
            local.weekday(),
            local.strftime("%H:%M"),
            spec.places,
            spec.cost_pence,
            spec.guests,
        )
        series_id = await ctx.uow.activities.add_series(series, ctx.now)
    _, post = await put_up(ctx.scope, ctx.member.id, spec, series_id)
    out: list[Outgoing] = [post]
    return ctx.group_posts(out, "Done, it's up in the group.")


async def list_activities(ctx: MemberContext) -> Reply:
    zone, lines = ctx.group.settings.zone, ["Coming up:"]
    for n, act in enumerate(await ctx.uow.activities.upcoming(ctx.group.id, ctx.now), 1):
        signups = await ctx.uow.activities.signups(act.id)
        going = sum(1 + s.guests for s in signups if s.status == "in")
        counts = (f"{going} of {act.places} in" if act.places else f"{going} in") if going else "nobody in yet"
        if waiting := sum(1 for s in signups if s.status == "waiting"):
            counts += f", {waiting} waiting"
        lines.append(f"{n}. {headline(act, zone)}: {counts}")
    if len(lines) == 1:
        return Reply([ctx.reply(f"Nothing planned yet. Start something: {ACTIVITY_EXAMPLE}")])
    return Reply([ctx.reply("\n".join(lines))])


# ---------------------------------------------------------------- the buttons on the post


async def activity_button(ctx: MemberContext) -> Reply:
    press_, group = ctx.pressed(ActivityPress), ctx.group
    action = press_.action
    found = await ctx.uow.activities.get(press_.activity)
    if found is None or found.group_id != group.id:
        return Reply(toast="That activity is no longer here.")
    if action in ("weekly", "oneoff") and found.organiser_id == ctx.member.id and found.series_id:
        return await _weekly_answer(ctx, found.series_id, action)  # after it was called off: the ones to come
    if found.status == "cancelled":
        return Reply(toast="That one was called off.")
    if found.starts_at <= ctx.now:
        return Reply(toast="That one has already happened. /activities shows what's coming up.")
    if action in CALLING_OFF:
        return await _cancel_button(ctx, found, action)
    # Dropping out stays possible after sign-up closes: the organiser needs to know, and a place frees up.
    if found.closed_for_signups(ctx.now) and action != "cant":
        closed = day_and_time(found.closes_at or found.starts_at, group.settings.zone)
        return Reply(toast=f"Sign-up closed on {closed}.")
    return await _answer(ctx, found, action)


async def flow_button(ctx: MemberContext) -> Reply:
    """The guided /activity's Skip and Yes / No."""
    return await activity_flow.flow_button(ctx, start)


async def _answer(ctx: MemberContext, act: Activity, answer: str) -> Reply:
    before = await ctx.uow.activities.signups(act.id)
    change = press(before, ctx.member.id, answer, act.places)
    if change.signups == before:
        return Reply(toast=_unchanged(answer, change.status, before, ctx.member.id))
    await ctx.uow.activities.save_signups(act.id, change.signups)
    out: list[Outgoing] = [await card_edit(ctx.scope, act)]
    moved = [m for m in [await ctx.uow.members.get(i) for i in change.moved_in] if m is not None]
    text = (
        f"Good news: a place came free, so you're in for {headline(act, ctx.group.settings.zone)}. "
        "Can't make it after all? Press Can't on the post."
    )
    out += dm_all(ctx.scope, [m for m in moved if m.id != ctx.member.id], text)
    if change.status == "waiting":
        place = waiting_position(change.signups, ctx.member.id)
        return Reply(
            out,
            toast=f"It's full, so you're on the waiting list (number {place}). I'll tell you if a place comes free.",
        )
    return Reply(out, toast=TOASTS.get(change.status, "Done."))


def _unchanged(answer: str, status: str, signups: tuple[SignUp, ...], member_id: int) -> str:
    if status == "waiting":
        return f"You're on the waiting list (number {waiting_position(signups, member_id)})."
    if answer == "guest":
        return TOASTS["full"] if status == "full" else "Press I'm in first, then +1 guest."
    return "You're already in." if status == "in" else "That's already your answer."


# ---------------------------------------------------------------- calling it off


async def _cancel_button(ctx: MemberContext, act: Activity, action: str) -> Reply:
    if act.organiser_id != ctx.member.id:
        return Reply(toast="Only the organiser can call it off. To drop out, press Can't.")
    if action == "callno":
        return Reply([ctx.reply("Okay, it's still on.")], toast="Still on.")
    if action == "cancel":
        question = f"Call off {headline(act, ctx.group.settings.zone)}? Everyone signed up will be told."
        buttons = ((ActivityPress("callyes", act.id).button("Yes"), ActivityPress("callno", act.id).button("No")),)
        return Reply([ctx.dm(ctx.member, question, buttons=buttons)], toast="I've asked you in our private chat.")
    out = await call_off(ctx.scope, act, ctx.member, ctx.reply)
    if act.series_id:  # one week off is not the end of the weekly one: ask, rather than guess
        question = "Next week's will still go up. Stop it every week from now on?"
        yes_no = ((ActivityPress("weekly", act.id).button("Yes"), ActivityPress("oneoff", act.id).button("No")),)
        out.append(ctx.reply(question, buttons=yes_no))
    return Reply(out, toast="Called off.")


async def _weekly_answer(ctx: MemberContext, series_id: int, action: str) -> Reply:
    if action == "oneoff":
        return Reply([ctx.reply("Okay, the weekly one goes on. Only this one is off.")])
    await ctx.uow.activities.stop_series(series_id)
    return Reply([ctx.reply("Done: it won't go up again.")], toast="Stopped.")


async def call_off(scope: GroupScope, act: Activity, by: Member, reply: Callable[[str], Post]) -> list[Outgoing]:
    uow = scope.uow
    await uow.activities.cancel(act.id)
    await uow.schedule.cancel(f"activity:{act.id}:remind")
    zone = scope.settings.zone
    edit = Edit(scope.group_chat, act.card, f"Called off by the organiser: {headline(act, zone)}.")
    told = [s.member_id for s in await uow.activities.signups(act.id) if s.status != "cant" and s.member_id != by.id]
    members = [m for m in [await uow.members.get(i) for i in told] if m is not None]
    text = f"Sorry, {headline(act, zone)} is called off."
    return [edit, *dm_all(scope, members, text), reply("Done. It's called off, and everyone signed up has been told.")]


async def _collect(uow: UnitOfWork, member: Member) -> dict[str, object]:
    return await uow.activities.held_about(member.id)


async def _erase(uow: UnitOfWork, member: Member) -> list[Outgoing]:
    """His sign-ups go and his name leaves the cards he was on; activities he organised stay for the others."""
    touched = await uow.activities.touched_by(member.id)
    await uow.activities.erase(member.id)
    group = await uow.groups.get(member.group_id)
    out: list[Outgoing] = []
    for activity_id in touched:
        found = await uow.activities.get(activity_id)
        if group is not None and found is not None:
            text = await card_text(uow, group, found)
            out.append(Edit(group_chat(group), found.card, text, buttons=card_buttons(found)))
    return out


def register() -> Feature:
    feature = Feature("activities")
    feature.command("activity", activity, summary="plan football, a trip, a meal", example=ACTIVITY_EXAMPLE)
    feature.command("activities", list_activities, summary="activities coming up, and who is in")
    feature.command("calendar", calendar, summary="meetings and activities for your phone's calendar")
    feature.flow(activity_flow.FLOW, activity_flow.flow_text)
    feature.button(ActivityPress, activity_button)
    feature.button(activity_flow.SkipPress, flow_button)
    feature.button(activity_flow.GuestsPress, flow_button)
    feature.job(REMIND, activity_jobs.remind)
    feature.job(activity_jobs.WEEKLY, activity_jobs.post_weekly)
    feature.plan_each_group(activity_jobs.plan_weekly)
    feature.holds("activities", _collect, _erase)
    return feature
