"""What the Matrix platform keeps in the database (`platform_state`, keys starting `mx:`).

Each call is its own short unit of work: the sync loop must never hold a transaction open while the
dispatcher runs (SQLite allows one writer). Keys:

- `mx:session`            JSON {homeserver, user_id, device_id, access_token}: the bot's device, reused at restart
- `mx:next_batch`         the sync token, written only after a whole sync response was dispatched
- `mx:dm:<user_id>`       the room the bot talks to that person in (stored with him as its subject, so /forgetme
                          erases it and no other key)
- `mx:direct:<room_id>`   "bot" (the bot created it as a DM) or "invite" (the person invited the bot with
                          `is_direct`); names nobody, so the room is still recognised as private after /forgetme
- `mx:card:<event_id>`    JSON {label: button data} of a card the bot posted (reactions -> button presses)
- `mx:reacts:<event_id>`  JSON {label: event id of the bot's own reaction}, to take reactions away on an edit
- `mx:poll:<event_id>`    JSON {card, answers}: a poll start event -> the card name and its answer ids
- `mx:tx:<outbox_id>`     JSON {fingerprint, nonce}: the txn id base of an outbox row while it is being sent (and
                          until a later send prunes it, at most PRUNE_EVERY sends after the row is gone)

Why `mx:tx:`: Synapse remembers txn ids per device for a long time, and an outbox id alone could come back (the outbox
uses AUTOINCREMENT, but a database restored or made anew would count from 1 again), so Synapse would take a new message
for a duplicate. A retry of the same row (same fingerprint) reuses the nonce; a new row gets a fresh one.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from magbot.storage.uow import UnitOfWork, UnitOfWorkFactory

PRUNE_EVERY = 32  # sends between two prunings of the txn bases of rows gone from the outbox


class MatrixState:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._tx_bases = 0  # txn bases handed out by this process

    async def get(self, key: str) -> str | None:
        async with self._uow() as uow:
            return await uow.state.get(key)

    async def put(self, key: str, value: str) -> None:
        async with self._uow() as uow:
            await uow.state.put(key, value)

    async def delete(self, key: str) -> None:
        """Delete exactly `key`."""
        async with self._uow() as uow:
            await uow.state.delete(key)

    async def get_json(self, key: str) -> Any:
        raw = await self.get(key)
        return json.loads(raw) if raw else None

    async def put_json(self, key: str, value: Any) -> None:
        await self.put(key, json.dumps(value, ensure_ascii=False, sort_keys=True))

    # ---------------------------------------------------------------- sync and login

    async def next_batch(self) -> str | None:
        return await self.get("mx:next_batch")

    async def save_next_batch(self, token: str) -> None:
        await self.put("mx:next_batch", token)

    async def session(self) -> dict[str, str] | None:
        value = await self.get_json("mx:session")
        return value if isinstance(value, dict) else None

    async def save_session(self, homeserver: str, user_id: str, device_id: str, access_token: str) -> None:
        await self.put_json(
            "mx:session",
            {"homeserver": homeserver, "user_id": user_id, "device_id": device_id, "access_token": access_token},
        )

    # ---------------------------------------------------------------- private chats

    async def dm_room(self, user_id: str) -> str | None:
        return await self.get(f"mx:dm:{user_id}")

    async def set_dm_room(self, user_id: str, room_id: str, how: str) -> None:
        async with self._uow() as uow:
            await uow.state.put(f"mx:dm:{user_id}", room_id, subject=("matrix", user_id))
            await uow.state.put(f"mx:direct:{room_id}", how)

    async def forget_dm_room(self, user_id: str, room_id: str) -> None:
        """The person left their private room: the next message to them opens a new one."""
        async with self._uow() as uow:
            if await uow.state.get(f"mx:dm:{user_id}") == room_id:
                await uow.state.delete(f"mx:dm:{user_id}")

    async def dm_room_and_flag(self, user_id: str, room_id: str) -> tuple[str | None, str | None]:
        """His private room and this room's direct flag, in one transaction (asked for each message's sender)."""
        async with self._uow() as uow:
            return await uow.state.get(f"mx:dm:{user_id}"), await uow.state.get(f"mx:direct:{room_id}")

    # ---------------------------------------------------------------- cards and polls

    async def card_buttons(self, event_id: str) -> dict[str, str]:
        return await self.get_json(f"mx:card:{event_id}") or {}

    async def card_reactions(self, event_id: str) -> dict[str, str]:
        return await self.get_json(f"mx:reacts:{event_id}") or {}

    async def save_card(self, event_id: str, buttons: dict[str, str], reactions: dict[str, str]) -> None:
        async with self._uow() as uow:
            for key, value in ((f"mx:card:{event_id}", buttons), (f"mx:reacts:{event_id}", reactions)):
                if value:
                    await uow.state.put(key, json.dumps(value, ensure_ascii=False, sort_keys=True))
                else:
                    await uow.state.delete(key)

    async def forget_card(self, event_id: str) -> None:
        async with self._uow() as uow:
            for prefix in ("mx:card:", "mx:reacts:", "mx:poll:"):
                await uow.state.delete(prefix + event_id)

    async def poll(self, event_id: str) -> dict[str, Any] | None:
        value = await self.get_json(f"mx:poll:{event_id}")
        return value if isinstance(value, dict) else None

    async def save_poll(self, event_id: str, card: str, answers: list[str]) -> None:
        await self.put_json(f"mx:poll:{event_id}", {"card": card, "answers": answers})

    # ---------------------------------------------------------------- txn ids

    async def tx_base(self, outbox_id: int, fingerprint: str) -> str:
        """`magbot-<outbox id>-<nonce>`: stable across retries of one outbox row, fresh for a reused id.

        The base is kept until the outbox row itself is gone, not only until Synapse accepted the event: a crash
        between the two would otherwise send the row again under a fresh txn id, and Synapse would post it twice.
        Bases of rows no longer in the outbox are pruned here.
        """
        key = f"mx:tx:{outbox_id}"
        prune, self._tx_bases = self._tx_bases % PRUNE_EVERY == 0, self._tx_bases + 1
        async with self._uow() as uow:
            # Pruned on the first send and every PRUNE_EVERY-th after: a scan of the outbox and the bases on every
            # send was three of its five statements, before the member's answer could go.
            for stale in await self._stale_bases(uow, outbox_id) if prune else []:
                await uow.state.delete(stale)
            raw = await uow.state.get(key)
            saved = json.loads(raw) if raw else {}
            if saved.get("fingerprint") != fingerprint:
                saved = {"fingerprint": fingerprint, "nonce": secrets.token_hex(4)}
                await uow.state.put(key, json.dumps(saved))
        return f"magbot-{outbox_id}-{saved['nonce']}"

    @staticmethod
    async def _stale_bases(uow: UnitOfWork, outbox_id: int) -> list[str]:
        live = await uow.outbox.ids() | {outbox_id}
        numbers = {key: key.removeprefix("mx:tx:") for key in await uow.state.keys("mx:tx:")}
        return [key for key, number in numbers.items() if number.isdecimal() and int(number) not in live]

    async def tx_done(self, outbox_id: int) -> None:
        """For a row the outbox drops without delivering it (Undeliverable)."""
        await self.delete(f"mx:tx:{outbox_id}")
