"""A basic group Telegram upgraded to a supergroup: everything the bot keeps follows it to the new chat id.

Telegram upgrades a group when someone turns on topics, join requests or visible history: the chat gets a new
id, the old one refuses sends ("group chat was upgraded", with `migrate_to_chat_id`) and two service messages
come (`migrate_to_chat_id` in the old chat, `migrate_from_chat_id` in the new one). Whichever the bot sees
first (or a refused send) moves, in one transaction: the group row (so its members, settings, decisions and
scheduled posts, all keyed by the group, follow), its outbox rows, its cards, guided-flow steps and poll
bookkeeping. Doing it again finds nothing left to move, so a redelivered update is harmless.

The old chat keeps its messages, and the bot may still edit and delete them there (Telegram's supergroup
message ids start afresh, so an old id must never be used in the new chat). A moved card therefore keeps
where it really is: its message id becomes `<id>@<old chat id>`, read by `locate`. Members may still press
buttons or reply under those old messages: `Upgrades.follow` turns such an event into one of the new chat,
its message ids marked the same way, so it finds its group and its card; a reply chain under an
old message cannot go on in the new chat, so later replies there come as plain posts.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from sqlalchemy import delete, select, update

from magbot.core.events import Incoming, MessageRef
from magbot.storage import codec
from magbot.storage.models import CardRow, GroupRow, OutboxRow, PendingInputRow, PlatformStateRow
from magbot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
PLATFORM = "telegram"
ELSEWHERE = "@"  # in a moved card's message id: "<message id>@<chat id it lives in>"


def locate(chat_id: str, message_id: str) -> tuple[str, int]:
    """The chat and message id where a card's message really is (a card moved by an upgrade stays behind)."""
    number, _, chat = message_id.partition(ELSEWHERE)
    return (chat or chat_id), int(number)


def _upgraded_key(old: str) -> str:
    return f"tg:upgraded:{old}:to"


class Upgrades:
    """Which old chats became which new ones (kept in `platform_state`, read once, then from memory)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._moved: dict[str, str] | None = None

    async def new_chat(self, old: str) -> str | None:
        if self._moved is None:
            async with self._uow() as u:
                keys = await u.state.keys("tg:upgraded:")
                self._moved = {key.split(":")[2]: await u.state.get(key) or "" for key in keys}
        return self._moved.get(old) or None

    async def upgraded(self, old: str, new: str) -> None:
        await follow_upgrade(self._uow, old, new)
        if self._moved is not None:
            self._moved[old] = new

    async def follow(self, incoming: Incoming) -> Incoming:
        """An event from an upgraded group's old chat, as one of the new chat (its message ids marked)."""
        chat = incoming.chat
        new = await self.new_chat(chat.chat_id) if chat.platform == PLATFORM and not chat.is_dm else None
        if new is None:
            return incoming
        changes: dict[str, object] = {"chat": dataclasses.replace(chat, chat_id=new)}
        if message_id := getattr(incoming, "message_id", ""):
            changes["message_id"] = f"{message_id}{ELSEWHERE}{chat.chat_id}"
        reply = getattr(incoming, "reply_to", None)
        if isinstance(reply, MessageRef):
            changes["reply_to"] = MessageRef(changes["chat"], f"{reply.message_id}{ELSEWHERE}{chat.chat_id}")  # type: ignore[arg-type]
        return dataclasses.replace(incoming, **changes)  # type: ignore[arg-type]


async def follow_upgrade(uow: UnitOfWorkFactory, old: str, new: str) -> bool:
    """Move what the bot keeps for chat `old` to chat `new`; True if anything moved."""
    if old == new:
        return False
    async with uow() as u:
        await u.state.put(_upgraded_key(old), new)
        moved = await _move_group(u, old, new)
        moved = await _move_outbox(u, old, new) or moved
        moved = await _move_cards(u, old, new) or moved
        await u.session.execute(update(PendingInputRow).where(PendingInputRow.chat_id == old).values(chat_id=new))
        await _move_state(u, old, new)
    if moved:
        log.info("telegram group upgraded; moved to the new chat id")
    return moved


async def _move_group(u: UnitOfWork, old: str, new: str) -> bool:
    rows = (
        await u.session.execute(select(GroupRow).where(GroupRow.platform == PLATFORM, GroupRow.chat_id.in_([old, new])))
    ).scalars()
    by_chat = {row.chat_id: row for row in rows}
    if old not in by_chat:
        return False
    if new in by_chat:  # seen in the new chat before the upgrade notice: that row is only a first sight
        stray = by_chat[new]
        if stray.setup_at is not None:
            log.warning("telegram upgrade not followed: the new chat is already a set-up group")
            return False
        await u.session.execute(delete(GroupRow).where(GroupRow.id == stray.id))
        await u.session.flush()
    await u.session.execute(update(GroupRow).where(GroupRow.id == by_chat[old].id).values(chat_id=new))
    return True


async def _move_outbox(u: UnitOfWork, old: str, new: str) -> bool:
    rows = (
        await u.session.execute(select(OutboxRow).where(OutboxRow.platform == PLATFORM, OutboxRow.chat_id == old))
    ).scalars()
    moved = False
    for row in rows:
        message = codec.decode(row.payload)
        chat = dataclasses.replace(message.chat, chat_id=new)
        row.payload, row.chat_id, moved = codec.encode(dataclasses.replace(message, chat=chat)), new, True
    return moved


async def _move_cards(u: UnitOfWork, old: str, new: str) -> bool:
    rows = list(
        (await u.session.execute(select(CardRow).where(CardRow.platform == PLATFORM, CardRow.chat_id == old))).scalars()
    )
    for row in rows:
        chat, number = locate(old, row.message_id)
        # A reply chain under an old message cannot go on in the new chat: later replies come as plain posts.
        await u.session.execute(
            update(CardRow)
            .where(CardRow.platform == PLATFORM, CardRow.chat_id == old, CardRow.card == row.card)
            .values(chat_id=new, message_id=f"{number}{ELSEWHERE}{chat}", thread_id=None)
        )
    return bool(rows)


async def _move_state(u: UnitOfWork, old: str, new: str) -> None:
    """Button polls are keyed by chat; native polls' origins name it in their value."""
    for key in await u.state.keys(f"tg:bpoll:{old}:"):
        await u.state.put(key.replace(f"tg:bpoll:{old}:", f"tg:bpoll:{new}:", 1), "1")
        await u.session.execute(delete(PlatformStateRow).where(PlatformStateRow.key == key))
    for key in await u.state.keys("tg:poll:"):
        raw = await u.state.get(key)
        data = json.loads(raw) if raw else {}
        if str(data.get("chat")) == old:
            await u.state.put(key, json.dumps({**data, "chat": new}))
