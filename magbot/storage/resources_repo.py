"""Repository for the library and its "out of date" flags; returns domain dataclasses and never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.resources import Resource
from magbot.storage.models import MemberRow
from magbot.storage.models_resources import ResourceFlagRow, ResourceRow


def _resource(row: ResourceRow, author: str) -> Resource:
    tags = tuple(row.tags.split()) if row.tags else ()
    return Resource(row.id, row.group_id, row.member_id, author, row.text, tags, row.created_at)


class Resources:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ---- the library

    async def add(self, group_id: int, member_id: int, text: str, tags: tuple[str, ...], now: datetime) -> int:
        row = ResourceRow(group_id=group_id, member_id=member_id, text=text, tags=" ".join(tags), created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def get(self, resource_id: int) -> Resource | None:
        found = (
            await self._session.execute(
                select(ResourceRow, MemberRow.name)
                .join(MemberRow, MemberRow.id == ResourceRow.member_id)
                .where(ResourceRow.id == resource_id)
            )
        ).first()
        return _resource(found[0], found[1]) if found else None

    async def library(self, group_id: int) -> list[Resource]:
        rows = await self._session.execute(
            select(ResourceRow, MemberRow.name)
            .join(MemberRow, MemberRow.id == ResourceRow.member_id)
            .where(ResourceRow.group_id == group_id)
            .order_by(ResourceRow.created_at.desc(), ResourceRow.id.desc())
        )
        return [_resource(row, name) for row, name in rows]

    async def flag(self, resource_id: int, member_id: int) -> bool:
        """True when this member's flag is new (the same member pressing again counts once)."""
        if await self._session.get(ResourceFlagRow, (resource_id, member_id)):
            return False
        self._session.add(ResourceFlagRow(resource_id=resource_id, member_id=member_id))
        await self._session.flush()
        return True

    async def flaggers(self, resource_id: int) -> int:
        count = await self._session.scalar(select(func.count()).where(ResourceFlagRow.resource_id == resource_id))
        return int(count or 0)

    async def own(self, member_id: int) -> list[tuple[int, str]]:
        """His library entries: (id, text), oldest first."""
        rows = await self._session.execute(
            select(ResourceRow.id, ResourceRow.text).where(ResourceRow.member_id == member_id).order_by(ResourceRow.id)
        )
        return [(row_id, text) for row_id, text in rows]

    async def remove(self, resource_id: int) -> None:
        await self._session.execute(delete(ResourceFlagRow).where(ResourceFlagRow.resource_id == resource_id))
        await self._session.execute(delete(ResourceRow).where(ResourceRow.id == resource_id))

    # ---- privacy

    async def held_about(self, member_id: int) -> dict[str, Any]:
        shared = await self._session.scalars(select(ResourceRow).where(ResourceRow.member_id == member_id))
        flags = await self._session.scalar(select(func.count()).where(ResourceFlagRow.member_id == member_id))
        return {
            "shared_in_the_library": [
                {"text": r.text, "tags": r.tags.split(), "shared": r.created_at.isoformat()} for r in shared
            ],
            "out_of_date_flags_given": int(flags or 0),
        }

    async def erase(self, member_id: int) -> None:
        """His library entries and flags go; others' flags on his entries with them."""
        own_resources = select(ResourceRow.id).where(ResourceRow.member_id == member_id)
        await self._session.execute(
            delete(ResourceFlagRow).where(
                (ResourceFlagRow.member_id == member_id) | ResourceFlagRow.resource_id.in_(own_resources)
            )
        )
        await self._session.execute(delete(ResourceRow).where(ResourceRow.member_id == member_id))
