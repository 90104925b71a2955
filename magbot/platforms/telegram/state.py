"""What the Telegram platform keeps in the database between updates (`uow.state`, one key-value table).

- `tg:offset`: the getUpdates offset confirmed after a batch was processed.
- `tg:bpoll:<chat>:<card>`: an anonymous poll shown as buttons (closed by removing them).
- `tg:poll:<poll_id>:map`: which chat and card a native poll was sent as, so a poll answer (which names
  neither) becomes a PollVote in the right group.
- `tg:poll:doubt:<card>`, `tg:pollwait:...`, `tg:pollvoter:...`: a named poll that may have been sent twice
  (poll_copies.py; the last two are about a voter and name him as their subject).
- `tg:out:<outbox_id>:progress`: the steps of a multi-step send already done (the forum topic created, the
  parts of a long message sent), so a retry after a 429 or a crash does not repeat them.

Only the voters' keys above are about a person; /forgetme erases the keys stored with him as their subject.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from magbot.core.events import ChatKind
from magbot.storage.uow import UnitOfWork, UnitOfWorkFactory

OFFSET_KEY = "tg:offset"


@dataclass(frozen=True)
class PollOrigin:
    """Where one of our native polls lives, and the card name the handlers gave it."""

    chat_id: str
    kind: ChatKind
    card: str


@dataclass
class Progress:
    """The steps of one outbox message already done on Telegram."""

    topic: int | None = None
    sent: list[int] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps({"topic": self.topic, "sent": self.sent})

    @classmethod
    def from_json(cls, raw: str | None) -> Progress:
        data: dict[str, Any] = json.loads(raw) if raw else {}
        return cls(topic=data.get("topic"), sent=list(data.get("sent") or []))


class TelegramState:
    """Small typed accessors over `uow.state`; each call is its own short transaction."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def offset(self) -> int | None:
        async with self._uow() as u:
            raw = await u.state.get(OFFSET_KEY)
        return int(raw) if raw else None

    def offset_rides(self, offset: int) -> None:
        """The offset goes with the next commit (the next dispatch's, or the sender's): no transaction of its
        own per batch. A crash before then leaves the older offset stored; Telegram has forgotten the updates
        our getUpdates calls confirmed anyway, and any it sends again are duplicates the dispatcher drops."""

        async def write(u: UnitOfWork) -> None:
            await u.state.put(OFFSET_KEY, str(offset))

        self._uow.ride(OFFSET_KEY, write)

    async def settle(self) -> None:
        """Commit what still rides (at a stop)."""
        if self._uow.riding:
            async with self._uow():
                pass

    async def remember_poll(self, poll_id: str, origin: PollOrigin) -> None:
        value = json.dumps({"chat": origin.chat_id, "kind": origin.kind, "card": origin.card})
        async with self._uow() as u:
            await u.state.put(_poll_key(poll_id), value)

    async def poll_origin(self, poll_id: str) -> PollOrigin | None:
        async with self._uow() as u:
            raw = await u.state.get(_poll_key(poll_id))
        if not raw:
            return None
        data = json.loads(raw)
        return PollOrigin(str(data["chat"]), data.get("kind", "group"), str(data["card"]))

    async def remember_button_poll(self, chat_id: str, card: str) -> None:
        """An anonymous poll shown as buttons: closing it removes the buttons instead of stopping a native poll."""
        async with self._uow() as u:
            await u.state.put(_button_poll_key(chat_id, card), "1")

    async def is_button_poll(self, chat_id: str, card: str) -> bool:
        async with self._uow() as u:
            return await u.state.get(_button_poll_key(chat_id, card)) is not None

    async def progress(self, outbox_id: int) -> Progress:
        async with self._uow() as u:
            return Progress.from_json(await u.state.get(_progress_key(outbox_id)))

    async def save_progress(self, outbox_id: int, progress: Progress) -> None:
        async with self._uow() as u:
            await u.state.put(_progress_key(outbox_id), progress.as_json())

    async def clear_progress(self, outbox_id: int) -> None:
        async with self._uow() as u:
            await u.state.delete(_progress_key(outbox_id))


def _button_poll_key(chat_id: str, card: str) -> str:
    return f"tg:bpoll:{chat_id}:{card}"


def _poll_key(poll_id: str) -> str:
    return f"tg:poll:{poll_id}:map"


def _progress_key(outbox_id: int) -> str:
    return f"tg:out:{outbox_id}:progress"
