"""Repositories for check-ins, buddy pairs and offloads; they return domain dataclasses and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.checkins import BuddyPair, CheckIn
from magbot.domain.offload import Offload
from magbot.storage.models_support import BuddyRow, CheckInRow, OffloadRow, OffloadSupportRow


def _checkin(row: CheckInRow) -> CheckIn:
    return CheckIn(row.id, row.group_id, row.member_id, row.mood, row.shared, row.at)


class CheckIns:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, group_id: int, member_id: int, mood: int, at: datetime) -> CheckIn:
        row = CheckInRow(group_id=group_id, member_id=member_id, mood=mood, shared=False, at=at)
        self._session.add(row)
        await self._session.flush()
        return _checkin(row)

    async def get(self, checkin_id: int) -> CheckIn | None:
        row = await self._session.get(CheckInRow, checkin_id)
        return _checkin(row) if row else None

    async def mark_shared(self, checkin_id: int) -> None:
        await self._session.execute(update(CheckInRow).where(CheckInRow.id == checkin_id).values(shared=True))

    async def of_member(self, member_id: int, since: datetime | None = None) -> list[CheckIn]:
        query = select(CheckInRow).where(CheckInRow.member_id == member_id)
        if since is not None:
            query = query.where(CheckInRow.at >= since)
        rows = await self._session.scalars(query.order_by(CheckInRow.at, CheckInRow.id))
        return [_checkin(r) for r in rows]

    async def erase_member(self, member_id: int) -> None:
        await self._session.execute(delete(CheckInRow).where(CheckInRow.member_id == member_id))

    async def delete(self, checkin_id: int) -> None:
        await self._session.execute(delete(CheckInRow).where(CheckInRow.id == checkin_id))


def _pair(row: BuddyRow) -> BuddyPair:
    return BuddyPair(
        row.id, row.group_id, row.first_member_id, row.second_member_id, row.status, row.since,
        row.first_seen, row.second_seen, row.first_nudged, row.second_nudged,
    )  # fmt: skip


class Buddies:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def ask(self, group_id: int, first_id: int, second_id: int, now: datetime) -> BuddyPair:
        row = BuddyRow(
            group_id=group_id, first_member_id=first_id, second_member_id=second_id, status="asked",
            since=now, first_seen=now, second_seen=now, first_nudged=False, second_nudged=False,
        )  # fmt: skip
        self._session.add(row)
        await self._session.flush()
        return _pair(row)

    async def get(self, pair_id: int) -> BuddyPair | None:
        row = await self._session.get(BuddyRow, pair_id)
        return _pair(row) if row else None

    async def of_member(self, member_id: int) -> list[BuddyPair]:
        rows = await self._session.scalars(
            select(BuddyRow)
            .where(or_(BuddyRow.first_member_id == member_id, BuddyRow.second_member_id == member_id))
            .order_by(BuddyRow.id)
        )
        return [_pair(r) for r in rows]

    async def active(self) -> list[BuddyPair]:
        rows = await self._session.scalars(select(BuddyRow).where(BuddyRow.status == "active"))
        return [_pair(r) for r in rows]

    async def agree(self, pair_id: int, now: datetime) -> None:
        await self._session.execute(
            update(BuddyRow)
            .where(BuddyRow.id == pair_id)
            .values(status="active", since=now, first_seen=now, second_seen=now)
        )

    async def seen(self, member_id: int, now: datetime) -> None:
        """The member checked in or posted: a new silence starts counting from now (pairs only)."""
        await self._session.execute(
            update(BuddyRow).where(BuddyRow.first_member_id == member_id).values(first_seen=now, first_nudged=False)
        )
        await self._session.execute(
            update(BuddyRow).where(BuddyRow.second_member_id == member_id).values(second_seen=now, second_nudged=False)
        )

    async def mark_nudged(self, pair_id: int, quiet_id: int) -> None:
        row = await self._session.get(BuddyRow, pair_id)
        if row is not None:
            if row.first_member_id == quiet_id:
                row.first_nudged = True
            else:
                row.second_nudged = True
            await self._session.flush()

    async def end(self, pair_id: int) -> None:
        await self._session.execute(delete(BuddyRow).where(BuddyRow.id == pair_id))

    async def erase_member(self, member_id: int) -> None:
        await self._session.execute(
            delete(BuddyRow).where(or_(BuddyRow.first_member_id == member_id, BuddyRow.second_member_id == member_id))
        )


def _offload(row: OffloadRow) -> Offload:
    return Offload(
        row.id, row.group_id, row.author_member_id, row.anonymous, row.heavy, row.mode, row.status, row.body,
        row.posts, row.kept, row.created_at, row.expires_at,
    )  # fmt: skip


class Offloads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def draft(
        self,
        group_id: int,
        author_id: int,
        *,
        anonymous: bool,
        heavy: bool,
        body: str,
        now: datetime,
        expires: datetime,
    ) -> Offload:
        row = OffloadRow(
            group_id=group_id, author_member_id=author_id, anonymous=anonymous, heavy=heavy, mode="",
            status="draft", body=body or None, posts=0, kept=False, created_at=now, expires_at=expires,
        )  # fmt: skip
        self._session.add(row)
        await self._session.flush()
        return _offload(row)

    async def get(self, offload_id: int) -> Offload | None:
        row = await self._session.get(OffloadRow, offload_id)
        return _offload(row) if row else None

    async def open(self, offload_id: int, mode: str, *, keep_body: bool) -> None:
        values: dict[str, object] = {"mode": mode, "status": "open"}
        if not keep_body:
            values["body"] = None
        await self._session.execute(update(OffloadRow).where(OffloadRow.id == offload_id).values(**values))

    async def set_heavy(self, offload_id: int, heavy: bool) -> None:
        """The author's answer to "Is it a heavy topic?", while it is still a draft."""
        await self._session.execute(update(OffloadRow).where(OffloadRow.id == offload_id).values(heavy=heavy))

    async def next_post(self, offload_id: int) -> int:
        """Count one more message the bot posts in the thread; returns its number (for its card name)."""
        row = await self._session.get(OffloadRow, offload_id)
        assert row is not None
        row.posts += 1
        await self._session.flush()
        return row.posts

    async def keep(self, offload_id: int) -> None:
        await self._session.execute(update(OffloadRow).where(OffloadRow.id == offload_id).values(kept=True))

    async def of_author(self, member_id: int) -> list[Offload]:
        rows = await self._session.scalars(
            select(OffloadRow).where(OffloadRow.author_member_id == member_id).order_by(OffloadRow.id)
        )
        return [_offload(r) for r in rows]

    async def support(self, offload_id: int, member_id: int, kind: str) -> bool:
        """Record a press once per member and kind; False when he had pressed it before."""
        if await self._session.get(OffloadSupportRow, (offload_id, member_id, kind)):
            return False
        self._session.add(OffloadSupportRow(offload_id=offload_id, member_id=member_id, kind=kind))
        await self._session.flush()
        return True

    async def counts(self, offload_id: int) -> dict[str, int]:
        rows = await self._session.execute(
            select(OffloadSupportRow.kind, func.count())
            .where(OffloadSupportRow.offload_id == offload_id)
            .group_by(OffloadSupportRow.kind)
        )
        return {kind: int(n) for kind, n in rows}

    async def delete(self, offload_id: int) -> None:
        await self._session.execute(delete(OffloadSupportRow).where(OffloadSupportRow.offload_id == offload_id))
        await self._session.execute(delete(OffloadRow).where(OffloadRow.id == offload_id))

    async def erase_member(self, member_id: int) -> None:
        await self._session.execute(delete(OffloadSupportRow).where(OffloadSupportRow.member_id == member_id))
        for offload in await self.of_author(member_id):
            await self.delete(offload.id)
