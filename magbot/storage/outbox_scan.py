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
from typing import Any

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.events import Outgoing
from magbot.storage.codec import decode
from magbot.storage.direct import Direct
from magbot.storage.hot import OUTBOX

ChatWait = Callable[[str], float]  # seconds a chat must wait for the rate limits
SCAN_PAGE = 64  # rows read at a time looking for chats that may send
_ROW = OUTBOX.c


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


def _pending() -> tuple[ColumnElement[bool], ...]:
    return (_ROW.platform == bindparam("platform"), _ROW.status == "pending")


# Built once on the table (Core, not the ORM) with bound parameters: a flush runs these every time it wakes,
# most often finding nothing, and building the expressions anew each time cost more Python than running them.
_QUEUES = select(
    _ROW.chat_id,
    _ROW.id,
    _ROW.urgent,
    _ROW.card,
    _ROW.thread,
    _ROW.next_attempt_at,
).where(*_pending())
_QUEUES_OF = _QUEUES.where(_ROW.chat_id.in_(bindparam("chats", expanding=True))).order_by(_ROW.id)
_QUEUES_ALL = _QUEUES.order_by(_ROW.id)
_URGENT = select(_ROW.chat_id).where(*_pending(), _ROW.urgent.is_(True)).order_by(_ROW.id).limit(SCAN_PAGE)
_PAGE = select(_ROW.id, _ROW.chat_id).where(*_pending(), _ROW.id > bindparam("after"))
_PAGE_ANY = _PAGE.order_by(_ROW.id).limit(SCAN_PAGE)
_PAGE_NOT_SEEN = _PAGE.where(_ROW.chat_id.not_in(bindparam("seen", expanding=True))).order_by(_ROW.id).limit(SCAN_PAGE)
# The whole outbox when it is small (most of the time it holds a few rows): one statement, payloads included,
# run straight on the driver (storage/direct.py) as every flush's scan starts with it.
_SMALL = Direct(
    select(
        _ROW.id, _ROW.chat_id, _ROW.urgent, _ROW.card, _ROW.thread, _ROW.next_attempt_at, _ROW.payload, _ROW.attempts
    )
    .where(*_pending())
    .order_by(_ROW.id)
    .limit(SCAN_PAGE)
)
_PAYLOADS = select(_ROW.id, _ROW.payload, _ROW.attempts).where(_ROW.id.in_(bindparam("ids", expanding=True)))


async def queues(
    session: AsyncSession, platform: str, chats: Collection[str] | None = None
) -> dict[str, list[Waiting]]:
    """Each chat's pending rows in order (of the given chats, or every chat)."""
    if chats is None:
        result = await session.execute(_QUEUES_ALL, {"platform": platform})
    else:
        result = await session.execute(_QUEUES_OF, {"platform": platform, "chats": list(chats)})
    found: dict[str, list[Waiting]] = {}
    for chat, row_id, urgent, card, thread, when in result:
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
    small_whole: bool = True,
) -> DueHeads:
    """Up to `most` chats whose next row may go now, that row read, and the earliest time one of the other
    chats seen may go. `wait_of` says how long a chat must wait for the rate limits (passed over meanwhile).
    An outbox of fewer than SCAN_PAGE rows is read whole and chosen in memory; a bigger one (or any, with
    `small_whole=False`: the tests compare both) a page at a time, choosing the same way."""
    found = _Found(now, most, wait_of, answers_first)
    if small_whole:
        small = await _SMALL.rows(session, {"platform": platform})
        if len(small) < SCAN_PAGE:  # that is every pending row
            return _heads_of_small(found, small)
    return await _paged(session, platform, found)


async def _paged(session: AsyncSession, platform: str, found: _Found) -> DueHeads:
    urgent = list(await session.scalars(_URGENT, {"platform": platform}))
    await _consider(session, platform, found, urgent)
    after = 0
    while not found.full:
        page, params = _PAGE_ANY, {"platform": platform, "after": after}
        if found.seen:
            page, params = _PAGE_NOT_SEEN, {**params, "seen": list(found.seen)}
        rows = list(await session.execute(page, params))
        await _consider(session, platform, found, [chat for _, chat in rows])
        if len(rows) < SCAN_PAGE:
            break
        after = rows[-1][0]
    read: dict[int, tuple[str, int]] = {}
    if found.due:
        ids = [row.id for row, _ in found.due.values()]
        read = {
            row_id: (payload, attempts) for row_id, payload, attempts in await session.execute(_PAYLOADS, {"ids": ids})
        }
    return _heads(found, read)


def _heads_of_small(found: _Found, rows: Sequence[Sequence[Any]]) -> DueHeads:
    """The scan's choice made on every pending row at once: chats with an answer waiting first, then by their
    oldest row, as the paged scan goes."""
    chats: dict[str, list[Waiting]] = {}
    read: dict[int, tuple[str, int]] = {}
    for row_id, chat, urgent, card, thread, when, payload, attempts in rows:
        chats.setdefault(chat, []).append(Waiting(row_id, urgent, card, thread, when))
        read[row_id] = (payload, attempts)
    with_answers = [chat for chat, waiting in chats.items() if any(row.urgent for row in waiting)]
    with_answers.sort(key=lambda chat: next(row.id for row in chats[chat] if row.urgent))
    for group in (with_answers, [chat for chat in chats if chat not in with_answers]):
        if found.full:
            break
        open_ = [chat for chat in group if not found.blocked(chat)]  # each one seen tells when it may go
        for chat in open_:
            if not found.full:
                found.offer(chat, chats[chat])
    return _heads(found, read)


def _heads(found: _Found, read: dict[int, tuple[str, int]]) -> DueHeads:
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
