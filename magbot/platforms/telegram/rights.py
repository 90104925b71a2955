"""What the bot may do in a Telegram group: its admin rights (getChatMember of itself), privacy mode (getMe's
`can_read_all_group_messages`) and whether the group has topics; checked at start and at /setup.

Needed: delete messages (moderation, taking back a card), ban users (a removal the group voted for; Telegram's
"restrict" right), invite users via link (join requests, approved after a vote), and in a group with topics,
manage topics (a thread of its own per offload or activity). A bot that is not an admin sees only commands
while privacy mode is on, so members' plain replies (a guided question's answer) would never reach it.
"""

from __future__ import annotations

import logging

from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from magbot.core.clock import Clock
from magbot.core.events import ChatRef
from magbot.platforms.rights import set_up_chats, tell_missing
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

RIGHTS = (
    ("can_delete_messages", "delete messages"),
    ("can_restrict_members", "ban users"),
    ("can_invite_users", "invite users via link"),
)
TOPICS = ("can_manage_topics", "manage topics")
HOW = "A group admin can give it in the group's settings: Administrators, then me."
READ_ALL = "see members' messages (make me an admin, or turn off my privacy mode with @BotFather)"


async def missing_rights(bot: Bot, chat_id: str) -> list[str]:
    """The rights the bot lacks in this group, in plain words (empty when all is well)."""
    await bot.initialize()
    me = await bot.get_chat_member(int(chat_id), bot.id)
    chat = await bot.get_chat(int(chat_id))
    if isinstance(me, ChatMemberOwner):
        return []
    if not isinstance(me, ChatMemberAdministrator):
        words = [words for _, words in RIGHTS]
        if not bot.bot.can_read_all_group_messages:
            words.insert(0, READ_ALL)
        return words
    needed = [*RIGHTS, TOPICS] if chat.is_forum else list(RIGHTS)
    return [words for name, words in needed if not getattr(me, name, False)]


async def check_group(bot: Bot, uow: UnitOfWorkFactory, clock: Clock, chat_id: str, *, always: bool) -> None:
    """Tell the group what is missing (at start only if it changed); a failed check is logged, not fatal."""
    try:
        missing = await missing_rights(bot, chat_id)
    except (TelegramError, ValueError) as exc:  # left the group, or Telegram is away: the next start checks again
        log.warning("telegram rights not checked error=%s", type(exc).__name__)
        return
    await tell_missing(uow, clock, ChatRef("telegram", chat_id, "group"), missing, HOW, always=always)


async def check_all(bot: Bot, uow: UnitOfWorkFactory, clock: Clock) -> None:
    """At start: every set-up Telegram group."""
    for chat_id in await set_up_chats(uow, "telegram"):
        await check_group(bot, uow, clock, chat_id, always=False)
