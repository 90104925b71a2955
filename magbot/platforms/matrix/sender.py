"""Outgoing -> Matrix room events, one outbox row at a time (the `Sender` protocol).

Every event is sent with `tx_id = magbot-<outbox id>-<nonce>[-suffix]` (see state.py `mx:tx:`): a retry of the
same row reuses it, and Synapse answers with the event it already has, so nothing is posted twice (per device;
the bot keeps one device). Only a crash between a completed send and the outbox marking it done can repeat one.

- Post: `m.room.message` (render.message_content), then one `m.reaction` per button from the bot itself;
  `start_thread` makes the message a thread root, `thread` puts it inside one (`m.thread`); `spoiler` becomes
  `data-mx-spoiler`; `protect` has no Matrix equivalent (clients can always forward) and is ignored.
  A `secret_ballot` in a group room gets no reactions (everyone sees who reacted with what), only a link to
  the private chat, where the member's own ballot is.
- Edit: `m.replace`; reactions are added or redacted when the buttons changed.  Delete: redaction.
- NativePoll / ClosePoll: `m.poll.start` / `m.poll.end` (with MSC3381 fallbacks).  File: upload (encrypted in an
  encrypted room), then `m.file`/`m.image`, after the caption.
- ApproveJoin: invite the knocking person.  DeclineJoin, Remove: kick (politely).  Mute: power level -1 for the
  person, below `events_default` (0), so the server refuses his messages and reactions; Matrix has no timed mute,
  so the bot's own mute-end job sends Unmute at `until`, which takes his entry out again (back to `users_default`:
  members hold no level of their own, the bot being the group's only admin).
- A private chat is addressed by the person's user id; the first message opens (and remembers) an encrypted
  direct room with him. Until he accepts the invite, messages wait in the room; he reads them once he joins.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    LocalProtocolError,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomPreset,
)
from nio.crypto.attachments import encrypt_attachment

from magbot.core.context import open_dm_button
from magbot.core.delivery import Places, RatePolicy, RetryLater, Undeliverable
from magbot.core.events import (
    ApproveJoin,
    CloseChat,
    ClosePoll,
    DeclineJoin,
    Delete,
    Edit,
    File,
    Mute,
    NativePoll,
    Outgoing,
    Post,
    Remove,
    Unmute,
)
from magbot.core.records import CardPlace
from magbot.platforms.matrix import render
from magbot.platforms.matrix.forget_keys import Forgetting
from magbot.platforms.matrix.rooms import mark_direct
from magbot.platforms.matrix.session import MatrixSession, raise_for
from magbot.platforms.matrix.state import MatrixState
from magbot.storage.codec import encode

log = logging.getLogger(__name__)

ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
DECLINE_REASON = "Thank you for your interest. The group decided not to add new members this time."
REMOVE_REASON = "You have left the group. All the best."
MUTED_LEVEL = -1  # below events_default (0): the server refuses his messages and reactions in the room
VOTE_PRIVATELY = "Vote in our private chat with me"


class MatrixSender:
    platform = "matrix"
    rate = RatePolicy()  # Synapse says when to slow down (M_LIMIT_EXCEEDED -> RetryLater)

    def __init__(self, session: MatrixSession, state: MatrixState) -> None:
        self._session, self._state = session, state
        self._created: set[str] = set()  # DM rooms made by this process that the sync has not shown yet
        self.forgetting = Forgetting()  # who erased himself: his devices' keys go (forget_keys.py)

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        client = await self._session.start()
        if isinstance(message, CloseChat):
            await self._leave_private_room(client, message.chat.chat_id)
            return None
        room_id = await self.room_for(client, message)
        fingerprint = hashlib.sha256(encode(message).encode()).hexdigest()[:16]
        tx = await self._state.tx_base(outbox_id, fingerprint)
        try:
            landed = await self._deliver(client, room_id, tx, message, places)
        except Undeliverable:
            await self._state.tx_done(outbox_id)  # the outbox drops the row
            raise
        return landed  # the txn base stays until the row is deleted (see MatrixState.tx_base)

    async def _deliver(
        self, client: AsyncClient, room_id: str, tx: str, message: Outgoing, places: Places
    ) -> CardPlace | None:
        dm = message.chat.is_dm
        if isinstance(message, Post):
            return await self._post(client, room_id, tx, message, places, dm)
        if isinstance(message, Edit):
            await self._edit(client, room_id, tx, message, places, dm)
        elif isinstance(message, Delete):
            target = places.card.message_id if places.card else message.message_id
            if not target:
                raise Undeliverable("the card to delete is not known")
            raise_for(await client.room_redact(room_id, target, tx_id=tx), dm=dm)
            await self._state.forget_card(target)
        elif isinstance(message, NativePoll):
            content, answers = render.poll_start_content(
                message.question, message.options, message.multi, message.anonymous
            )
            event_id = await self._send(client, room_id, render.POLL_START, content, tx, dm)
            await self._state.save_poll(event_id, message.card, answers)
            return CardPlace(event_id, None)
        elif isinstance(message, ClosePoll):
            if places.card is None:
                raise Undeliverable("the poll to close is not known")
            await self._send(client, room_id, render.POLL_END, render.poll_end_content(places.card.message_id), tx, dm)
        elif isinstance(message, File):
            await self._file(client, room_id, tx, message, dm)
        elif isinstance(message, ApproveJoin):
            raise_for(await client.room_invite(room_id, message.user_id))
        elif isinstance(message, DeclineJoin):
            raise_for(await client.room_kick(room_id, message.user_id, reason=DECLINE_REASON))
        elif isinstance(message, Remove):
            raise_for(await client.room_kick(room_id, message.user_id, reason=REMOVE_REASON))
        elif isinstance(message, Mute):
            await self._set_level(client, room_id, message.user_id, MUTED_LEVEL)
        elif isinstance(message, Unmute):
            await self._set_level(client, room_id, message.user_id, None)
        else:
            raise Undeliverable(f"matrix cannot send {type(message).__name__}")
        return None

    # ---------------------------------------------------------------- rooms

    async def room_for(self, client: AsyncClient, message: Outgoing) -> str:
        """The room to send to: a group's room id, or the person's private room (opened on first use)."""
        chat = message.chat
        if not (chat.is_dm and chat.chat_id.startswith("@")):
            return chat.chat_id
        user = chat.chat_id
        room_id = await self._state.dm_room(user)
        if room_id is not None:
            room = client.rooms.get(room_id)
            if room is None and (room_id in self._created or room_id in client.invited_rooms):
                raise RetryLater(1.0, "private room not synced yet")
            if room is None and not self._session.synced:
                raise RetryLater(1.0, "first sync still running")
            if room is not None and user in room.users:
                return room_id
            await self._state.forget_dm_room(user, room_id)  # he left, or the bot is not in it any more
        created = await client.room_create(
            is_direct=True, invite=[user], preset=RoomPreset.trusted_private_chat, initial_state=[ENCRYPTION]
        )
        raise_for(created, dm=True)
        assert isinstance(created, RoomCreateResponse)
        await self._state.set_dm_room(user, created.room_id, "bot")
        await mark_direct(client, user, created.room_id)
        self._created.add(created.room_id)
        log.info("matrix opened a private room room=%s", created.room_id)
        raise RetryLater(1.0, "private room created; waiting for the sync to show it")

    async def _leave_private_room(self, client: AsyncClient, user: str) -> None:
        """Someone erased himself: the bot leaves his private room (the outbox then erases the room's key) and
        forgets his devices' keys (forget_keys.py)."""
        room_id = await self._state.dm_room(user)
        if room_id is not None:
            left = await client.room_leave(room_id)
            if isinstance(left, ErrorResponse):  # already gone: nothing more to let go of
                log.info("matrix could not leave a private room error=%s", type(left).__name__)
        self.forgetting.start(client, user, room_id)

    def synced_room(self, room_id: str) -> None:
        """The sync loop saw this room: messages to it may go now."""
        self._created.discard(room_id)

    async def _send(
        self, client: AsyncClient, room_id: str, kind: str, content: dict[str, Any], tx: str, dm: bool
    ) -> str:
        try:
            response = await client.room_send(room_id, kind, content, tx_id=tx, ignore_unverified_devices=True)
        except LocalProtocolError as exc:  # nio does not know the room (yet)
            if room_id in client.invited_rooms or not self._session.synced:
                raise RetryLater(1.0, "room not synced yet") from exc
            raise Undeliverable("the bot is not in this room") from exc
        raise_for(response, dm=dm)
        return str(response.event_id)

    # ---------------------------------------------------------------- messages and cards

    async def _post(
        self, client: AsyncClient, room_id: str, tx: str, message: Post, places: Places, dm: bool
    ) -> CardPlace:
        buttons = message.buttons
        if message.secret_ballot and not dm:
            buttons = (open_dm_button(VOTE_PRIVATELY),)
        content = render.message_content(message.text, buttons, client.user_id, message.spoiler)
        root = _thread_root(message, places)
        if root:
            content = render.in_thread(content, root)
        event_id = await self._send(client, room_id, "m.room.message", content, tx, dm)
        reactions = await self._react(client, room_id, event_id, list(render.button_map(buttons)), tx, dm)
        if reactions:
            await self._state.save_card(event_id, render.button_map(buttons), reactions)
        return CardPlace(event_id, event_id if message.start_thread else root)

    async def _react(
        self, client: AsyncClient, room_id: str, event_id: str, labels: list[str], tx: str, dm: bool, start: int = 0
    ) -> dict[str, str]:
        reactions: dict[str, str] = {}
        for index, label in enumerate(labels, start):
            content = render.reaction_content(event_id, label)
            reactions[label] = await self._send(client, room_id, "m.reaction", content, f"{tx}-r{index}", dm)
        return reactions

    async def _edit(self, client: AsyncClient, room_id: str, tx: str, message: Edit, places: Places, dm: bool) -> None:
        if places.card is None:
            raise Undeliverable("the card to edit is not known")
        card = places.card.message_id
        new = render.message_content(message.text, message.buttons, client.user_id)
        await self._send(client, room_id, "m.room.message", render.edit_content(card, new), tx, dm)
        wanted = render.button_map(message.buttons)
        reactions = await self._state.card_reactions(card)
        if wanted == await self._state.card_buttons(card) and set(reactions) == set(wanted):
            return
        for index, label in enumerate(sorted(set(reactions) - set(wanted))):
            raise_for(await client.room_redact(room_id, reactions.pop(label), tx_id=f"{tx}-x{index}"), dm=dm)
        missing = [label for label in wanted if label not in reactions]
        reactions.update(await self._react(client, room_id, card, missing, tx, dm))
        await self._state.save_card(card, wanted, reactions)

    async def _file(self, client: AsyncClient, room_id: str, tx: str, message: File, dm: bool) -> None:
        if message.caption:
            await self._send(
                client, room_id, "m.room.message", {"msgtype": "m.text", "body": message.caption}, f"{tx}-c", dm
            )
        room = client.rooms.get(room_id)
        encrypted = room is not None and room.encrypted
        data, keys = encrypt_attachment(message.data) if encrypted else (message.data, None)
        uploaded, _ = await client.upload(
            lambda _limited, _timeouts: data,
            content_type="application/octet-stream" if encrypted else message.mime,
            filename=message.name,
            filesize=len(data),
        )
        raise_for(uploaded, dm=dm)
        url = str(uploaded.content_uri)
        file_info = {**keys, "url": url, "mimetype": message.mime} if keys is not None else None
        content = render.file_content(message.name, message.mime, len(message.data), url, file_info)
        await self._send(client, room_id, "m.room.message", content, tx, dm)

    async def _set_level(self, client: AsyncClient, room_id: str, user_id: str, level: int | None) -> None:
        """His power level in the room: `level`, or (None) his muted entry taken out; no event if nothing changes."""
        current = await client.room_get_state_event(room_id, "m.room.power_levels")
        raise_for(current)
        assert isinstance(current, RoomGetStateEventResponse)
        levels = dict(current.content)
        users = dict(levels.get("users", {}))
        if level is not None:
            users[user_id] = level
        elif users.get(user_id) == MUTED_LEVEL:
            del users[user_id]
        if users == levels.get("users", {}):
            return  # a retried row, already done
        raise_for(await client.room_put_state(room_id, "m.room.power_levels", {**levels, "users": users}))


def _thread_root(message: Post, places: Places) -> str | None:
    """The thread's root event: from the thread card, or the event id an incoming message carried."""
    if places.thread is not None:
        return places.thread.thread_id or places.thread.message_id
    return message.platform_thread
