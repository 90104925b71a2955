"""The outbox: messages saved with the handling that made them, waiting for the sender.

Each chat is a queue. Its next row is its oldest, except that a direct answer to a member (an `urgent` row:
the posts and files a handler's reply starts with, so its own order holds) goes before bulk rows (card edits,
scheduled posts), unless an older row touches the card the answer refers to: then the chat keeps its order
(chosen in storage/outbox_scan.py, which also finds the chats a flush sends). A card's pending edits are coalesced as
they are saved: a new edit deletes the older pending edits of the same card (back to the last row that posts or
deletes that card), in the same transaction that saves it. An edit already being sent is deleted all the same;
its send goes on and its delete finds nothing, so the card still ends on the newest text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.events import ChatRef, Edit, File, NativePoll, Outgoing, Post
from magbot.storage import hot
from magbot.storage.codec import decode, encode
from magbot.storage.models import OutboxRow
from magbot.storage.outbox_scan import (
    ChatWait,
    DueHeads,
    QueuedMessage,
    Waiting,
    due_heads,
    next_in_line,
    no_wait,
    queues,
)

__all__ = ["DueHeads", "Outbox", "QueuedMessage", "next_in_line"]

EDIT = "Edit"


def card_of(message: Outgoing) -> str | None:
    card = getattr(message, "card", None)
    return card if isinstance(card, str) else None


def _coalesced(messages: Iterable[Outgoing]) -> list[Outgoing]:
    """One handler's messages, an edit dropped where a later edit of the same card replaces it."""
    kept: list[Outgoing] = []
    for message in messages:
        if isinstance(message, Edit):
            kept = [m for index, m in enumerate(kept) if not _replaced_by(index, message, kept)]
        kept.append(message)
    return kept


def _replaced_by(index: int, new: Edit, kept: list[Outgoing]) -> bool:
    old = kept[index]
    if not (isinstance(old, Edit) and old.chat == new.chat and old.card == new.card):
        return False
    return not any(m.chat == new.chat and card_of(m) == new.card for m in kept[index + 1 :])


class Outbox:
    # Switches for the benches' baseline (the sender as it was): production keeps both on.
    coalesce_edits = True
    answers_first = True

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, messages: Sequence[Outgoing], now: datetime, *, urgent: bool = False) -> None:
        """Save messages for the sender. `urgent`: they answer a member (their posts and files go first)."""
        kept = _coalesced(messages) if self.coalesce_edits else list(messages)
        if not kept:
            return
        if self.coalesce_edits:
            for chat, card in _edited_first(kept):
                await self._drop_pending_edits(chat, card)
        lead = _leading_answers(kept) if urgent else 0
        await hot.OUTBOX_INSERT.run_many(self._session, [_values(m, now, n < lead) for n, m in enumerate(kept)])

    async def _drop_pending_edits(self, chat: ChatRef, card: str) -> None:
        same = (OutboxRow.platform == chat.platform, OutboxRow.chat_id == chat.chat_id, OutboxRow.card == card)
        last_other = (
            select(func.max(OutboxRow.id))
            .where(*same, or_(OutboxRow.kind.is_(None), OutboxRow.kind != EDIT))
            .scalar_subquery()
        )
        await self._session.execute(
            delete(OutboxRow).where(*same, OutboxRow.kind == EDIT, OutboxRow.id > func.coalesce(last_other, 0))
        )

    async def _heads(self, platform: str) -> dict[str, datetime]:
        """Each chat's next row's next attempt time (every row read: for tests and tools, not the sender)."""
        waiting = await queues(self._session, platform)
        return {chat: next_in_line(rows, self.answers_first).next_attempt_at for chat, rows in waiting.items()}

    async def due_heads(self, platform: str, now: datetime, most: int, wait_of: ChatWait = no_wait) -> DueHeads:
        """Up to `most` chats whose next row may go now, read a page at a time (storage/outbox_scan.py)."""
        return await due_heads(self._session, platform, now, most, wait_of, self.answers_first)

    async def due_chats(self, platform: str, now: datetime) -> tuple[list[str], datetime | None]:
        """Chats whose next row may be tried now, and the earliest time one of the others may (one scan)."""
        heads = await self._heads(platform)
        later = [when for when in heads.values() if when > now]
        return [chat for chat, when in heads.items() if when <= now], min(later, default=None)

    async def pending_chats(self, platform: str, now: datetime) -> list[str]:
        return (await self.due_chats(platform, now))[0]

    async def next_due(self, platform: str) -> datetime | None:
        return min((await self._heads(platform)).values(), default=None)

    async def head(self, platform: str, chat_id: str) -> QueuedMessage | None:
        """The chat's next row to send (one statement)."""
        rows = await hot.OUTBOX_CHAT.rows(self._session, {"platform": platform, "chat_id": chat_id})
        if not rows:
            return None
        chosen = next_in_line([Waiting(r[0], r[1], r[2], r[3], r[4]) for r in rows], self.answers_first)
        _, _, _, _, when, payload, attempts = next(row for row in rows if row[0] == chosen.id)
        return QueuedMessage(chosen.id, decode(payload), attempts, when, len(rows) > 1)

    async def ids(self) -> set[int]:
        """Every row still in the outbox (being sent, waiting or held)."""
        return set(await self._session.scalars(select(OutboxRow.id)))

    async def done(self, outbox_id: int) -> None:
        """Sent, or dropped for good: the row goes, so no message text outlives its delivery."""
        await hot.OUTBOX_DONE.run(self._session, {"outbox_id": outbox_id})

    async def hold_chat(self, platform: str, chat_id: str) -> None:
        """Keep a private chat's messages until the person opens the chat with the bot."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .values(status="held")
        )

    async def release_chat(self, platform: str, chat_id: str, now: datetime) -> None:
        """He opened the chat: what waited for him goes first, before the answer to the message that opened it."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id, OutboxRow.status == "held")
            .values(status="pending", next_attempt_at=now, urgent=True)
        )

    async def retry_later(self, outbox_id: int, when: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(attempts=OutboxRow.attempts + 1, next_attempt_at=when)
        )

    async def count(self, status: str = "pending") -> int:
        return int(await self._session.scalar(select(func.count(OutboxRow.id)).where(OutboxRow.status == status)) or 0)

    async def posts_card(self, platform: str, chat_id: str, card: str) -> bool:
        """Whether a post of this card still waits to go (held or pending): an edit saved now follows it."""
        query = select(OutboxRow.id).where(
            OutboxRow.platform == platform, OutboxRow.chat_id == chat_id, OutboxRow.card == card,
            OutboxRow.kind == Post.__name__,
        )  # fmt: skip
        return await self._session.scalar(query.limit(1)) is not None

    async def drop_about(self, member_id: int, cards: set[str]) -> None:
        """What has not gone out yet of a member's words or name (/forgetme): his group posts, and edits of the
        cards of his posts already sent (`cards`)."""
        rows = await self._session.execute(select(OutboxRow.id, OutboxRow.payload))
        gone = [row_id for row_id, payload in rows if _is_about(decode(payload), member_id, cards)]
        if gone:
            await self._session.execute(delete(OutboxRow).where(OutboxRow.id.in_(gone)))

    async def drop_for_chat(self, platform: str, chat_id: str) -> None:
        await self._session.execute(
            delete(OutboxRow).where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id)
        )


def _is_about(message: Outgoing, member_id: int, cards: set[str]) -> bool:
    if isinstance(message, Post):
        return message.about == member_id
    return isinstance(message, Edit) and message.card in cards


def _edited_first(messages: list[Outgoing]) -> list[tuple[ChatRef, str]]:
    """The cards whose first message here is an edit: their older pending edits are replaced by it."""
    seen: set[tuple[ChatRef, str]] = set()
    out: list[tuple[ChatRef, str]] = []
    for message in messages:
        card = card_of(message)
        if card is None or (message.chat, card) in seen:
            continue
        seen.add((message.chat, card))
        if isinstance(message, Edit):
            out.append((message.chat, card))
    return out


def _leading_answers(messages: list[Outgoing]) -> int:
    """How many of one handler's messages go first: its posts, polls and files up to its first other row, so the
    handler's own order always holds (its deletes or edits before a post keep that post behind them). A /poll's
    native poll is its answer as much as a post is: were it bulk, a later answer would overtake it."""
    count = 0
    while count < len(messages) and isinstance(messages[count], Post | File | NativePoll):
        count += 1
    return count


def _values(message: Outgoing, now: datetime, urgent: bool) -> dict[str, Any]:
    thread = getattr(message, "thread", None)
    return {
        "platform": message.chat.platform,
        "chat_id": message.chat.chat_id,
        "payload": encode(message),
        "created_at": now,
        "next_attempt_at": now,
        "status": "pending",
        "attempts": 0,
        "kind": type(message).__name__,
        "card": card_of(message),
        "thread": thread if isinstance(thread, str) else None,
        "urgent": urgent,
    }
