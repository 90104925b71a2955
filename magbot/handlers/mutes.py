"""Mutes: what a passed mute decision starts, and its end, by itself, at its time, on every platform.

decisions.py acts (the platform's restriction, `Mute`); this module keeps the member's `muted_until`, tells him
privately when it starts and ends, and plans the end as a scheduled row (exactly once across restarts). At the
end the bot lifts the restriction itself (`Unmute`): Matrix has no timed power level, and on Telegram, whose
`until_date` ends it too, this also ends a restriction that was delivered late. While a mute lasts the router
answers his group commands, texts and presses privately instead of acting on them (core/router.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from magbot.core.events import Outgoing, Unmute
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.domain.members import Member
from magbot.domain.timewords import when_text
from magbot.storage.uow import UnitOfWork

END_GRACE = int(timedelta(days=400).total_seconds())  # however late the bot wakes, a mute still ends


@dataclass(frozen=True)
class MuteDue:
    member_id: int
    until: datetime  # the mute this row ends: a later decision's new mute is not ended by an old row


END = JobKind("mute_end", MuteDue)


def started_text(until: str) -> str:
    return (
        f"The group voted to mute you until {until}. Until then you can't post in the group, and I won't act on "
        "your commands or buttons there. Our private chat keeps working: /mydata, /forgetme, a private /checkin, "
        "and your ballots here."
    )


ENDED_TEXT = "Your mute has ended: you can post in the group again. Welcome back."


async def mute_begins(scope: GroupScope, member: Member, until: datetime) -> list[Outgoing]:
    """Keep the mute, plan its end, and tell him privately (the restriction itself is decisions.py's `Mute`)."""
    await scope.uow.members.set_mute(member.id, until)
    await END.plan(
        scope.uow,
        f"mute:{member.id}:{until.isoformat()}",
        until,
        MuteDue(member.id, until),
        group_id=scope.group.id,
        grace_seconds=END_GRACE,
    )
    return [scope.dm(member, started_text(when_text(until, scope.settings.zone)))]


async def mute_ends(scope: GroupScope, job: Due[MuteDue]) -> list[Outgoing]:
    """At its time: lift the restriction and tell him; nothing if a later decision replaced this mute."""
    member = await scope.uow.members.get(job.payload.member_id)
    if member is None or member.muted_until != job.payload.until:
        return []
    await scope.uow.members.set_mute(member.id, None)
    if not member.active:  # he left or was removed meanwhile: nothing to lift in a chat he is not in
        return []
    return [Unmute(scope.group_chat, member.user_id), scope.dm(member, ENDED_TEXT)]


async def _collect(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    until, told = member.muted_until, member.mute_told_at
    return {
        "muted_until": until.isoformat() if until else None,
        "last_told_you_are_muted": told.isoformat() if told else None,
    }


async def _erase(uow: UnitOfWork, member: Member) -> None:
    """The mute lives on his member row (erased last); its end row goes now."""
    await uow.schedule.cancel(f"mute:{member.id}:")


def register() -> Feature:
    feature = Feature("mutes")
    feature.job(END, mute_ends)
    feature.holds("mute", _collect, _erase)
    return feature
