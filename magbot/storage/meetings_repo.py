"""Repository for meetings and the agenda; returns domain dataclasses and never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.meetings import Notice, Suggestion
from magbot.storage.models_meetings import MeetingNoticeRow, RsvpRow, SuggestionRow, SuggestionVoteRow


class Meetings:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ---- notices and cancellations

    async def add_notice(
        self, group_id: int, meeting_date: str, text: str, *, cancelled: bool, member_id: int, now: datetime
    ) -> int:
        row = MeetingNoticeRow(
            group_id=group_id,
            meeting_date=meeting_date,
            text=text,
            cancelled=cancelled,
            member_id=member_id,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def notice(self, notice_id: int) -> Notice | None:
        row = await self._session.get(MeetingNoticeRow, notice_id)
        if row is None:
            return None
        return Notice(row.id, row.group_id, row.meeting_date, row.text, row.member_id, row.cancelled)

    async def call_off(self, notice_id: int) -> None:
        """The notice's meeting is off: its reminders stop (`is_cancelled`)."""
        await self._session.execute(
            update(MeetingNoticeRow).where(MeetingNoticeRow.id == notice_id).values(cancelled=True)
        )

    async def back_on(self, group_id: int, meeting_date: str) -> None:
        """The meeting is on again, whichever notices had called it off."""
        await self._session.execute(
            update(MeetingNoticeRow)
            .where(MeetingNoticeRow.group_id == group_id, MeetingNoticeRow.meeting_date == meeting_date)
            .values(cancelled=False)
        )

    async def notices(self, group_id: int, meeting_date: str) -> list[str]:
        rows = await self._session.scalars(
            select(MeetingNoticeRow.text)
            .where(MeetingNoticeRow.group_id == group_id, MeetingNoticeRow.meeting_date == meeting_date)
            .order_by(MeetingNoticeRow.id)
        )
        return list(rows)

    async def is_cancelled(self, group_id: int, meeting_date: str) -> bool:
        found = await self._session.scalar(
            select(MeetingNoticeRow.id).where(
                MeetingNoticeRow.group_id == group_id,
                MeetingNoticeRow.meeting_date == meeting_date,
                MeetingNoticeRow.cancelled.is_(True),
            )
        )
        return found is not None

    # ---- who is coming

    async def rsvp(self, group_id: int, meeting_date: str, member_id: int, coming: bool) -> None:
        row = await self._session.get(RsvpRow, (group_id, meeting_date, member_id))
        if row:
            row.coming = coming
        else:
            self._session.add(RsvpRow(group_id=group_id, meeting_date=meeting_date, member_id=member_id, coming=coming))
        await self._session.flush()

    async def rsvps(self, group_id: int, meeting_date: str) -> dict[int, bool]:
        rows = await self._session.execute(
            select(RsvpRow.member_id, RsvpRow.coming).where(
                RsvpRow.group_id == group_id, RsvpRow.meeting_date == meeting_date
            )
        )
        return {member_id: coming for member_id, coming in rows}

    # ---- suggestions

    async def suggest(self, group_id: int, member_id: int, topic: str, *, anonymous: bool, now: datetime) -> int:
        row = SuggestionRow(group_id=group_id, member_id=member_id, topic=topic, anonymous=anonymous, created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def open_suggestions(self, group_id: int) -> list[Suggestion]:
        votes = (
            select(SuggestionVoteRow.suggestion_id, func.count().label("n"))
            .group_by(SuggestionVoteRow.suggestion_id)
            .subquery()
        )
        rows = await self._session.execute(
            select(SuggestionRow, func.coalesce(votes.c.n, 0))
            .outerjoin(votes, votes.c.suggestion_id == SuggestionRow.id)
            .where(SuggestionRow.group_id == group_id, SuggestionRow.status == "open")
        )
        return [
            Suggestion(row.id, row.topic, row.member_id, row.anonymous, int(count), row.created_at, row.group_id)
            for row, count in rows
        ]

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        row = await self._session.get(SuggestionRow, suggestion_id)
        if row is None or row.status != "open":
            return None
        count = await self._session.scalar(select(func.count()).where(SuggestionVoteRow.suggestion_id == suggestion_id))
        votes = int(count or 0)
        return Suggestion(row.id, row.topic, row.member_id, row.anonymous, votes, row.created_at, row.group_id)

    async def set_plus_one(self, suggestion_id: int, member_id: int, given: bool) -> bool:
        """Give (`given`) or take back his +1; True when that changed anything."""
        row = await self._session.get(SuggestionVoteRow, (suggestion_id, member_id))
        if given == (row is not None):
            return False
        if row is not None:
            await self._session.delete(row)
        else:
            self._session.add(SuggestionVoteRow(suggestion_id=suggestion_id, member_id=member_id))
        await self._session.flush()
        return True

    async def set_status(self, suggestion_id: int, status: str) -> None:
        await self._session.execute(
            update(SuggestionRow).where(SuggestionRow.id == suggestion_id).values(status=status)
        )

    # ---- privacy

    async def own_open(self, member_id: int) -> list[tuple[int, str]]:
        """His suggestions still on the agenda: (id, topic), oldest first."""
        rows = await self._session.execute(
            select(SuggestionRow.id, SuggestionRow.topic)
            .where(SuggestionRow.member_id == member_id, SuggestionRow.status == "open")
            .order_by(SuggestionRow.id)
        )
        return [(row_id, topic) for row_id, topic in rows]

    async def remove_suggestion(self, suggestion_id: int) -> None:
        """Deleted by its suggester: the row and its +1s go."""
        await self._session.execute(delete(SuggestionVoteRow).where(SuggestionVoteRow.suggestion_id == suggestion_id))
        await self._session.execute(delete(SuggestionRow).where(SuggestionRow.id == suggestion_id))

    async def plussed_by(self, member_id: int) -> list[int]:
        """The suggestions he gave a +1 (their cards show the count)."""
        query = select(SuggestionVoteRow.suggestion_id).where(SuggestionVoteRow.member_id == member_id)
        return list(await self._session.scalars(query))

    async def held_about(self, member_id: int) -> dict[str, object]:
        topics = await self._session.scalars(select(SuggestionRow.topic).where(SuggestionRow.member_id == member_id))
        rsvps = await self._session.execute(
            select(RsvpRow.meeting_date, RsvpRow.coming).where(RsvpRow.member_id == member_id)
        )
        plus = await self._session.scalar(select(func.count()).where(SuggestionVoteRow.member_id == member_id))
        return {
            "suggestions": list(topics),
            "meeting_answers": {day: ("coming" if coming else "can't make it") for day, coming in rsvps},
            "plus_ones_given": int(plus or 0),
        }

    async def erase(self, member_id: int) -> None:
        await self._session.execute(delete(SuggestionVoteRow).where(SuggestionVoteRow.member_id == member_id))
        await self._session.execute(delete(RsvpRow).where(RsvpRow.member_id == member_id))
        await self._session.execute(delete(SuggestionRow).where(SuggestionRow.member_id == member_id))
        await self._session.execute(
            update(MeetingNoticeRow).where(MeetingNoticeRow.member_id == member_id).values(member_id=None)
        )
