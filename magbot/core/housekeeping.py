"""The kernel's own daily job: forget old event keys, drop guided conversations nobody finished, and forget
former members' hashes once their group's founding window has closed.

Event keys are kept long enough for any platform's redelivery (Telegram keeps updates 24 hours), then forgotten:
they name private chats, so they are not kept longer than they are needed.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from magbot.core.events import Outgoing
from magbot.core.jobs import Due, JobKind, NoPayload
from magbot.storage.uow import UnitOfWork

EVENT_KEYS_KEPT = timedelta(days=7)  # platforms redeliver within hours (Telegram keeps updates 24 h)
HOUSEKEEPING = JobKind("housekeeping", NoPayload)


async def housekeeping(uow: UnitOfWork, job: Due[NoPayload], now: datetime) -> list[Outgoing]:
    await uow.events.forget_older_than(now - EVENT_KEYS_KEPT)
    await uow.pending.drop_expired(now)
    await uow.members.forget_formers(now)
    return []


async def plan_housekeeping(uow: UnitOfWork, now: datetime) -> None:
    day = (now + timedelta(days=1)).date()
    due = datetime.combine(day, time(4, 0), tzinfo=UTC)
    await HOUSEKEEPING.plan(uow, f"housekeeping:{day.isoformat()}", due, NoPayload(), grace_seconds=86400)
