"""Our own sync loop (never nio's `sync_forever`, which saves the token before callbacks run).

One round: `sync(since=<saved next_batch>)` -> key upkeep -> join the rooms the bot is invited to -> every
timeline event of every joined room, oldest first, through `dispatch` -> only then save `next_batch`. A crash
anywhere before the save replays the round; the dispatcher's event keys (`mx:<event_id>`) make that harmless.

- The first round after a start asks for `full_state`, which rebuilds nio's room list (nio does not persist it).
- The very first round of a new bot (no saved token) dispatches nothing: old history is not a request to us.
- A `limited` timeline is back-filled with `/messages` from its `prev_batch` back to the previous token, so no
  event is skipped. In a room the bot has just joined, only events after its own join count.
- A private room is reported as the person's private chat: ChatRef("matrix", "@user:server", "dm").
- An event the bot cannot decrypt yet is kept and handled once its key comes (late_keys.py).
- A tombstone (room upgrade) is followed to the new room; private rooms are marked in `m.direct` (rooms.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import Any

from nio import (
    AsyncClient,
    Event,
    InviteMemberEvent,
    JoinError,
    LocalProtocolError,
    MegolmEvent,
    MessageDirection,
    ReactionEvent,
    RoomMemberEvent,
    RoomMessagesResponse,
    RoomUpgradeEvent,
    SyncResponse,
)

from magbot.core.events import ButtonPress, ChatRef
from magbot.core.platform import Dispatch
from magbot.platforms.matrix import render
from magbot.platforms.matrix.late_keys import LateEvents, keys_arrived
from magbot.platforms.matrix.rights import PowerChecks
from magbot.platforms.matrix.rooms import follow_tombstone, mark_direct
from magbot.platforms.matrix.sender import MatrixSender
from magbot.platforms.matrix.session import (
    MatrixConfigError,
    MatrixSession,
    MatrixTemporaryError,
    keep_keys,
    raise_for,
)
from magbot.platforms.matrix.state import MatrixState
from magbot.platforms.matrix.translate import PLATFORM, Translator, is_own_join, person_of
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

BACKFILL_PAGE = 100
BACKFILL_MAX = 2000


class SyncFailed(Exception):
    """The homeserver answered the sync with an error; the loop backs off and tries again."""


class SyncLoop:
    def __init__(
        self, session: MatrixSession, state: MatrixState, sender: MatrixSender, timeline_limit: int | None = None
    ) -> None:
        self._session, self._state, self._sender = session, state, sender
        self._filter = {"room": {"timeline": {"limit": timeline_limit}}} if timeline_limit else None
        self._chats: dict[tuple[str, str], ChatRef] = {}
        # The token this loop saved last: read from the database once per start, then kept here (only this
        # loop writes it; a stale copy could only replay a round, which the event keys make harmless).
        self._since: str | None = None
        self._since_read = False
        self.checks: PowerChecks | None = None  # the bot's power levels, said in a room that lacks some
        self.late: LateEvents | None = None  # events whose key has not come yet (late_keys.py)
        self.uow: UnitOfWorkFactory | None = None  # for following an upgraded room (rooms.py)

    # ---------------------------------------------------------------- the loop

    async def run(self, dispatch: Dispatch, stop: asyncio.Event, poll_ms: int = 30_000) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                await self.sync_once(dispatch, poll_ms, stop)
                backoff = 1.0
            except MatrixConfigError as exc:  # retrying cannot help: say so and stop this platform
                log.error("matrix cannot start: %s", exc)
                raise
            except Exception as exc:  # the homeserver or the network is away: nothing is lost, try again
                log.warning("matrix sync failed error=%s; retrying in %.0fs", type(exc).__name__, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=backoff)
                backoff = min(backoff * 2, 60.0)

    async def sync_once(self, dispatch: Dispatch, timeout_ms: int = 0, stop: asyncio.Event | None = None) -> int:
        """One sync round; returns how many events were dispatched. Only the HTTP wait is cut short by `stop`."""
        client = await self._session.start()
        if not self._since_read:
            self._since, self._since_read = await self._state.next_batch(), True
        since = self._since
        # nio skips (does not decrypt, does not learn rooms from) a response whose next_batch it already has:
        # after a failed round the same response comes again and must be handled again; and the first full-state
        # sync after a restart may bring back the very token we saved, when nothing happened meanwhile.
        client.next_batch = since if self._session.synced else None
        request = client.sync(
            timeout=timeout_ms, since=since, full_state=not self._session.synced or None, sync_filter=self._filter
        )
        response = await _unless_stopped(request, stop)
        if response is None:
            return 0
        if not isinstance(response, SyncResponse):
            code = getattr(response, "status_code", "")
            if code == "M_UNKNOWN_TOKEN":  # logged out elsewhere: log in again (same device) next round
                await self._session.close()
            raise SyncFailed(f"{type(response).__name__} {code}")
        self._session.synced = True
        await keep_keys(client)
        self._sender.forgetting.after_sync(client)  # what a member list brought back of someone who erased himself
        self._chats.clear()
        await self._accept_invites(client, response)
        dispatched = 0
        if since is not None:  # a new bot starts from now
            for room_id, info in response.rooms.join.items():
                self._sender.synced_room(room_id)
                events = await self._timeline(client, room_id, info.timeline, since)
                dispatched += await self._dispatch_room(client, room_id, events, dispatch)
            for room_id, info in response.rooms.leave.items():
                await self._left_room(room_id, info.timeline.events)
            if self.late is not None:  # before the token is saved: a crash replays this too
                dispatched += await self.late.retry(
                    client,
                    keys_arrived(response),
                    lambda room, events: self._dispatch_room(client, room, events, dispatch),
                )
        else:
            for room_id in response.rooms.join:
                self._sender.synced_room(room_id)
        await self._state.save_next_batch(response.next_batch)
        self._since = response.next_batch
        if self.checks is not None:
            await self.checks.after_sync(client)
        return dispatched

    # ---------------------------------------------------------------- rooms

    async def _accept_invites(self, client: AsyncClient, response: SyncResponse) -> None:
        """Join every room the bot is invited to; an `is_direct` invite makes it the inviter's private room."""
        for room_id, info in response.rooms.invite.items():
            mine = [e for e in info.invite_state if isinstance(e, InviteMemberEvent) and e.state_key == client.user_id]
            invite = mine[-1] if mine else None
            joined = await client.join(room_id)
            if isinstance(joined, JoinError):
                raise_for(joined)  # a 5xx stops the round (replayed later); a 4xx means the invite is gone
                continue
            log.info("matrix joined room=%s", room_id)
            if invite is not None and invite.content.get("is_direct") and invite.sender != client.user_id:
                await self._state.set_dm_room(invite.sender, room_id, "invite")
                await mark_direct(client, invite.sender, room_id)

    async def _left_room(self, room_id: str, events: list[Event]) -> None:
        """The bot left or was removed: a private room stops being the person's private chat."""
        members = [e for e in events if isinstance(e, RoomMemberEvent)]
        people = {e.sender for e in members} | {e.state_key for e in members}
        people.discard(self._session.user_id)
        for person in people:
            await self._state.forget_dm_room(person, room_id)

    async def chat_for(self, room_id: str, person: str) -> ChatRef:
        """A room as the core sees it: the person's private chat, or a group chat."""
        cached = self._chats.get((room_id, person))
        if cached is not None:
            return cached
        chat = ChatRef(PLATFORM, room_id, "group")
        dm_room, direct = await self._state.dm_room_and_flag(person, room_id)  # one read per person and room
        if dm_room == room_id:
            chat = ChatRef(PLATFORM, person, "dm")
        elif direct:
            client = self._session.client
            room = client.rooms.get(room_id) if client else None
            others = {user for user in (room.users if room else {}) if user != self._session.user_id}
            if others <= {person}:
                await self._state.set_dm_room(person, room_id, direct)
                chat = ChatRef(PLATFORM, person, "dm")
        self._chats[(room_id, person)] = chat
        return chat

    def name_of(self, room_id: str, user_id: str) -> str:
        client = self._session.client
        room = client.rooms.get(room_id) if client else None
        user = room.users.get(user_id) if room else None
        if user is not None and user.display_name:
            return str(user.display_name)
        return user_id.split(":", 1)[0].lstrip("@")

    # ---------------------------------------------------------------- events

    async def _timeline(self, client: AsyncClient, room_id: str, timeline: Any, since: str) -> list[Event]:
        events: list[Event] = list(timeline.events)
        if timeline.limited and timeline.prev_batch and not any(is_own_join(e, client.user_id) for e in events):
            events = await self._backfill(client, room_id, timeline.prev_batch, since) + events
        joins = [index for index, event in enumerate(events) if is_own_join(event, client.user_id)]
        return events[joins[-1] + 1 :] if joins else events

    async def _backfill(self, client: AsyncClient, room_id: str, start: str, since: str) -> list[Event]:
        """The events a limited timeline left out, oldest first, back to `since` or to the bot's own join."""
        older: list[Event] = []
        while len(older) < BACKFILL_MAX:
            page = await client.room_messages(
                room_id, start, end=since, direction=MessageDirection.back, limit=BACKFILL_PAGE
            )
            if not isinstance(page, RoomMessagesResponse):
                raise_for(page)
                raise MatrixTemporaryError("back-fill failed")
            older.extend(page.chunk)
            if not page.chunk or not page.end or page.end == start:
                break
            if any(is_own_join(event, client.user_id) for event in page.chunk):
                break
            start = page.end
        else:
            log.warning("matrix back-fill stopped at %d events room=%s", BACKFILL_MAX, room_id)
        log.info("matrix back-filled %d events room=%s", len(older), room_id)
        return list(reversed(older))

    async def _dispatch_room(self, client: AsyncClient, room_id: str, events: list[Event], dispatch: Dispatch) -> int:
        translator = Translator(client.user_id, self._state, self.chat_for, self.name_of)
        count = 0
        for event in events:
            if isinstance(event, MegolmEvent):
                await self._undecryptable(client, room_id, event)
                continue
            if isinstance(event, RoomUpgradeEvent) and self.uow is not None:  # the room moved: follow it
                await follow_tombstone(client, self.uow, room_id, event.replacement_room)
                continue
            if isinstance(event, RoomMemberEvent) and event.membership in ("leave", "ban"):
                self._sender.forgetting.left(event.state_key)
                chat = await self.chat_for(room_id, event.state_key)
                if chat.is_dm:
                    await self._state.forget_dm_room(event.state_key, room_id)
            incoming = await translator.translate(room_id, event)
            if incoming is None:
                continue
            result = await dispatch(incoming)
            count += 1
            if result.duplicate:
                continue
            if self.checks is not None:
                await self.checks.after_event(client, incoming)
            if isinstance(incoming, ButtonPress) and not incoming.chat.is_dm:
                # A reaction in a room is seen by all: every press there is taken back, toast or not (a mood
                # in a check-in, a choice later kept "just for me"), as a button press is seen by nobody.
                await self._take_back(client, room_id, event)
            if result.toast:
                await self._toast(client, room_id, event, result.toast)
        return count

    async def _undecryptable(self, client: AsyncClient, room_id: str, event: MegolmEvent) -> None:
        log.warning("matrix could not decrypt kind=m.room.encrypted event=%s; asking for the key", event.event_id)
        if self.late is not None:
            await self.late.keep(room_id, event.event_id)
        with contextlib.suppress(LocalProtocolError):  # already asked for this session
            await client.request_room_key(event)

    async def _toast(self, client: AsyncClient, room_id: str, event: Event, text: str) -> None:
        """Matrix has no pop-ups: the short answer to a press in a group room goes to the presser's private
        room (his reaction is already taken back); in a private room it is a notice replying to the card."""
        person = person_of(event)
        chat = await self.chat_for(room_id, person)
        target: str | None = (event.source.get("content", {}).get("m.relates_to") or {}).get("event_id")
        to_room = room_id
        if not chat.is_dm:
            to_room, target = await self._state.dm_room(person) or "", None
            if not to_room or to_room not in client.rooms:
                return  # no private room yet: the card itself shows what changed
        tx = "magbot-toast-" + hashlib.sha256(event.event_id.encode()).hexdigest()[:32]
        try:
            response = await client.room_send(
                to_room, "m.room.message", render.notice_content(text, target), tx_id=tx, ignore_unverified_devices=True
            )
            raise_for(response)
        except Exception as exc:  # a lost toast is a lost pop-up, not a lost message
            log.warning("matrix toast not sent error=%s", type(exc).__name__)

    async def _take_back(self, client: AsyncClient, room_id: str, event: Event) -> None:
        if not isinstance(event, ReactionEvent):
            return
        try:
            raise_for(await client.room_redact(room_id, event.event_id, reason="kept private"))
        except Exception as exc:  # the bot lacks the power to redact: the reaction stays visible
            log.warning("matrix could not take back a reaction error=%s", type(exc).__name__)


async def _unless_stopped(request: Any, stop: asyncio.Event | None) -> Any:
    """Await `request`, or give up (None) as soon as `stop` is set."""
    if stop is None:
        return await request
    task = asyncio.ensure_future(request)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None
