"""Rooms as Element shows them: private rooms marked in `m.direct`, and upgraded rooms followed.

- `m.direct` (the bot's account data) maps each person to his private rooms with the bot, so Element lists
  them as direct messages, not as unnamed rooms. Marked when the bot opens one or accepts an `is_direct`
  invite. nio has no call to write account data, so this is a plain PUT through `AsyncClient.send`.
- A room upgraded to a newer version ends with an `m.room.tombstone` naming its replacement: the bot joins
  the new room and what it keeps for the old one (the group's room id, queued messages, a guided question's
  step, the person's private room) moves there. Cards stay where they were posted: the old room keeps its
  messages, and new ones go to the new room.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from urllib.parse import quote

from nio import AsyncClient, DirectRoomsResponse, JoinError
from sqlalchemy import select, update

from magbot.storage import codec
from magbot.storage.models import GroupRow, OutboxRow, PendingInputRow
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
CLIENT_API = "/_matrix/client/v3"


async def mark_direct(client: AsyncClient, person: str, room_id: str) -> None:
    """Add `room_id` to the bot's `m.direct` for `person` (a failure costs only how Element lists the room)."""
    listed = await client.list_direct_rooms()
    rooms: dict[str, list[str]] = dict(listed.rooms) if isinstance(listed, DirectRoomsResponse) else {}
    if room_id in rooms.get(person, []):
        return
    rooms[person] = [*rooms.get(person, []), room_id]
    path = f"{CLIENT_API}/user/{quote(client.user_id, safe='')}/account_data/m.direct"
    headers = {"Authorization": f"Bearer {client.access_token}", "Content-Type": "application/json"}
    try:
        response = await client.send("PUT", path, json.dumps(rooms), headers=headers)
        ok = response.status == 200
        response.release()
    except Exception as exc:  # the homeserver is away: the room still works, only its listing differs
        log.warning("matrix m.direct not updated error=%s", type(exc).__name__)
        return
    if not ok:
        log.warning("matrix m.direct not updated status=%d", response.status)


async def follow_tombstone(client: AsyncClient, uow: UnitOfWorkFactory, old: str, new: str) -> bool:
    """Join `new` and move what the bot keeps for room `old` to it; False if the new room cannot be joined."""
    if not new or new == old:
        return False
    joined = await client.join(new)
    if isinstance(joined, JoinError):
        log.warning("matrix could not follow an upgraded room status=%s", joined.status_code)
        return False
    async with uow() as u:
        await u.session.execute(
            update(GroupRow).where(GroupRow.platform == "matrix", GroupRow.chat_id == old).values(chat_id=new)
        )
        await u.session.execute(update(PendingInputRow).where(PendingInputRow.chat_id == old).values(chat_id=new))
        rows = await u.session.scalars(
            select(OutboxRow).where(OutboxRow.platform == "matrix", OutboxRow.chat_id == old)
        )
        for row in rows:
            message = codec.decode(row.payload)
            moved = dataclasses.replace(message, chat=dataclasses.replace(message.chat, chat_id=new))
            row.payload, row.chat_id = codec.encode(moved), new
        for key in await u.state.keys("mx:dm:"):
            if await u.state.get(key) == old:
                await u.state.put(key, new)
        flag = await u.state.get(f"mx:direct:{old}")
        if flag is not None:
            await u.state.put(f"mx:direct:{new}", flag)
    log.info("matrix room upgraded; followed to the new room")
    return True
