"""How the sender finds what may go now: each chat's next row, chosen without reading payloads, and a flush's
scan that reads a page of chats rather than the whole outbox.

A chat's next row is its oldest, except that a direct answer to a member (an `urgent` row) goes before bulk rows
unless an older row touches the card the answer refers to. A flush looks first at chats with an answer waiting,
then at chats by their oldest row, passing over chats the rate limits hold back, and stops when it has as many
chats as may go now: with 10,000 reminders queued, a flush reads a page, not 10,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.events import Outgoing
from magbot.storage.codec import decode
from magbot.storage.models import OutboxRow

ChatWait = Callable[[str], float]  # seconds a chat must wait for the rate limits
SCAN_PAGE = 64  # rows read at a time looking for chats that may send


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    message: Outgoing
    attempts: int
    not_before: datetime  # its next attempt: a row that failed waits out its backoff even behind an answer
    more: bool = False  # other rows of its chat were waiting behind it when it was read


@dataclass(frozen=True)
class Waiting:
    """A row's place in its chat's queue: enough to choose the next one without reading payloads."""

    id: int
    urgent: bool
    card: str | None
    thread: str | None
    next_attempt_at: datetime


@dataclass(frozen=True)
class DueHeads:
    heads: dict[str, QueuedMessage]  # chat -> its next row, which may go now (answers first)
    later: datetime | None  # the earliest time another chat seen may go
    more: bool  # stopped at `most`: other chats may be due now too


def next_in_line(rows: Sequence[Waiting], answers_first: bool = True) -> Waiting:
    """The row a chat sends next, of its pending rows in the order they were saved."""
    if answers_first:
        for index, row in enumerate(rows):
            if not row.urgent:
                continue
            names = {name for name in (row.card, row.thread) if name}
            if not any(earlier.card in names for earlier in rows[:index]):
                return row
            break  # the oldest answer waits for the row it refers to; answers keep their own order
    return rows[0]


def no_wait(chat_id: str) -> float:
    return 0.0


def _pending(platform: str) -> tuple[ColumnElement[bool], ...]:
    return (OutboxRow.platform == platform, OutboxRow.status == "pending")


async def queues(
    session: AsyncSession, platform: str, chats: Collection[str] | None = None
) -> dict[str, list[Waiting]]:
    """Each chat's pending rows in order (of the given chats, or every chat)."""
    query = select(
        OutboxRow.chat_id,
        OutboxRow.id,
        OutboxRow.urgent,
        OutboxRow.card,
        OutboxRow.thread,
        OutboxRow.next_attempt_at,
    ).where(*_pending(platform))
    if chats is not None:
        query = query.where(OutboxRow.chat_id.in_(chats))
    found: dict[str, list[Waiting]] = {}
    for chat, row_id, urgent, card, thread, when in await session.execute(query.order_by(OutboxRow.id)):
        found.setdefault(chat, []).append(Waiting(row_id, urgent, card, thread, when))
    return found


@dataclass
class _Found:
    """What a flush's scan has found so far."""

    now: datetime
    most: int
    wait_of: ChatWait
    answers_first: bool
    seen: set[str] = field(default_factory=set)
    due: dict[str, tuple[Waiting, bool]] = field(default_factory=dict)  # chat -> (next row, rows behind it)
    later: list[datetime] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.due) >= self.most

    def blocked(self, chat: str) -> bool:
        wait = self.wait_of(chat)
        if wait > 0:
            self.later.append(self.now + timedelta(seconds=wait))
        return wait > 0

    def offer(self, chat: str, rows: list[Waiting]) -> None:
        row = next_in_line(rows, self.answers_first)
        if row.next_attempt_at <= self.now:
            self.due[chat] = (row, len(rows) > 1)
        else:
            self.later.append(row.next_attempt_at)


async def due_heads(
    session: AsyncSession,
    platform: str,
    now: datetime,
    most: int,
    wait_of: ChatWait = no_wait,
    answers_first: bool = True,
) -> DueHeads:
    """Up to `most` chats whose next row may go now, that row read, and the earliest time one of the other
    chats seen may go. `wait_of` says how long a chat must wait for the rate limits (passed over meanwhile)."""
    found = _Found(now, most, wait_of, answers_first)
    urgent = select(OutboxRow.chat_id).where(*_pending(platform), OutboxRow.urgent.is_(True)).order_by(OutboxRow.id)
    await _consider(session, platform, found, list(await session.scalars(urgent.limit(SCAN_PAGE))))
    after = 0
    while not found.full:
        page = select(OutboxRow.id, OutboxRow.chat_id).where(*_pending(platform), OutboxRow.id > after)
        if found.seen:
            page = page.where(OutboxRow.chat_id.not_in(found.seen))
        rows = list(await session.execute(page.order_by(OutboxRow.id).limit(SCAN_PAGE)))
        await _consider(session, platform, found, [chat for _, chat in rows])
        if len(rows) < SCAN_PAGE:
            break
        after = rows[-1][0]
    read: dict[int, tuple[str, int]] = {}
    if found.due:
        ids = [row.id for row, _ in found.due.values()]
        query = select(OutboxRow.id, OutboxRow.payload, OutboxRow.attempts).where(OutboxRow.id.in_(ids))
        read = {row_id: (payload, attempts) for row_id, payload, attempts in await session.execute(query)}
    heads = {  # in the order found: answers first
        chat: QueuedMessage(row.id, decode(read[row.id][0]), read[row.id][1], row.next_attempt_at, more)
        for chat, (row, more) in found.due.items()
        if row.id in read
    }
    return DueHeads(heads, min(found.later, default=None), found.full)


async def _consider(session: AsyncSession, platform: str, found: _Found, chats: list[str]) -> None:
    """Each new chat's queue read (one statement for all), its next row chosen."""
    fresh = list(dict.fromkeys(chat for chat in chats if chat not in found.seen))
    found.seen.update(fresh)
    open_ = [chat for chat in fresh if not found.blocked(chat)]
    waiting = await queues(session, platform, open_) if open_ else {}
    for chat in open_:
        if chat in waiting and not found.full:
            found.offer(chat, waiting[chat])
