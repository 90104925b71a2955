"""Repository for polls and the votes of open polls; returns domain dataclasses and never commits."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.polls import Poll, PollSpec
from magbot.storage.db import rows_affected
from magbot.storage.models_polls import PollRow, PollVoteRow


def _poll(row: PollRow) -> Poll:
    return Poll(
        id=row.id,
        group_id=row.group_id,
        creator_id=row.creator_id,
        question=row.question,
        options=tuple(json.loads(row.options)),
        multi=row.multi,
        named=row.named,
        status=row.status,
        opened_at=row.opened_at,
        closes_at=row.closes_at,
        counts=tuple(json.loads(row.counts or "[]")),
        voters=row.voters,
    )


class Polls:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, group_id: int, creator_id: int, spec: PollSpec, closes_at: datetime, now: datetime) -> Poll:
        row = PollRow(
            group_id=group_id,
            creator_id=creator_id,
            question=spec.question,
            options=json.dumps(list(spec.options), ensure_ascii=False),
            multi=spec.multi,
            named=spec.named,
            status="open",
            opened_at=now,
            closes_at=closes_at,
            counts="[]",
            voters=0,
        )
        self._session.add(row)
        await self._session.flush()
        return _poll(row)

    async def get(self, poll_id: int) -> Poll | None:
        row = await self._session.get(PollRow, poll_id)
        return _poll(row) if row else None

    async def open_in_group(self, group_id: int) -> list[Poll]:
        rows = await self._session.scalars(
            select(PollRow).where(PollRow.group_id == group_id, PollRow.status == "open").order_by(PollRow.id)
        )
        return [_poll(r) for r in rows]

    async def vote(self, poll_id: int, member_id: int, options: tuple[int, ...]) -> None:
        """A member's new vote replaces his old one (for a multi-answer poll, the whole set)."""
        await self._session.execute(
            delete(PollVoteRow).where(PollVoteRow.poll_id == poll_id, PollVoteRow.member_id == member_id)
        )
        for option in sorted(set(options)):
            self._session.add(PollVoteRow(poll_id=poll_id, member_id=member_id, option=option))
        await self._session.flush()

    async def votes(self, poll_id: int) -> list[tuple[int, int]]:
        """(member id, option) pairs of an open poll."""
        rows = await self._session.execute(
            select(PollVoteRow.member_id, PollVoteRow.option).where(PollVoteRow.poll_id == poll_id)
        )
        return [(r[0], r[1]) for r in rows]

    async def close(self, poll_id: int, counts: tuple[int, ...], voters: int, now: datetime) -> bool:
        """Keep only the counts; False if it was already closed (so the result is posted once)."""
        result = await self._session.execute(
            update(PollRow)
            .where(PollRow.id == poll_id, PollRow.status == "open")
            .values(status="closed", closed_at=now, counts=json.dumps(list(counts)), voters=voters)
        )
        await self._session.execute(delete(PollVoteRow).where(PollVoteRow.poll_id == poll_id))
        return bool(rows_affected(result))

    async def created_by(self, member_id: int) -> list[Poll]:
        rows = await self._session.scalars(select(PollRow).where(PollRow.creator_id == member_id))
        return [_poll(r) for r in rows]

    async def votes_of(self, member_id: int) -> list[tuple[Poll, int]]:
        rows = await self._session.execute(
            select(PollRow, PollVoteRow.option)
            .join(PollVoteRow, PollVoteRow.poll_id == PollRow.id)
            .where(PollVoteRow.member_id == member_id)
        )
        return [(_poll(r[0]), r[1]) for r in rows]

    async def forget_member(self, member_id: int) -> None:
        """/forgetme: his votes in open polls go; polls he started stay, without his name."""
        await self._session.execute(delete(PollVoteRow).where(PollVoteRow.member_id == member_id))
        await self._session.execute(update(PollRow).where(PollRow.creator_id == member_id).values(creator_id=None))
