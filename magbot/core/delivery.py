"""The contract between the outbox sender and a platform's sending side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from magbot.core.events import Outgoing
from magbot.core.records import CardPlace


class RetryLater(Exception):
    """The platform asked us to wait (Telegram 429 retry_after, Matrix M_LIMIT_EXCEEDED) or failed for now (5xx)."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {seconds}s")
        self.seconds = seconds


class Unreachable(Exception):
    """The person has not opened a private chat with the bot, or blocked it (Telegram 403)."""


class Undeliverable(Exception):
    """The platform refused this message for good (e.g. the message to edit is gone); it is dropped."""


@dataclass(frozen=True)
class Places:
    """Where the cards an outgoing message refers to live: its own card (edit/delete) and its thread."""

    card: CardPlace | None = None
    thread: CardPlace | None = None


@dataclass(frozen=True)
class RatePolicy:
    """How fast a platform lets a bot speak. Telegram: 1/s per chat, 20/min per group, ~30/s overall."""

    per_chat_interval: float = 0.0
    per_group_per_minute: int = 0
    overall_per_second: float = 0.0
    # Chats drained at once (each chat's own queue stays in order); 1 keeps a transcript's order exact.
    parallel_chats: int = 16


class Sender(Protocol):
    platform: str
    rate: RatePolicy

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        """Deliver one message; return where it landed when it is a new message (for cards and threads).

        `outbox_id` is stable across retries: platforms with idempotent sends (Matrix txn ids) derive from it.
        Raise RetryLater, Unreachable or Undeliverable; anything else is treated as a temporary failure.
        """
        ...
