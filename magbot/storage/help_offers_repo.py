"""Repository for offers and needs and the introductions made about them; returns domain dataclasses and never
commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.help_offers import HelpPost
from magbot.storage.models_help_offers import HelpIntroductionRow, HelpPostRow


def _help(row: HelpPostRow) -> HelpPost:
    return HelpPost(row.id, row.group_id, row.member_id, row.kind, row.text, row.status, row.created_at)


class HelpOffers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, group_id: int, member_id: int, kind: str, text: str, now: datetime) -> int:
        row = HelpPostRow(group_id=group_id, member_id=member_id, kind=kind, text=text, status="open", created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def get(self, post_id: int) -> HelpPost | None:
        row = await self._session.get(HelpPostRow, post_id)
        return _help(row) if row else None

    async def set_status(self, post_id: int, status: str) -> None:
        await self._session.execute(update(HelpPostRow).where(HelpPostRow.id == post_id).values(status=status))

    async def introduce(self, post_id: int, member_id: int) -> bool:
        """True the first time this member answers this post (one introduction per pair)."""
        if await self._session.get(HelpIntroductionRow, (post_id, member_id)):
            return False
        self._session.add(HelpIntroductionRow(post_id=post_id, member_id=member_id))
        await self._session.flush()
        return True

    async def held_about(self, member_id: int) -> dict[str, Any]:
        posts = await self._session.scalars(select(HelpPostRow).where(HelpPostRow.member_id == member_id))
        answered = await self._session.scalar(select(func.count()).where(HelpIntroductionRow.member_id == member_id))
        return {
            "offers_and_needs": [
                {"kind": p.kind, "text": p.text, "status": p.status, "posted": p.created_at.isoformat()} for p in posts
            ],
            "offers_and_needs_answered": int(answered or 0),
        }

    async def remove(self, post_id: int) -> None:
        """Deleted by its poster: the post and the introductions made about it go."""
        await self._session.execute(delete(HelpIntroductionRow).where(HelpIntroductionRow.post_id == post_id))
        await self._session.execute(delete(HelpPostRow).where(HelpPostRow.id == post_id))

    async def ids_of(self, member_id: int) -> list[int]:
        return list(await self._session.scalars(select(HelpPostRow.id).where(HelpPostRow.member_id == member_id)))

    async def erase(self, member_id: int) -> None:
        """His offers, needs and answers go; others' introductions about his posts with them."""
        own_posts = select(HelpPostRow.id).where(HelpPostRow.member_id == member_id)
        await self._session.execute(
            delete(HelpIntroductionRow).where(
                (HelpIntroductionRow.member_id == member_id) | HelpIntroductionRow.post_id.in_(own_posts)
            )
        )
        await self._session.execute(delete(HelpPostRow).where(HelpPostRow.member_id == member_id))
