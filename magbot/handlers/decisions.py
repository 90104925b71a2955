"""Group decisions: open a secret-ballot vote, take votes, close it, and act on the result.

This module is the only place that changes a setting or the rules, admits, removes or mutes a member, and it
does so only for a passed decision (tests/handlers/test_decisions.py checks that with the source's AST).
Until a vote closes each eligible member's choice is kept so he can change it; at close only the tallies
and who took part remain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from magbot.core.context import MemberContext
from magbot.core.events import (
    ApproveJoin,
    ChatRef,
    DeclineJoin,
    Edit,
    Mute,
    Outgoing,
    Remove,
    Reply,
)
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.domain.dates import day_text, moment_text
from magbot.domain.decisions import (
    LABELS,
    SOON_BEFORE,
    Decision,
    Kind,
    ballot_text,
    history_line,
    share_text,
)
from magbot.domain.members import Group, Member
from magbot.domain.setting_words import setting_line
from magbot.domain.timewords import parse_duration
from magbot.handlers import decision_cards
from magbot.handlers.decision_cards import (
    VotePress,
    ballot_buttons,
    card,
    closed_ballot_text,
    result_card,
    result_text,
    soon_card,
    soon_text,
)
from magbot.handlers.mutes import mute_begins

__all__ = ["VotePress", "ballot_buttons", "card"]  # the ballot's parts, where callers have always found them
from magbot.storage.uow import UnitOfWork

CLOSE_GRACE = int(timedelta(days=30).total_seconds())  # a late close is still a close
PUT_BACK_NOTE = (
    "The group chose to put the message back. I don't keep the text of messages, so I can't post it again: "
    "whoever wrote it is welcome to post it again."
)


@dataclass(frozen=True)
class DecisionDue:
    decision_id: int


CLOSE = JobKind("decision_close", DecisionDue)
SOON = JobKind("decision_soon", DecisionDue)  # a note to those who have not voted yet


async def open_decision(
    scope: GroupScope,
    kind: str,
    payload: dict[str, Any],
    *,
    proposer: Member | None = None,
    about: Member | None = None,
) -> list[Outgoing]:
    """Open a vote among the members of this moment (not the member it is about); post the ballots."""
    uow, group, now = scope.uow, scope.group, scope.now
    period = group.settings.voting_period
    voters = [m for m in await uow.members.of_group(group.id) if m.active and (about is None or m.id != about.id)]
    decision = await uow.decisions.open(
        group.id,
        kind,
        payload,
        proposer_id=proposer.id if proposer else None,
        about_member_id=about.id if about else None,
        voters=[m.id for m in voters],
        quorum=share_text(group.settings.quorum),
        threshold=share_text(group.settings.threshold),
        now=now,
        closes_at=now + period,
    )
    await CLOSE.plan(
        uow,
        f"decision:{decision.id}:close",
        decision.closes_at,
        DecisionDue(decision.id),
        group_id=group.id,
        grace_seconds=CLOSE_GRACE,
    )
    soon = decision.closes_at - min(SOON_BEFORE, period / 2)
    await SOON.plan(
        uow,
        f"decision:{decision.id}:soon",
        soon,
        DecisionDue(decision.id),
        group_id=group.id,
        grace_seconds=int((decision.closes_at - soon).total_seconds()),
    )
    text = ballot_text(kind, payload, moment_text(decision.closes_at, group.settings.zone))
    buttons = ballot_buttons(decision.id)
    out: list[Outgoing] = [scope.to_group(text, buttons=buttons, card=card(decision.id), secret_ballot=True)]
    # Secret ballots also go privately (Matrix votes there; on Telegram either place works).
    out += [scope.dm(m, text, buttons=buttons, card=card(decision.id)) for m in voters]
    return out


async def vote(ctx: MemberContext) -> Reply:
    """`decision:vote:<id>:<choice>`: record or change a secret vote; close early once it is settled."""
    press = ctx.pressed(VotePress)
    choice = press.choice
    decision = await ctx.uow.decisions.get(press.decision)
    if decision is None:
        return Reply(toast="That button is no longer in use.")
    if not decision.is_open:
        return Reply(toast="This vote has closed.")
    voter = await ctx.uow.members.in_group(decision.group_id, ctx.incoming.sender.user_id)
    if voter is not None and voter.id == decision.about_member_id:
        return Reply(toast="This vote is about you, so you don't vote on it.")
    if voter is None or not voter.active or not await ctx.uow.decisions.cast(decision.id, voter.id, choice):
        return Reply(toast="Only people who were members when this vote opened can vote on it.")
    tally = await ctx.uow.decisions.tally(decision.id)
    if decision.rules.settled(tally, decision.eligible):
        out = await close_decision(ctx.scope, decision)
        return Reply(out, toast=f"Your vote is in: {LABELS[choice]}. That settles it: the result is in the group.")
    return Reply(toast=f"Your vote is in: {LABELS[choice]}. You can change it until it closes.")


async def member_gone(scope: GroupScope, member: Member) -> list[Outgoing]:
    """He left or was removed: every open vote re-counts without him (quorum included) and may close now."""
    await scope.uow.decisions.withdraw(member.id)
    return await settle_open(scope)


async def settle_open(scope: GroupScope) -> list[Outgoing]:
    """Close each open vote of the group whose outcome can no longer change (after the member list changed)."""
    out: list[Outgoing] = []
    for decision in await scope.uow.decisions.of_group(scope.group.id, status="open"):
        if decision.rules.settled(await scope.uow.decisions.tally(decision.id), decision.eligible):
            out += await close_decision(scope, decision)
    return out


async def close_decision(scope: GroupScope, decision: Decision) -> list[Outgoing]:
    """Count, keep only the tallies and who took part, post the result, then act on it."""
    uow = scope.uow
    # A member of several groups may settle a vote of a group that is not his first: act in the vote's own.
    group = scope.group if scope.group.id == decision.group_id else await uow.groups.get(decision.group_id)
    tally = await uow.decisions.tally(decision.id)
    passed = decision.rules.passes(tally, decision.eligible)
    if group is None or not await uow.decisions.close(decision.id, "passed" if passed else "failed", tally, scope.now):
        return []
    scope = scope.of(group)
    await uow.schedule.cancel(f"decision:{decision.id}:")
    closed = replace(decision, tally=tally, status="passed" if passed else "failed")
    actions, note = await _act(scope, closed, passed)
    if passed and note:  # kept with the decision: /forgetme edits the result post to the same words, name-free
        acted = await uow.decisions.get(decision.id)  # the action may have changed the payload (an admission's id)
        await uow.decisions.set_payload(decision.id, {**(acted.payload if acted else decision.payload), "note": note})
    closed = replace(closed, payload={**decision.payload, "note": note})  # the result says what was voted on
    ended = Edit(scope.group_chat, card(decision.id), closed_ballot_text(closed))
    return [ended, scope.to_group(result_text(closed, passed), card=result_card(decision.id)), *actions]


Outcome = tuple[list[Outgoing], str]  # what to send, and a line for the result post


@dataclass(frozen=True)
class Acting:
    """What an action gets: the closed decision, its group's scope, and the member it is about (if any)."""

    scope: GroupScope
    decision: Decision
    about: Member | None

    @property
    def uow(self) -> UnitOfWork:
        return self.scope.uow

    @property
    def group(self) -> Group:
        return self.scope.group

    @property
    def now(self) -> datetime:
        return self.scope.now

    @property
    def chat(self) -> ChatRef:
        return self.scope.group_chat


Action = Callable[[Acting], Awaitable[Outcome]]


async def _nothing(act: Acting) -> Outcome:
    return [], ""


@dataclass(frozen=True)
class OnResult:
    """What one kind of decision does when it passes, and when it fails."""

    passed: Action
    failed: Action = _nothing
    on_member: bool = False  # it acts on the member it is about: only while he is still in the group


async def _act(scope: GroupScope, decision: Decision, passed: bool) -> Outcome:
    """What a result does. The only code that changes settings, rules or membership for the group."""
    action = ACTIONS.get(decision.kind)
    if action is None:  # a kind this version does not know: nothing to do
        return [], ""
    about = await scope.uow.members.get(decision.about_member_id) if decision.about_member_id else None
    act = Acting(scope, decision, about)
    if not passed:
        return await action.failed(act)
    if action.on_member and (about is None or not about.active):
        return [], "Nothing to do: that member is no longer in the group."
    return await action.passed(act)


async def _admit(act: Acting) -> Outcome:
    p = act.decision.payload
    name = p.get("name", "New member")
    new = await act.uow.members.add(act.group.id, p["user_id"], name, founding=False, now=act.now)
    await act.uow.decisions.set_payload(act.decision.id, {**p, "member_id": new.id})  # whom its cards name
    return [ApproveJoin(act.chat, p["user_id"])], f"Welcome to the group, {p.get('name', '')}!"


async def _decline(act: Acting) -> Outcome:
    p = act.decision.payload
    await act.uow.decisions.set_payload(act.decision.id, {**p, "user_id": "", "handle": "", "name": "someone"})
    declined: list[Outgoing] = [DeclineJoin(act.chat, p["user_id"])] if p.get("request") else []
    return declined, "Not this time. Thanks to everyone who voted."


async def _stays_hidden(act: Acting) -> Outcome:
    return [], "The message stays removed."


async def _put_back(act: Acting) -> Outcome:
    return [], PUT_BACK_NOTE


async def _change_setting(act: Acting) -> Outcome:
    p = act.decision.payload
    await act.uow.groups.save_settings(act.group.id, act.group.settings.with_value(p["setting"], p["value"]))
    return [], f"Done. {setting_line(p['setting'], p['value'])} now."


async def _add_rule(act: Acting) -> Outcome:
    await act.uow.rules.add(act.group.id, act.decision.payload["text"], act.now)
    return [], "It's in the rules now. /rules shows them all."


async def _drop_rule(act: Acting) -> Outcome:
    await act.uow.rules.drop(act.group.id, int(act.decision.payload["rule_id"]))
    return [], "That rule is gone. /rules shows the rest."


async def _remove(act: Acting) -> Outcome:
    assert act.about is not None
    await act.uow.members.set_status(act.about.id, "removed")
    await act.uow.pending.clear_member(act.about.id)
    recounted = await member_gone(act.scope, act.about)
    return [Remove(act.chat, act.about.user_id), *recounted], f"{act.about.name} is no longer in the group."


async def _mute(act: Acting) -> Outcome:
    assert act.about is not None
    until = act.now + (parse_duration(act.decision.payload.get("duration", "")) or timedelta(days=1))
    text = f"{act.about.name} is muted until {moment_text(until, act.group.settings.zone)}."
    told = await mute_begins(act.scope, act.about, until)
    return [Mute(act.chat, act.about.user_id, until), *told], text


ACTIONS: dict[Kind, OnResult] = {
    Kind.ADMIT: OnResult(_admit, failed=_decline),
    Kind.HIDE: OnResult(_stays_hidden, failed=_put_back),
    Kind.SETTING: OnResult(_change_setting),
    Kind.RULE: OnResult(_add_rule),
    Kind.DROP_RULE: OnResult(_drop_rule),
    Kind.REMOVE: OnResult(_remove, on_member=True),
    Kind.MUTE: OnResult(_mute, on_member=True),
}


async def close_due(scope: GroupScope, job: Due[DecisionDue]) -> list[Outgoing]:
    decision = await scope.uow.decisions.get(job.payload.decision_id)
    return await close_decision(scope, decision) if decision is not None and decision.is_open else []


async def closing_soon(scope: GroupScope, job: Due[DecisionDue]) -> list[Outgoing]:
    """A private note to eligible members who have not voted yet: an invitation, nothing more."""
    uow = scope.uow
    decision = await uow.decisions.get(job.payload.decision_id)
    if decision is None or not decision.is_open:
        return []
    when = moment_text(decision.closes_at, scope.settings.zone)  # planned with the decision's own group
    text = soon_text(decision, when)
    out: list[Outgoing] = []
    for member_id in await uow.decisions.not_voted(decision.id):
        member = await uow.members.get(member_id)
        if member is not None and member.active:
            out.append(scope.dm(member, text, buttons=ballot_buttons(decision.id), card=soon_card(decision.id)))
    return out


async def admit_invited(scope: GroupScope, user_id: str, name: str) -> list[Outgoing]:
    """A join request from someone the group already voted to invite (`/invite`): let him in."""
    uow, group, now = scope.uow, scope.group, scope.now
    handles = {user_id.lower(), name.lower().lstrip("@")}
    for decision in await uow.decisions.of_group(group.id, status="passed", limit=50):
        p = decision.payload
        fresh = decision.closed_at is not None and now - decision.closed_at < timedelta(days=30)
        if decision.kind == "admit" and fresh and not p.get("used") and p.get("handle", "") in handles:
            new = await uow.members.add(group.id, user_id, p.get("name", name), founding=False, now=now)
            await uow.decisions.set_payload(decision.id, {**p, "used": True, "member_id": new.id})
            joined = scope.to_group(f"{p.get('name')} has joined.", about=new.id)  # /forgetme takes it back
            return [ApproveJoin(scope.group_chat, user_id), joined]
    return []


async def list_decisions(ctx: MemberContext) -> Reply:
    """`/decisions`: the newest decisions and how they ended."""
    decisions = await ctx.uow.decisions.of_group(ctx.group.id, limit=15)
    if not decisions:
        return Reply([ctx.reply("No group decisions yet. /propose starts one.")])
    zone = ctx.group.settings.zone
    lines = ["Group decisions, newest first:"]
    lines += [history_line(d, day_text(d.opened_at.astimezone(zone).date())) for d in decisions]
    return Reply([ctx.reply("\n".join(lines))])


def register() -> Feature:
    feature = Feature("decisions")
    feature.command("decisions", list_decisions, summary="past group decisions")
    feature.button(VotePress, vote)
    feature.job(CLOSE, close_due)
    feature.job(SOON, closing_soon)
    feature.holds("decisions", decision_cards.collect, decision_cards.erase)
    return feature


async def already_open(uow: UnitOfWork, group_id: int, kind: str, **match: Any) -> Decision | None:
    """An open decision of this kind on the same subject (one vote at a time on one thing)."""
    for decision in await uow.decisions.of_group(group_id, status="open"):
        if decision.kind == kind and all(decision.payload.get(k) == v for k, v in match.items()):
            return decision
    return None


def vote_is_open_text(decision: Decision, group: Group) -> str:
    return f"There's already a vote open on that. It closes {moment_text(decision.closes_at, group.settings.zone)}."
