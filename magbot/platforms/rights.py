"""What the bot may do in a group, told in one plain line when something it needs is missing (both platforms).

Each platform works out which of its rights are missing (telegram/rights.py, matrix/rights.py); this module
words the line and queues it in the group through the outbox, like any other message. At start the line is
said only when what is missing changed since it was last said (`<platform>:rights:<chat>:told` in
`platform_state`), so a restart does not repeat it; at /setup it is always said.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from magbot.core.clock import Clock
from magbot.core.events import ChatRef, Post
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


def missing_line(missing: Sequence[str], how: str) -> str:
    """One plain line: what is missing, and who can fix it where."""
    return f"I can't do everything the group decides here: I need the right to {_words(missing)}. {how}"


def _words(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


async def tell_missing(
    uow: UnitOfWorkFactory, clock: Clock, chat: ChatRef, missing: Sequence[str], how: str, *, always: bool
) -> bool:
    """Queue the line in `chat` if something is missing (and, unless `always`, it changed); True if queued."""
    key = f"{chat.platform}:rights:{chat.chat_id}:told"
    told = ",".join(missing)
    async with uow() as u:
        before = await u.state.get(key)
        if before == told and not always:
            return False
        await u.state.put(key, told)
        if not missing:
            return False
        await u.outbox.add([Post(chat, missing_line(missing, how))], clock.now())
    log.info("%s rights missing in a group: %s", chat.platform, told)
    return True


async def set_up_chats(uow: UnitOfWorkFactory, platform: str) -> list[str]:
    """Every set-up group's chat on `platform`: what a start's check goes through."""
    async with uow() as u:
        return [g.chat_id for g in await u.groups.all_set_up() if g.platform == platform]
