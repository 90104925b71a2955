"""A member who erased himself (/forgetme): his devices' keys go from the bot's encryption store.

nio keeps, per device of everyone it shared an encrypted room with, the device's id and public keys
(`DeviceKeys`, `Keys`, `DeviceTrustState`), the Olm sessions with it (`OlmSessions`) and the group sessions it
sent (`MegolmInboundSessions`, `ForwardedChains`: these decrypt his old messages on the homeserver). nio has no
call to delete a device, so the rows go through nio's own store models (its database, under its binding), and
the machine then reloads its in-memory stores from the store (`OlmMachine.load`).

/forgetme's kick from the group room goes in another chat's queue than the goodbye that lets his private chat
go (`CloseChat`, where this starts), so it may come back in a sync later. Until it has, nio still has him on
the room's member list, and any sync or member list from the server would have it ask for his devices again:
he is taken off nio's lists at once, and dropped again after each sync (`Forgetting.after_sync`) until his leave
is seen (`Forgetting.left`). Only in memory: a restart in between could let his device keys back in.
"""

from __future__ import annotations

import logging

from nio import AsyncClient
from nio.store.models import DeviceKeys, DeviceTrustState, Keys, MegolmInboundSessions, OlmSessions

log = logging.getLogger(__name__)


class Forgetting:
    """Who erased himself and may still be on a room's member list (user ids, this process only)."""

    def __init__(self) -> None:
        self._waiting: set[str] = set()

    def start(self, client: AsyncClient, user_id: str, private_room: str | None) -> None:
        """His private chat is let go: his devices go now, and again after syncs while a kick is on its way."""
        if _off_member_lists(client, user_id, private_room):
            self._waiting.add(user_id)
        forget_devices(client, user_id)

    def after_sync(self, client: AsyncClient) -> None:
        for user_id in self._waiting:
            _off_member_lists(client, user_id, None)
            forget_devices(client, user_id)

    def left(self, user_id: str) -> None:
        """A sync showed him leave a room (the kick came back): nothing brings his devices back any more."""
        self._waiting.discard(user_id)


def _off_member_lists(client: AsyncClient, user_id: str, private_room: str | None) -> bool:
    """Takes him off every room's member list in nio; whether he was on one other than `private_room`."""
    was_on = False
    for room_id, room in client.rooms.items():
        if user_id in room.users or user_id in room.invited_users:
            was_on = was_on or room_id != private_room
            room.remove_member(user_id)
    return was_on


def forget_devices(client: AsyncClient, user_id: str) -> int:
    """Drop what the store holds of `user_id`'s devices; returns how many devices went."""
    olm, store = client.olm, client.store
    if olm is None or store is None or user_id == client.user_id:
        return 0
    devices = list(olm.device_store.active_user_devices(user_id))
    senders = [d.curve25519 for d in devices if d.curve25519]
    with store.database.bind_ctx(store.models), store.database.atomic():
        his_devices = DeviceKeys.select(DeviceKeys.id).where(DeviceKeys.user_id == user_id)
        for model in (Keys, DeviceTrustState):  # no cascade on these (the trust table is not in every store)
            if model in store.models:
                model.delete().where(model.device.in_(his_devices)).execute()
        gone = int(DeviceKeys.delete().where(DeviceKeys.user_id == user_id).execute())
        if senders:  # his group sessions' forwarding chains cascade
            OlmSessions.delete().where(OlmSessions.sender_key.in_(senders)).execute()
            MegolmInboundSessions.delete().where(MegolmInboundSessions.sender_key.in_(senders)).execute()
    if gone or senders:
        olm.load()
        log.info("matrix forgot a member's devices count=%d", gone)
    olm.tracked_users.discard(user_id)
    olm.users_for_key_query.discard(user_id)
    return gone
