"""Repository for activities, weekly series and sign-ups; returns domain dataclasses and never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.activities import Activity, ActivitySpec, Series, SignUp
from magbot.storage.models_activities import ActivityRow, ActivitySeriesRow, SignUpRow
from magbot.storage.state_repo import ask_to_plan


def _activity(row: ActivityRow) -> Activity:
    return Activity(
        row.id,
        row.group_id,
        row.organiser_id,
        row.series_id,
        row.what,
        row.place,
        row.starts_at,
        row.places,
        row.cost_pence,
        row.guests,
        row.closes_at,
        row.status,
    )


def _series(row: ActivitySeriesRow) -> Series:
    return Series(
        row.id,
        row.group_id,
        row.organiser_id,
        row.what,
        row.place,
        row.weekday,
        row.at,
        row.places,
        row.cost_pence,
        row.guests,
    )


class Activities:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, group_id: int, organiser_id: int | None, spec: ActivitySpec, now: datetime, series_id: int | None = None
    ) -> Activity:
        row = ActivityRow(
            group_id=group_id,
            organiser_id=organiser_id,
            series_id=series_id,
            what=spec.what,
            place=spec.place,
            starts_at=spec.starts_at,
            places=spec.places,
            cost_pence=spec.cost_pence,
            guests=spec.guests,
            closes_at=spec.closes_at,
            status="open",
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _activity(row)

    async def get(self, activity_id: int) -> Activity | None:
        row = await self._session.get(ActivityRow, activity_id)
        return _activity(row) if row else None

    async def upcoming(self, group_id: int, now: datetime) -> list[Activity]:
        rows = await self._session.scalars(
            select(ActivityRow)
            .where(ActivityRow.group_id == group_id, ActivityRow.status == "open", ActivityRow.starts_at > now)
            .order_by(ActivityRow.starts_at, ActivityRow.id)
        )
        return [_activity(r) for r in rows]

    async def latest_of_series(self, series_id: int) -> datetime | None:
        """When the series' newest activity starts (None before the first)."""
        return await self._session.scalar(
            select(func.max(ActivityRow.starts_at)).where(ActivityRow.series_id == series_id)
        )

    async def cancel(self, activity_id: int) -> None:
        await self._session.execute(update(ActivityRow).where(ActivityRow.id == activity_id).values(status="cancelled"))

    # ---- sign-ups

    async def signups(self, activity_id: int) -> tuple[SignUp, ...]:
        rows = await self._session.scalars(
            select(SignUpRow).where(SignUpRow.activity_id == activity_id).order_by(SignUpRow.seq)
        )
        return tuple(SignUp(r.member_id, r.status, r.guests, r.seq) for r in rows)

    async def save_signups(self, activity_id: int, signups: tuple[SignUp, ...]) -> None:
        """Write the whole list back (a few rows): changed ones updated, new ones added."""
        current = {
            r.member_id: r
            for r in await self._session.scalars(select(SignUpRow).where(SignUpRow.activity_id == activity_id))
        }
        for s in signups:
            row = current.get(s.member_id)
            if row is None:
                row = SignUpRow(activity_id=activity_id, member_id=s.member_id, status=s.status, guests=s.guests)
                row.seq = s.seq
                self._session.add(row)
            else:
                row.status, row.guests, row.seq = s.status, s.guests, s.seq
        await self._session.flush()

    # ---- weekly series

    async def add_series(self, series: Series, now: datetime) -> int:
        row = ActivitySeriesRow(
            group_id=series.group_id,
            organiser_id=series.organiser_id,
            what=series.what,
            place=series.place,
            weekday=series.weekday,
            at=series.at,
            places=series.places,
            cost_pence=series.cost_pence,
            guests=series.guests,
            status="on",
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        await ask_to_plan(self._session, series.group_id, now, f"series:{row.id}")  # its first weeks, at once
        return row.id

    async def series_of_group(self, group_id: int) -> list[Series]:
        rows = await self._session.scalars(
            select(ActivitySeriesRow).where(ActivitySeriesRow.group_id == group_id, ActivitySeriesRow.status == "on")
        )
        return [_series(r) for r in rows]

    async def series(self, series_id: int) -> Series | None:
        row = await self._session.get(ActivitySeriesRow, series_id)
        return _series(row) if row and row.status == "on" else None

    async def stop_series(self, series_id: int) -> None:
        await self._session.execute(
            update(ActivitySeriesRow).where(ActivitySeriesRow.id == series_id).values(status="stopped")
        )

    # ---- privacy

    async def remove_signup(self, activity_id: int, member_id: int) -> None:
        await self._session.execute(
            delete(SignUpRow).where(SignUpRow.activity_id == activity_id, SignUpRow.member_id == member_id)
        )

    async def signed_up(self, member_id: int) -> list[int]:
        """The activities he has answered (in, maybe, can't, waiting)."""
        query = select(SignUpRow.activity_id).where(SignUpRow.member_id == member_id).order_by(SignUpRow.activity_id)
        return list(await self._session.scalars(query))

    async def touched_by(self, member_id: int) -> list[int]:
        """The activities whose cards show him: signed up to, or organised."""
        signed = select(SignUpRow.activity_id).where(SignUpRow.member_id == member_id)
        organised = select(ActivityRow.id).where(ActivityRow.organiser_id == member_id)
        return sorted(set(await self._session.scalars(signed)) | set(await self._session.scalars(organised)))

    async def held_about(self, member_id: int) -> dict[str, object]:
        organised = await self._session.scalars(select(ActivityRow.what).where(ActivityRow.organiser_id == member_id))
        weekly = await self._session.scalars(
            select(ActivitySeriesRow.what).where(ActivitySeriesRow.organiser_id == member_id)
        )
        signed = await self._session.execute(
            select(ActivityRow.what, ActivityRow.starts_at, SignUpRow.status, SignUpRow.guests)
            .join(SignUpRow, SignUpRow.activity_id == ActivityRow.id)
            .where(SignUpRow.member_id == member_id)
        )
        return {
            "activities_organised": list(organised),
            "weekly_activities_organised": list(weekly),
            "sign_ups": [
                {"what": what, "starts": at.isoformat(), "answer": status, "guests": guests}
                for what, at, status, guests in signed
            ],
        }

    async def erase(self, member_id: int) -> None:
        """His sign-ups go; activities he organised stay for the others, without his name."""
        await self._session.execute(delete(SignUpRow).where(SignUpRow.member_id == member_id))
        await self._session.execute(
            update(ActivityRow).where(ActivityRow.organiser_id == member_id).values(organiser_id=None)
        )
        await self._session.execute(
            update(ActivitySeriesRow).where(ActivitySeriesRow.organiser_id == member_id).values(organiser_id=None)
        )
