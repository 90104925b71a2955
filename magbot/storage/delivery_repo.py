"""Repositories for exactly-once delivery: processed event keys and cards (sent message ids); the outbox is in
outbox_repo.py."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.core.records import CardPlace
from magbot.storage import hot
from magbot.storage.claims import CHAT_LOCK, INCOMING_CHAT
from magbot.storage.db import rows_affected
from magbot.storage.models import CardRow, ProcessedEventRow


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ProcessedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, key: str, now: datetime) -> bool:
        """Record the event as handled in this transaction. False when it was handled before."""
        params = {"key_hash": hash_key(key), "processed_at": now}
        return await hot.CLAIM.run(self._session, params) == 1

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
