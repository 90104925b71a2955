"""A decision's cards, and what /mydata and /forgetme do with decisions.

Each decision posts named cards: its ballot in the group and in every voter's private chat, its result in the
group, and the "closing soon" note privately. Naming them lets /forgetme edit them later: a member who erases
himself leaves the group's record of each vote about him (question, tallies, outcome), with his name replaced by
"a former member", and an open ballot keeps its buttons (docs/DECISIONS.md, "Votes about a member who erased
himself").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from magbot.core.events import Button, Edit, Outgoing
from magbot.core.scope import dm_chat, group_chat
from magbot.core.wire import Const, Id, OneOf, Press
from magbot.domain.dates import moment_text
from magbot.domain.decisions import (
    CHOICES,
    FORMER_MEMBER,
    LABELS,
    Decision,
    ballot_text,
    outcome_text,
    question,
    unnamed,
)
from magbot.domain.members import Group, Member
from magbot.storage.uow import UnitOfWork


@dataclass(frozen=True)
class VotePress(Press, prefix="decision", shape=(Const("vote"), Id(), OneOf(*CHOICES))):
    """`decision:vote:<decision id>:<yes|no|abstain>`: a secret ballot's buttons."""

    decision: int
    choice: str


def card(decision_id: int) -> str:
    """The ballot, in the group and in each voter's private chat (cards are kept per chat)."""
    return f"decision:{decision_id}"


def result_card(decision_id: int) -> str:
    return f"decision:{decision_id}:result"


def soon_card(decision_id: int) -> str:
    return f"decision:{decision_id}:soon"


def ballot_buttons(decision_id: int) -> tuple[tuple[Button, ...], ...]:
    return (tuple(VotePress(decision_id, c).button(LABELS[c]) for c in CHOICES),)


def closed_ballot_text(decision: Decision) -> str:
    return f"Group vote (closed): {question(decision.kind, decision.payload)}"


def result_text(decision: Decision, passed: bool) -> str:
    """The result post: the outcome and what the group's decision did (its note, kept on the decision)."""
    note = str(decision.payload.get("note", ""))
    return outcome_text(decision, passed) + (f"\n{note}" if note else "")


def soon_text(decision: Decision, when: str) -> str:
    return f"The group vote closes {when}: {question(decision.kind, decision.payload)} Your vote is secret."


def names(decision: Decision, member: Member) -> bool:
    """Whether the decision's cards show this member's name: it is about him, or it let him in."""
    p = decision.payload
    return (
        decision.about_member_id == member.id
        or p.get("member_id") == member.id
        or member.user_id in (p.get("user_id"), p.get("handle"))
    )


async def unnamed_cards(uow: UnitOfWork, group: Group, decision: Decision, gone: Member) -> list[Outgoing]:
    """Edits of every card of `decision` still on screen, to its (already name-free) payload's texts."""
    chat = group_chat(group)
    if decision.is_open:  # his name goes, the vote goes on: the buttons stay
        ballot = ballot_text(decision.kind, decision.payload, moment_text(decision.closes_at, group.settings.zone))
        buttons = ballot_buttons(decision.id)
    else:
        ballot, buttons = closed_ballot_text(decision), ()
    edits = [Edit(chat, card(decision.id), ballot, buttons)]
    if not decision.is_open:
        edits.append(Edit(chat, result_card(decision.id), result_text(decision, decision.status == "passed")))
    soon = soon_text(decision, moment_text(decision.closes_at, group.settings.zone))
    # Whoever got a private ballot (a closed vote keeps only who voted): its card in his chat says so.
    for voter in await uow.members.of_group(group.id):
        if voter.id != gone.id:
            dm = dm_chat(group.platform, voter)
            edits += [Edit(dm, card(decision.id), ballot, buttons), Edit(dm, soon_card(decision.id), soon, buttons)]
    # Only what was posted and is still known, or is still on its way (a result post queued when he erased
    # himself: the edit follows it); an edit of a card that was never posted would show a stray "(edited)".
    return [e for e in edits if await _shown_or_queued(uow, e)]


async def _shown_or_queued(uow: UnitOfWork, edit: Edit) -> bool:
    platform, chat_id = edit.chat.platform, edit.chat.chat_id
    return await uow.cards.find(platform, chat_id, edit.card) is not None or await uow.outbox.posts_card(
        platform, chat_id, edit.card
    )


async def collect(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    ballots = [
        {"vote": question(d.kind, d.payload), "your_choice_while_open": choice, "voted": voted}
        for d, choice, voted in await uow.decisions.involving(member.id)
    ]
    named = [
        {"vote": question(d.kind, d.payload), "you_proposed_it": d.proposer_id == member.id}
        for d in await uow.decisions.naming(member.id)
    ]
    return {
        "ballots": ballots,
        "decisions_naming_you": named,
        "messages_you_flagged": await uow.flags.count_by(member.id),
    }


async def erase(uow: UnitOfWork, member: Member) -> list[Outgoing]:
    """Ballots and flags go (out of open votes' electorates too); decisions keep their tallies but lose his name,
    in the database and on every card of theirs still on screen."""
    await uow.decisions.withdraw(member.id)  # /forgetme then re-checks the open votes (settle_open)
    group = await uow.groups.get(member.group_id)
    out: list[Outgoing] = []
    for decision in await uow.decisions.of_group(member.group_id, limit=100_000):
        if not names(decision, member):
            continue
        p = decision.payload
        name = str(p.get("name", ""))
        payload = {**p, "name": FORMER_MEMBER, "user_id": "", "handle": "", "member_id": None}
        if p.get("note"):
            payload["note"] = unnamed(unnamed(str(p["note"]), name), member.name)  # renamed since it was proposed
        await uow.decisions.set_payload(decision.id, payload)
        if group is not None:
            out += await unnamed_cards(uow, group, replace(decision, payload=payload), member)
    await uow.decisions.forget_member(member.id)
    await uow.flags.forget_member(member.id)
    return out
