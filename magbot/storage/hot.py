"""The statements every event and every send runs, built once as SQLAlchemy Core with bound parameters.

Through the ORM each of these cost 0.3-0.4 ms of Python (building the expression, its cache key, the ORM's
compile state, loading entities into the identity map); built once on the tables and run as `Direct`
statements (storage/direct.py: on SQLite straight on the driver), their rows come back as plain tuples, which
the repositories turn into domain types themselves. What they return is the same as before: tests/storage and
the fault suite hold them to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, exists, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from magbot.storage.direct import Direct
from magbot.storage.models import (
    Base,
    GroupRow,
    MemberPostRow,
    MemberRow,
    OutboxRow,
    PendingInputRow,
    ProcessedEventRow,
)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


GROUPS, MEMBERS, PENDING = _table(GroupRow), _table(MemberRow), _table(PendingInputRow)
OUTBOX, EVENTS, MEMBER_POSTS = _table(OutboxRow), _table(ProcessedEventRow), _table(MemberPostRow)

GROUP_COLUMNS = ("id", "platform", "chat_id", "setup_at", "settings")
MEMBER_COLUMNS = (
    "id",
    "group_id",
    "user_id",
    "name",
    "status",
    "founding",
    "joined_at",
    "dm_open",
    "unreachable_told",
    "muted_until",
    "mute_told_at",
)
PENDING_COLUMNS = ("member_id", "chat_id", "flow", "step", "data", "expires_at")


def _labelled() -> list[Any]:
    return [
        *(GROUPS.c[name].label(f"g_{name}") for name in GROUP_COLUMNS),
        *(MEMBERS.c[name].label(f"m_{name}") for name in MEMBER_COLUMNS),
        *(PENDING.c[name].label(f"p_{name}") for name in PENDING_COLUMNS),
    ]


# A group chat's group, the speaker's row in it and his waiting step in that chat.
SPEAKER = Direct(
    select(*_labelled())
    .select_from(GROUPS)
    .outerjoin(MEMBERS, (MEMBERS.c.group_id == GROUPS.c.id) & (MEMBERS.c.user_id == bindparam("user_id")))
    .outerjoin(PENDING, (PENDING.c.member_id == MEMBERS.c.id) & (PENDING.c.chat_id == bindparam("chat_id")))
    .where(GROUPS.c.platform == bindparam("platform"), GROUPS.c.chat_id == bindparam("chat_id"))
)

# A private chat: the person's first active membership on the platform, and his step in this chat.
FIRST_MEMBERSHIP = Direct(
    select(*_labelled())
    .select_from(GROUPS)
    .join(MEMBERS, MEMBERS.c.group_id == GROUPS.c.id)
    .outerjoin(PENDING, (PENDING.c.member_id == MEMBERS.c.id) & (PENDING.c.chat_id == bindparam("user_id")))
    .where(
        GROUPS.c.platform == bindparam("platform"),
        MEMBERS.c.user_id == bindparam("user_id"),
        MEMBERS.c.status == "active",
    )
    .order_by(MEMBERS.c.id)
    .limit(1)
)

# A group's members in the order they joined (/members, every vote's electorate, the reminders).
GROUP_MEMBERS = Direct(
    select(*(MEMBERS.c[name] for name in MEMBER_COLUMNS))
    .where(MEMBERS.c.group_id == bindparam("group_id"))
    .order_by(MEMBERS.c.joined_at, MEMBERS.c.id)
)

OUTBOX_COLUMNS = (
    "platform", "chat_id", "payload", "created_at", "next_attempt_at", "status", "attempts", "kind", "card",
    "thread", "urgent",
)  # fmt: skip
OUTBOX_INSERT = Direct(insert(OUTBOX), column_keys=OUTBOX_COLUMNS)
OUTBOX_DONE = Direct(delete(OUTBOX).where(OUTBOX.c.id == bindparam("outbox_id")))
OUTBOX_CHAT = Direct(
    select(
        OUTBOX.c.id,
        OUTBOX.c.urgent,
        OUTBOX.c.card,
        OUTBOX.c.thread,
        OUTBOX.c.next_attempt_at,
        OUTBOX.c.payload,
        OUTBOX.c.attempts,
    )
    .where(
        OUTBOX.c.platform == bindparam("platform"),
        OUTBOX.c.chat_id == bindparam("chat_id"),
        OUTBOX.c.status == "pending",
    )
    .order_by(OUTBOX.c.id)
)

# Where a post about a member landed, kept only while he is still there (one statement: he may have erased
# himself while it was on its way, and then nothing of his may be written).
_POST_COLUMNS = ("member_id", "platform", "chat_id", "message_id", "thread_id", "card", "created_at")
MEMBER_POST_KEPT = Direct(
    insert(MEMBER_POSTS).from_select(
        _POST_COLUMNS,
        select(*(bindparam(name, type_=MEMBER_POSTS.c[name].type) for name in _POST_COLUMNS)).where(
            exists().where(MEMBERS.c.id == bindparam("member_id"))
        ),
    )
)



def _claim(builder: Any) -> Any:
    """INSERT the event key unless it is there (ON CONFLICT DO NOTHING, in `builder`'s dialect)."""
    return (
        builder(EVENTS)
        .values(key_hash=bindparam("key_hash"), processed_at=bindparam("processed_at"))
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )


CLAIM = Direct(_claim(sqlite_insert), postgresql=_claim(pg_insert))

# Where each table's columns start in a row of SPEAKER or FIRST_MEMBERSHIP.
GROUP_AT, MEMBER_AT, PENDING_AT = 0, len(GROUP_COLUMNS), len(GROUP_COLUMNS) + len(MEMBER_COLUMNS)


def part(row: Sequence[Any], start: int, names: Sequence[str]) -> dict[str, Any] | None:
    """One table's columns of a joined row (from `start`), or None where the outer join found nothing."""
    values = dict(zip(names, row[start : start + len(names)], strict=True))
    return None if values[names[0]] is None else values


class PendingRow:
    """A waiting step as read with its group and member: the fields `PendingInputs` reads."""

    __slots__ = ("chat_id", "data", "expires_at", "flow", "member_id", "step")

    def __init__(
        self, member_id: int, chat_id: str, flow: str, step: str, data: str, expires_at: datetime
    ) -> None:
        self.member_id, self.chat_id, self.flow, self.step = member_id, chat_id, flow, step
        self.data, self.expires_at = data, expires_at
