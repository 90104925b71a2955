"""Plain records that storage hands to the kernel and the features: a guided flow's waiting step, a scheduled send,
and where a card landed on a platform. They live here, below storage, so core and handlers never import storage's
modules for a type, and storage depends on core's types, not the other way round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PendingInput:
    """A member's guided conversation waiting for his next answer: which flow, which step, what he said so far."""

    flow: str
    step: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ScheduledJob:
    """One row of the `scheduled` table: a send (or a piece of housekeeping) due once."""

    id: int
    key: str
    kind: str
    group_id: int | None
    due_at: datetime
    grace_seconds: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class CardPlace:
    """Where a message the bot sent landed: the platform's message id, and its thread's id where it started one."""

    message_id: str
    thread_id: str | None
