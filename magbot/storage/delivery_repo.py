"""Repositories for exactly-once delivery: processed event keys, the outbox, and cards (sent message ids)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.events import Edit, Outgoing, Post
from magbot.core.records import CardPlace
from magbot.storage.claims import CHAT_LOCK, INCOMING_CHAT
from magbot.storage.codec import decode, encode
from magbot.storage.db import insert_ignoring_duplicates, rows_affected
from magbot.storage.models import CardRow, OutboxRow, ProcessedEventRow


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ProcessedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, key: str, now: datetime) -> bool:
        """Record the event as handled in this transaction. False when it was handled before."""
        return await insert_ignoring_duplicates(
            self._session,
            ProcessedEventRow,
            {"key_hash": hash_key(key), "processed_at": now},
            ["key_hash"],
        )

    async def serialize_chat(self, platform: str, chat_id: str) -> None:
        """On PostgreSQL, wait for any other transaction handling this chat's updates (another instance's, in
        webhook mode), and hold the chat until this one ends; SQLite's BEGIN IMMEDIATE already does as much."""
        if self._session.bind is not None and self._session.bind.dialect.name == "postgresql":
            await self._session.execute(CHAT_LOCK, {"space": INCOMING_CHAT, "chat": f"{platform}:{chat_id}"})

    async def keep_toast(self, key: str, toast: str) -> None:
        """The pop-up of a press claimed in this transaction, for a redelivery before it was answered."""
        await self._session.execute(
            update(ProcessedEventRow).where(ProcessedEventRow.key_hash == hash_key(key)).values(toast=toast)
        )

    async def toast(self, key: str) -> str | None:
        return await self._session.scalar(
            select(ProcessedEventRow.toast).where(ProcessedEventRow.key_hash == hash_key(key))
        )

    async def forget_toast(self, key: str) -> None:
        """The press was answered: its pop-up is not kept longer than needed."""
        await self._session.execute(
            update(ProcessedEventRow).where(ProcessedEventRow.key_hash == hash_key(key)).values(toast=None)
        )

    async def forget_older_than(self, cutoff: datetime) -> int:
        result = await self._session.execute(delete(ProcessedEventRow).where(ProcessedEventRow.processed_at < cutoff))
        return rows_affected(result)


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    message: Outgoing
    attempts: int


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, messages: list[Outgoing], now: datetime) -> None:
        for message in messages:
            self._session.add(
                OutboxRow(
                    platform=message.chat.platform,
                    chat_id=message.chat.chat_id,
                    payload=encode(message),
                    created_at=now,
                    next_attempt_at=now,
                )
            )
        await self._session.flush()

    async def _heads(self, platform: str) -> dict[str, datetime]:
        """Each chat's oldest waiting message's next attempt time: messages in one chat go in order."""
        rows = await self._session.execute(
            select(OutboxRow.chat_id, OutboxRow.next_attempt_at)
            .where(OutboxRow.platform == platform, OutboxRow.status == "pending")
            .order_by(OutboxRow.id)
        )
        heads: dict[str, datetime] = {}
        for chat_id, next_attempt_at in rows:
            heads.setdefault(chat_id, next_attempt_at)
        return heads

    async def pending_chats(self, platform: str, now: datetime) -> list[str]:
        """Chats whose head message may be tried now."""
        return [chat for chat, when in (await self._heads(platform)).items() if when <= now]

    async def head(self, platform: str, chat_id: str) -> QueuedMessage | None:
        row = await self._session.scalar(
            select(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .order_by(OutboxRow.id)
            .limit(1)
        )
        return QueuedMessage(row.id, decode(row.payload), row.attempts) if row else None

    async def ids(self) -> set[int]:
        """Every row still in the outbox (being sent, waiting or held)."""
        return set(await self._session.scalars(select(OutboxRow.id)))

    async def done(self, outbox_id: int) -> None:
        """Sent, or dropped for good: the row goes, so no message text outlives its delivery."""
        await self._session.execute(delete(OutboxRow).where(OutboxRow.id == outbox_id))

    async def hold_chat(self, platform: str, chat_id: str) -> None:
        """Keep a private chat's messages until the person opens the chat with the bot."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id, OutboxRow.status == "pending")
            .values(status="held")
        )

    async def release_chat(self, platform: str, chat_id: str, now: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.chat_id == chat_id, OutboxRow.status == "held")
            .values(status="pending", next_attempt_at=now)
        )

    async def retry_later(self, outbox_id: int, when: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(attempts=OutboxRow.attempts + 1, next_attempt_at=when)
        )

    async def next_due(self, platform: str) -> datetime | None:
        return min((await self._heads(platform)).values(), default=None)

    async def count(self, status: str = "pending") -> int:
        return len((await self._session.scalars(select(OutboxRow.id).where(OutboxRow.status == status))).all())

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


class Cards:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(self, platform: str, chat_id: str, card: str, place: CardPlace, now: datetime) -> None:
        row = await self._session.get(CardRow, (platform, chat_id, card))
        if row:
            row.message_id, row.thread_id = place.message_id, place.thread_id
        else:
            self._session.add(
                CardRow(
                    platform=platform,
                    chat_id=chat_id,
                    card=card,
                    message_id=place.message_id,
                    thread_id=place.thread_id,
                    created_at=now,
                )
            )
        await self._session.flush()

    async def find(self, platform: str, chat_id: str, card: str) -> CardPlace | None:
        row = await self._session.get(CardRow, (platform, chat_id, card))
        return CardPlace(row.message_id, row.thread_id) if row else None

    async def find_by_message(self, platform: str, chat_id: str, message_id: str) -> str | None:
        return await self._session.scalar(
            select(CardRow.card).where(
                CardRow.platform == platform, CardRow.chat_id == chat_id, CardRow.message_id == message_id
            )
        )

    async def find_by_thread(self, platform: str, chat_id: str, thread_id: str) -> str | None:
        return await self._session.scalar(
            select(CardRow.card).where(
                CardRow.platform == platform, CardRow.chat_id == chat_id, CardRow.thread_id == thread_id
            )
        )

    async def forget(self, platform: str, chat_id: str, card: str | None = None) -> None:
        statement = delete(CardRow).where(CardRow.platform == platform, CardRow.chat_id == chat_id)
        if card is not None:
            statement = statement.where(CardRow.card == card)
        await self._session.execute(statement)
