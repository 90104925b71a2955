"""Repositories for groups and members; they return domain dataclasses and never commit."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.members import Group, Member, MemberStatus
from magbot.domain.settings import GroupSettings, parse_settings
from magbot.storage import hot
from magbot.storage.db import insert_ignoring_duplicates
from magbot.storage.delivery_repo import hash_key
from magbot.storage.hot import PendingRow
from magbot.storage.models import FormerMemberRow, GroupRow, MemberRow
from magbot.storage.state_repo import ask_to_plan

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1024)
def _settings_of(raw: str | None) -> GroupSettings | None:
    """A group's typed settings, parsed once per distinct stored text (every event loads its group; the
    settings are frozen, so sharing them is safe). None when the text is unreadable."""
    try:
        stored = json.loads(raw or "{}")
    except ValueError:
        return None
    return parse_settings(stored) if isinstance(stored, dict) else None


def _group(row: GroupRow) -> Group:
    return _group_of(row.id, row.platform, row.chat_id, row.setup_at, row.settings)


def _group_of(group_id: int, platform: str, chat_id: str, setup_at: datetime | None, settings: str | None) -> Group:
    typed = _settings_of(settings)
    if typed is None:  # every setting then has its default: the group keeps working
        log.warning("group %d settings are unreadable; using the defaults", group_id)
        typed = parse_settings({})
    # A setting missing from the stored text (added in a later version) has its default.
    return Group(group_id, platform, chat_id, setup_at, typed)


def _member(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        group_id=row.group_id,
        user_id=row.user_id,
        name=row.name,
        status=row.status,  # type: ignore[arg-type]
        founding=row.founding,
        joined_at=row.joined_at,
        dm_open=row.dm_open,
        unreachable_told=row.unreachable_told,
        muted_until=row.muted_until,
        mute_told_at=row.mute_told_at,
    )


Speaker = tuple[Group | None, Member | None, PendingRow | None]


def _speaker(rows: list[tuple[Any, ...]]) -> Speaker:
    """A row of hot.SPEAKER or hot.FIRST_MEMBERSHIP as domain types (and the waiting step as read)."""
    if not rows:
        return None, None, None
    found = rows[0]
    group, member = hot.part(found, hot.GROUP_AT, hot.GROUP_COLUMNS), hot.part(found, hot.MEMBER_AT, hot.MEMBER_COLUMNS)
    pending = hot.part(found, hot.PENDING_AT, hot.PENDING_COLUMNS)
    assert group is not None  # the query starts from the group
    return (
        _group_of(group["id"], group["platform"], group["chat_id"], group["setup_at"], group["settings"]),
        Member(**member) if member else None,
        PendingRow(**pending) if pending else None,
    )


class Groups:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_chat(self, platform: str, chat_id: str) -> Group | None:
        row = await self._session.scalar(
            select(GroupRow).where(GroupRow.platform == platform, GroupRow.chat_id == chat_id)
        )
        return _group(row) if row else None

    async def speaker(self, platform: str, chat_id: str, user_id: str) -> Speaker:
        """The group of a chat, the person's row in it and his waiting guided-flow step there: one statement,
        as every event in a group chat needs them."""
        params = {"platform": platform, "chat_id": chat_id, "user_id": user_id}
        return _speaker(await hot.SPEAKER.rows(self._session, params))

    async def first_membership(self, platform: str, user_id: str) -> Speaker:
        """In a private chat: the person's first active membership on this platform, its group, and his
        waiting step in this chat (his own id), in one statement."""
        params = {"platform": platform, "user_id": user_id}
        return _speaker(await hot.FIRST_MEMBERSHIP.rows(self._session, params))

    async def get(self, group_id: int) -> Group | None:
        row = await self._session.get(GroupRow, group_id)
        return _group(row) if row else None

    async def create(self, platform: str, chat_id: str, settings: dict[str, str], now: datetime) -> Group:
        row = GroupRow(platform=platform, chat_id=chat_id, settings=json.dumps(settings), created_at=now)
        self._session.add(row)
        await self._session.flush()
        return _group(row)

    async def mark_set_up(self, group_id: int, now: datetime) -> None:
        await self._session.execute(update(GroupRow).where(GroupRow.id == group_id).values(setup_at=now))
        await ask_to_plan(self._session, group_id, now, "setup")

    async def save_settings(self, group_id: int, settings: dict[str, str]) -> None:
        await self._session.execute(
            update(GroupRow).where(GroupRow.id == group_id).values(settings=json.dumps(settings))
        )
        # Its schedule may have changed: plan it again, at once (due since the group exists, whatever the clock).
        since = select(GroupRow.created_at).where(GroupRow.id == group_id).scalar_subquery()
        await ask_to_plan(self._session, group_id, since, uuid.uuid4().hex)

    async def all_set_up(self) -> list[Group]:
        rows = await self._session.scalars(select(GroupRow).where(GroupRow.setup_at.is_not(None)))
        return [_group(r) for r in rows]


class Members:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def in_group(self, group_id: int, user_id: str) -> Member | None:
        row = await self._session.scalar(
            select(MemberRow).where(MemberRow.group_id == group_id, MemberRow.user_id == user_id)
        )
        return _member(row) if row else None

    async def get(self, member_id: int) -> Member | None:
        row = await self._session.get(MemberRow, member_id)
        return _member(row) if row else None

    async def active_for_user(self, platform: str, user_id: str) -> list[Member]:
        """Every group in which this person is an active member (a DM can belong to several)."""
        rows = await self._session.scalars(
            select(MemberRow)
            .join(GroupRow, GroupRow.id == MemberRow.group_id)
            .where(GroupRow.platform == platform, MemberRow.user_id == user_id, MemberRow.status == "active")
            .order_by(MemberRow.id)
        )
        return [_member(r) for r in rows]

    async def held_for_user(self, platform: str, user_id: str) -> list[Member]:
        """Every membership row the bot still holds for this person: active, left or removed (/mydata, /forgetme)."""
        rows = await self._session.scalars(
            select(MemberRow)
            .join(GroupRow, GroupRow.id == MemberRow.group_id)
            .where(GroupRow.platform == platform, MemberRow.user_id == user_id)
            .order_by(MemberRow.id)
        )
        return [_member(r) for r in rows]

    async def of_group(self, group_id: int) -> list[Member]:
        rows = await hot.GROUP_MEMBERS.rows(self._session, {"group_id": group_id})
        return [Member(**dict(zip(hot.MEMBER_COLUMNS, row, strict=True))) for row in rows]

    async def add(self, group_id: int, user_id: str, name: str, *, founding: bool, now: datetime) -> Member:
        existing = await self._session.scalar(
            select(MemberRow).where(MemberRow.group_id == group_id, MemberRow.user_id == user_id)
        )
        if existing:  # a returning member: same row, active again
            existing.status, existing.name, existing.joined_at = "active", name, now
            await self._session.flush()
            return _member(existing)
        row = MemberRow(group_id=group_id, user_id=user_id, name=name, founding=founding, joined_at=now)
        self._session.add(row)
        await self._session.flush()
        return _member(row)

    async def set_status(self, member_id: int, status: MemberStatus) -> None:
        await self._session.execute(update(MemberRow).where(MemberRow.id == member_id).values(status=status))

    async def set_reachability(self, platform: str, user_id: str, *, dm_open: bool) -> None:
        """Telegram lets a bot write only to people who opened its private chat: remember who did."""
        group_ids = select(GroupRow.id).where(GroupRow.platform == platform)
        values: dict[str, bool] = {"dm_open": dm_open}
        if dm_open:
            values["unreachable_told"] = False
        await self._session.execute(
            update(MemberRow).where(MemberRow.user_id == user_id, MemberRow.group_id.in_(group_ids)).values(**values)
        )

    async def mark_unreachable_told(self, member_id: int) -> None:
        await self._session.execute(update(MemberRow).where(MemberRow.id == member_id).values(unreachable_told=True))

    async def set_mute(self, member_id: int, until: datetime | None) -> None:
        """Start (until a time) or end (None) a member's mute; the private answer is due again either way."""
        await self._session.execute(
            update(MemberRow).where(MemberRow.id == member_id).values(muted_until=until, mute_told_at=None)
        )

    async def mark_mute_told(self, member_id: int, now: datetime) -> None:
        await self._session.execute(update(MemberRow).where(MemberRow.id == member_id).values(mute_told_at=now))

    async def delete(self, member_id: int) -> None:
        row = await self._session.get(MemberRow, member_id)
        if row:
            await self._session.delete(row)

    async def remember_former(self, group_id: int, user_id: str, until: datetime) -> None:
        """He was a member: keep a hash of his id until `until` (the founding window's end), nothing more."""
        await insert_ignoring_duplicates(
            self._session,
            FormerMemberRow,
            {"group_id": group_id, "user_hash": hash_key(user_id), "until": until},
            ["group_id", "user_hash"],
        )

    async def was_member(self, group_id: int, user_id: str) -> bool:
        """A row in the group (left or removed) or a remembered hash: he has been a member here before."""
        row = await self._session.scalar(
            select(MemberRow.id).where(MemberRow.group_id == group_id, MemberRow.user_id == user_id)
        )
        if row is not None:
            return True
        found = await self._session.get(FormerMemberRow, (group_id, hash_key(user_id)))
        return found is not None

    async def forget_formers(self, now: datetime) -> None:
        await self._session.execute(delete(FormerMemberRow).where(FormerMemberRow.until <= now))
