"""What the bot may do in a Matrix group room: its power level against the room's `m.room.power_levels`.

Needed: redact (taking back reactions pressed as buttons, removing a message the group voted out), kick (a
removal the group voted for), invite (an admitted member), and sending state (the room's name and topic, and
power levels for a mute). Checked after the first sync of each start (said when what is missing changed) and
after /setup (always), through platforms/rights.py: one plain line in the room.
"""

from __future__ import annotations

from nio import AsyncClient, MatrixRoom

from magbot.core.clock import Clock
from magbot.core.events import ChatRef, Command, Incoming
from magbot.platforms.rights import set_up_chats, tell_missing
from magbot.storage.uow import UnitOfWorkFactory

HOW = "A room admin can raise my power level in the room's settings: Roles & Permissions."


def missing_powers(room: MatrixRoom, user_id: str) -> list[str]:
    levels = room.power_levels
    checks = (
        (levels.can_user_redact(user_id), "remove messages"),
        (levels.can_user_kick(user_id), "remove people"),
        (levels.can_user_invite(user_id), "invite people"),
        (levels.can_user_send_state(user_id, "m.room.power_levels"), "change permissions"),
    )
    return [words for allowed, words in checks if not allowed]


async def check_room(client: AsyncClient, uow: UnitOfWorkFactory, clock: Clock, room_id: str, *, always: bool) -> None:
    room = client.rooms.get(room_id)
    if room is None:
        return
    missing = missing_powers(room, client.user_id)
    await tell_missing(uow, clock, ChatRef("matrix", room_id, "group"), missing, HOW, always=always)


async def check_all(client: AsyncClient, uow: UnitOfWorkFactory, clock: Clock) -> None:
    """After the first sync of a start: every set-up Matrix group whose room the bot is in."""
    for room_id in await set_up_chats(uow, "matrix"):
        await check_room(client, uow, clock, room_id, always=False)


class PowerChecks:
    """The sync loop's hook: every group room once per start, and a room again right after its /setup."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock
        self._started = False

    async def after_sync(self, client: AsyncClient) -> None:
        if not self._started:
            self._started = True
            await check_all(client, self._uow, self._clock)

    async def after_event(self, client: AsyncClient, incoming: Incoming) -> None:
        if isinstance(incoming, Command) and incoming.name == "setup" and not incoming.chat.is_dm:
            await check_room(client, self._uow, self._clock, incoming.chat.chat_id, always=True)
