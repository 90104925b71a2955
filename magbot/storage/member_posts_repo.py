"""Where the bot's group posts about a member landed (`member_posts`): what /forgetme and his own deletes take back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.records import CardPlace
from magbot.storage.hot import MEMBER_POST_KEPT
from magbot.storage.models import MemberPostRow


@dataclass(frozen=True)
class MemberPost:
    """One post of the bot's with a member's words or name: its chat, where it landed and its card name."""

    chat_id: str
    place: CardPlace
    card: str | None


class MemberPosts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(
        self, member_id: int, platform: str, chat_id: str, card: str | None, place: CardPlace, now: datetime
    ) -> bool:
        """Kept for him; False when he has erased himself meanwhile (the caller takes the post back)."""
        params = dict(
            member_id=member_id, platform=platform, chat_id=chat_id, message_id=place.message_id,
            thread_id=place.thread_id, card=card, created_at=now,
        )  # fmt: skip
        # False: he erased himself while this post was on its way (/forgetme dropped the rest).
        return await MEMBER_POST_KEPT.run(self._session, params) == 1

    async def of_member(self, member_id: int) -> list[MemberPost]:
        """Newest first: replies in a thread go before its root."""
        rows = await self._session.scalars(
            select(MemberPostRow).where(MemberPostRow.member_id == member_id).order_by(MemberPostRow.id.desc())
        )
        return [MemberPost(r.chat_id, CardPlace(r.message_id, r.thread_id), r.card) for r in rows]

    async def count(self, member_id: int) -> int:
        return len(await self.of_member(member_id))

    async def taken_back(self, platform: str, chat_id: str, message_id: str) -> None:
        """The post was deleted (or edited to the removal note): nothing of it is his any more."""
        await self._session.execute(
            delete(MemberPostRow).where(
                MemberPostRow.platform == platform,
                MemberPostRow.chat_id == chat_id,
                MemberPostRow.message_id == message_id,
            )
        )

    async def forget_member(self, member_id: int) -> None:
        await self._session.execute(delete(MemberPostRow).where(MemberPostRow.member_id == member_id))
