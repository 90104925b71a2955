"""Repositories for state that spans messages: guided-flow steps, scheduled sends, platform cursors."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.records import PendingInput, ScheduledJob
from magbot.storage.db import insert_ignoring_duplicates, rows_affected
from magbot.storage.hot import PendingRow
from magbot.storage.models import PendingInputRow, PlatformStateRow, ScheduledRow

PLAN_GROUP_KIND = "plan_group"


def plan_row(group_id: int, due: datetime | ColumnElement[Any], why: str) -> dict[str, Any]:
    """The row that makes the scheduler plan this group's next occurrences (set up, settings changed), due at
    `due`. `why` makes the key unique to the change."""
    return {
        "key": f"plan-group:{group_id}:{why}",
        "kind": PLAN_GROUP_KIND,
        "group_id": group_id,
        "due_at": due,
        "grace_seconds": 2**31 - 1,  # never too late: planning is idempotent
        "payload": "{}",
        "status": "pending",
    }


async def ask_to_plan(session: AsyncSession, group_id: int, due: datetime | ColumnElement[Any], why: str) -> None:
    await insert_ignoring_duplicates(session, ScheduledRow, plan_row(group_id, due, why), ["key"])


class PendingInputs:
    """Guided-flow steps. What this transaction already read of a member's step in a chat (identify reads it
    with the group and member, in one statement) is kept, so a command's "end any flow" and a text's "is a step
    waiting" cost no statement when there is nothing there."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._known: dict[tuple[int, str], PendingInputRow | PendingRow | None] = {}

    def seen(self, member_id: int, chat_id: str, row: PendingRow | None) -> None:
        """What the database holds for this member and chat, read in this transaction."""
        self._known[(member_id, chat_id)] = row

    async def get(self, member_id: int, chat_id: str, now: datetime) -> PendingInput | None:
        key = (member_id, chat_id)
        row = self._known[key] if key in self._known else await self._session.get(PendingInputRow, key)
        if row is None or row.expires_at <= now:
            return None
        return PendingInput(row.flow, row.step, json.loads(row.data))

    async def put(self, member_id: int, chat_id: str, pending: PendingInput, expires_at: datetime) -> None:
        await self.clear(member_id, chat_id)
        row = PendingInputRow(
            member_id=member_id,
            chat_id=chat_id,
            flow=pending.flow,
            step=pending.step,
            data=json.dumps(pending.data, ensure_ascii=False),
            expires_at=expires_at,
        )
        self._session.add(row)
        await self._session.flush()
        self._known[(member_id, chat_id)] = row

    async def clear(self, member_id: int, chat_id: str) -> None:
        key = (member_id, chat_id)
        if key in self._known and self._known[key] is None:
            return  # read in this transaction: nothing there
        await self._session.execute(
            delete(PendingInputRow).where(PendingInputRow.member_id == member_id, PendingInputRow.chat_id == chat_id)
        )
        self._known[key] = None

    async def clear_member(self, member_id: int) -> None:
        await self._session.execute(delete(PendingInputRow).where(PendingInputRow.member_id == member_id))
        self._known = {key: None if key[0] == member_id else row for key, row in self._known.items()}

    async def drop_expired(self, now: datetime) -> None:
        await self._session.execute(delete(PendingInputRow).where(PendingInputRow.expires_at <= now))
        self._known.clear()


class Schedule:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._gathered: list[dict[str, Any]] | None = None  # inside `together`: plans written at its end

    @contextlib.asynccontextmanager
    async def together(self, known: Collection[str] = ()) -> AsyncIterator[list[str]]:
        """Plans made inside are written in one statement at the end: after each job a group's planners
        plan its next occurrences again (about five rows, nearly always there already), one round trip.
        Keys in `known` are already in the table (no statement for them); the keys written are yielded."""
        self._gathered, written = [], list[str]()
        try:
            yield written
            gathered = [row for row in self._gathered if row["key"] not in known]
        finally:
            self._gathered = None
        if gathered:
            await insert_ignoring_duplicates(self._session, ScheduledRow, gathered, ["key"])
            written += [row["key"] for row in gathered]

    async def plan(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        *,
        group_id: int | None = None,
        grace_seconds: int = 3600,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Plan a send once: planning the same key again is a no-op (True when newly planned; inside
        `together` not known yet, so True)."""
        values = {
            "key": key,
            "kind": kind,
            "group_id": group_id,
            "due_at": due_at,
            "grace_seconds": grace_seconds,
            "payload": json.dumps(payload or {}),
            "status": "pending",
        }
        if self._gathered is not None:
            self._gathered.append(values)
            return True
        return await insert_ignoring_duplicates(self._session, ScheduledRow, values, ["key"])

    async def due(self, now: datetime, limit: int = 500, skip: Collection[int] = ()) -> list[ScheduledJob]:
        """The oldest due pending rows, but those in `skip` (this tick's failures, left for the next tick)."""
        query = select(ScheduledRow).where(ScheduledRow.status == "pending", ScheduledRow.due_at <= now)
        if skip:
            query = query.where(ScheduledRow.id.not_in(skip))
        rows = await self._session.scalars(query.order_by(ScheduledRow.due_at, ScheduledRow.id).limit(limit))
        return [
            ScheduledJob(r.id, r.key, r.kind, r.group_id, r.due_at, r.grace_seconds, json.loads(r.payload))
            for r in rows
        ]

    async def finish(self, job_id: int, status: str, now: datetime) -> bool:
        """Mark done/skipped; False if another worker got there first (so the caller must not send).

        The row is claimed first with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite has one writer): a second
        scheduler passes over a row another one is running instead of waiting for its transaction.
        """
        if self._session.bind is not None and self._session.bind.dialect.name == "postgresql":
            claimed = await self._session.scalar(  # on SQLite a statement more would buy nothing
                select(ScheduledRow.id)
                .where(ScheduledRow.id == job_id, ScheduledRow.status == "pending")
                .with_for_update(skip_locked=True)
            )
            if claimed is None:
                return False
        result = await self._session.execute(
            update(ScheduledRow)
            .where(ScheduledRow.id == job_id, ScheduledRow.status == "pending")
            .values(status=status, done_at=now)
        )
        return bool(rows_affected(result))

    async def cancel(self, key_prefix: str) -> None:
        await self._session.execute(
            update(ScheduledRow)
            .where(ScheduledRow.key.startswith(key_prefix), ScheduledRow.status == "pending")
            .values(status="cancelled")
        )

    async def next_due_at(self, after: datetime | None = None) -> datetime | None:
        """The earliest pending due time (strictly after `after`, when given: rows already tried are passed over)."""
        query = select(ScheduledRow.due_at).where(ScheduledRow.status == "pending")
        if after is not None:
            query = query.where(ScheduledRow.due_at > after)
        return await self._session.scalar(query.order_by(ScheduledRow.due_at).limit(1))

    async def status_of(self, key: str) -> str | None:
        return await self._session.scalar(select(ScheduledRow.status).where(ScheduledRow.key == key))


class PlatformState:
    """Platform keys and values. A key about one person says so (`subject`); the rest name nobody."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> str | None:
        # A plain select, not the session's identity map: `put` writes past the ORM.
        return await self._session.scalar(select(PlatformStateRow.value).where(PlatformStateRow.key == key))

    async def put(self, key: str, value: str, subject: tuple[str, str] | None = None) -> None:
        """Keep `value` under `key` in one upsert (the Telegram offset is stored after every batch of updates);
        `subject` is (platform, user id) of the person the key is about, if any."""
        platform, user_id = subject if subject else (None, None)
        dialect = self._session.bind.dialect.name if self._session.bind else "sqlite"
        builder = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = builder(PlatformStateRow).values(key=key, value=value, subject_platform=platform, subject=user_id)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["key"],
                set_={"value": statement.excluded.value, "subject_platform": platform, "subject": user_id},
            )
        )


    async def keys(self, prefix: str) -> list[str]:
        query = select(PlatformStateRow.key).where(PlatformStateRow.key.startswith(prefix))
        return list(await self._session.scalars(query))

    async def delete(self, key: str) -> None:
        """Exactly this key."""
        await self._session.execute(delete(PlatformStateRow).where(PlatformStateRow.key == key))

    async def forget_subject(self, platform: str, user_id: str) -> None:
        """Every key about this person on this platform (/forgetme), and no other."""
        await self._session.execute(
            delete(PlatformStateRow).where(
                PlatformStateRow.subject_platform == platform, PlatformStateRow.subject == user_id
            )
        )
