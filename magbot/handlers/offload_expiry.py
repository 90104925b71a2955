"""An offload's end: its rows and posts removed (by the author, at /forgetme, or at expiry), and the planned
expiry itself (a draft nobody finished within a day, a posted one at the group's retention period)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from magbot.core.events import REMOVED_AT_REQUEST, Delete, Outgoing
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.domain import offload as rules
from magbot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

EXPIRY_GRACE = 365 * 86400  # a purge is never skipped for being late
DRAFT_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class OffloadToExpire:
    offload: int
    stage: str  # "draft" (never posted) or "open"


EXPIRY = JobKind("offload-expiry", OffloadToExpire)


async def plan_expiry(uow: UnitOfWork, found: rules.Offload, stage: str, due: datetime) -> None:
    payload = OffloadToExpire(found.id, stage)
    key = f"offload-expiry:{found.id}:{stage}"
    await EXPIRY.plan(uow, key, due, payload, group_id=found.group_id, grace_seconds=EXPIRY_GRACE)


async def forget_offload(scope: GroupScope, found: rules.Offload, note: str = REMOVED_AT_REQUEST) -> list[Outgoing]:
    """Delete what the bot posted (newest first, header last) and every row it kept. Where the platform no longer
    lets the bot delete (Telegram, after 48 hours) each post is edited to `note`, so no words stay up."""
    uow, chat = scope.uow, scope.group_chat
    out: list[Outgoing] = [
        Delete(chat, card=rules.post_card(found.id, n), or_edit_to=note) for n in range(found.posts, 0, -1)
    ]
    if found.status == "open":
        out.append(Delete(chat, card=found.card, whole_thread=True, or_edit_to=note))
    await uow.offloads.delete(found.id)
    await uow.schedule.cancel(f"offload-expiry:{found.id}:")
    log.info("offload removed id=%d", found.id)
    return out


async def expire(scope: GroupScope, job: Due[OffloadToExpire]) -> list[Outgoing]:
    found = await scope.uow.offloads.get(job.payload.offload)
    if found is None or found.kept or (job.payload.stage == "draft" and found.status != "draft"):
        return []
    note = f"(removed: offloads go after {scope.settings.retention.days} days)"
    return await forget_offload(scope, found, note)  # planned with the offload's own group
