"""Events the bot cannot decrypt yet: kept (event id and room only), handled once when their key arrives.

A member's client may share its megolm session with the bot's device late (a new device, a slow client, a key
request answered later). Such an event is not lost: its id and room are kept in `platform_state`
(`mx:late:<event_id>` = {room, since}; no sender, no content), its key is asked for, and each sync round that
brings room keys (`m.room_key`, `m.forwarded_room_key`) fetches the kept events again and tries to decrypt
them; one that decrypts goes through the sync loop's ordinary dispatch, whose event key (`mx:<event_id>`)
makes it count once even if a crash replays it. After `PATIENCE` without its key, the sender, if he is a
member, is told privately that one of his messages could not be read, and the event is given up (in the same
transaction, so he is told once).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from nio import (
    AsyncClient,
    EncryptionError,
    Event,
    ForwardedRoomKeyEvent,
    MegolmEvent,
    RoomGetEventResponse,
    RoomKeyEvent,
    SyncResponse,
)

from magbot.core.clock import Clock
from magbot.core.events import ChatRef, Post
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

PREFIX = "mx:late:"
PATIENCE = timedelta(minutes=30)  # most late keys come within seconds; a client that never shares, never will
MOST_KEPT = 200  # a flood of undecryptable events must not make every sync round slow
UNREADABLE = (
    "I couldn't read one of your messages: it was encrypted with a key your app didn't share with me. "
    "Please send it again, or open your app's settings and let it share keys with me."
)

DispatchRoom = Callable[[str, list[Event]], Awaitable[int]]


def keys_arrived(response: SyncResponse) -> bool:
    return any(isinstance(e, RoomKeyEvent | ForwardedRoomKeyEvent) for e in response.to_device_events)


class LateEvents:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock
        # Whether anything may be kept: unknown (True) at start, then known from each read and each `keep`, so
        # a round without new keys reads nothing when nothing waits (every round used to open a transaction).
        self._maybe_kept = True

    async def keep(self, room_id: str, event_id: str) -> None:
        self._maybe_kept = True  # kept now, or already (also when too many are)
        async with self._uow() as u:
            if await u.state.get(PREFIX + event_id) is not None:
                return
            if len(await u.state.keys(PREFIX)) >= MOST_KEPT:
                log.warning("matrix late events: too many kept; this one is not")
                return
            await u.state.put(PREFIX + event_id, json.dumps({"room": room_id, "since": self._clock.now().isoformat()}))

    async def retry(self, client: AsyncClient, keys_came: bool, dispatch_room: DispatchRoom) -> int:
        """Decrypt what a new key opens (when keys came) and give up on what waited too long."""
        if not (keys_came or self._maybe_kept):
            return 0
        async with self._uow() as u:
            kept = {key[len(PREFIX) :]: await u.state.get(key) for key in await u.state.keys(PREFIX)}
        self._maybe_kept = bool(kept)  # those handled now are forgotten; the next read finds out
        handled = 0
        for event_id, raw in kept.items():
            data = json.loads(raw or "{}")
            room_id, since = str(data.get("room", "")), datetime.fromisoformat(str(data.get("since")))
            overdue = self._clock.now() - since > PATIENCE
            if not keys_came and not overdue:
                continue
            event = await self._fetch(client, room_id, event_id)
            if event is None:  # redacted, or the room is gone: nothing to handle
                await self._forget(event_id)
                continue
            opened = _decrypt(client, room_id, event)
            if opened is not None:
                handled += await dispatch_room(room_id, [opened])
                await self._forget(event_id)
                log.info("matrix late key arrived; event handled event=%s", event_id)
            elif overdue:
                await self._give_up(event_id, event.sender)
        return handled

    async def _fetch(self, client: AsyncClient, room_id: str, event_id: str) -> Event | None:
        response = await client.room_get_event(room_id, event_id)
        if not isinstance(response, RoomGetEventResponse):
            code = getattr(response, "status_code", "")
            if code in ("M_NOT_FOUND", "M_FORBIDDEN"):
                return None
            raise RuntimeError(f"matrix could not fetch a kept event ({code})")  # the round is replayed later
        return response.event

    async def _forget(self, event_id: str) -> None:
        async with self._uow() as u:
            await u.state.delete(PREFIX + event_id)

    async def _give_up(self, event_id: str, sender: str) -> None:
        async with self._uow() as u:
            await u.state.delete(PREFIX + event_id)
            if await u.members.active_for_user("matrix", sender):  # non-members get nothing
                await u.outbox.add([Post(ChatRef("matrix", sender, "dm"), UNREADABLE)], self._clock.now())
        log.warning("matrix event never decrypted; sender told event=%s", event_id)


def _decrypt(client: AsyncClient, room_id: str, event: Event) -> Event | None:
    """The decrypted event, or None while its key is still missing."""
    if not isinstance(event, MegolmEvent):
        return event  # fetched in the clear (the room stopped encrypting?): handle it as it is
    event.room_id = room_id
    try:
        opened = client.decrypt_event(event)
    except EncryptionError:
        return None
    return opened if isinstance(opened, Event) and not isinstance(opened, MegolmEvent) else None
