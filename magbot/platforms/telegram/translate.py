"""Telegram Update -> Incoming: the receiving half of the translation, pure and synchronous.

Every Incoming gets a natural key, so a redelivered update is handled once by the dispatcher:
`tg:<chat_id>:<message_id>` for messages, `tg:cb:<callback_query_id>` for button presses,
`tg:poll:<poll_id>:<user_id>:<update_id>` for poll answers, `tg:join:<chat_id>:<user_id>:<date>` for join
requests and `tg:u:<update_id>` for the rest. Edited messages, channel posts, messages from bots and from
anonymous admins are ignored (None): we cannot tell who wrote them, and a bot must not answer bots.
"""

from __future__ import annotations

import re
from datetime import datetime

from telegram import CallbackQuery, ChatMember, ChatMemberUpdated, Message, Update, User
from telegram import Chat as TgChat

from magbot.core.events import (
    BotBlocked,
    ButtonPress,
    ChatRef,
    Command,
    Incoming,
    JoinRequest,
    MemberJoined,
    MemberLeft,
    MessageRef,
    PollVote,
    Text,
    UserRef,
)
from magbot.core.wire import parse_poll_option
from magbot.platforms.telegram.state import PollOrigin

PLATFORM = "telegram"
ALLOWED_UPDATES = (
    "message",
    "callback_query",
    "poll_answer",
    "poll",  # a poll's new state: how a resent poll's first copy is recognised (poll_copies.py)
    "chat_join_request",
    "chat_member",
    "my_chat_member",
)
COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)
IN_CHAT = (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER)


def chat_ref(chat: TgChat) -> ChatRef | None:
    """Private chats are DMs; groups and supergroups are groups; channels are not ours to serve."""
    if chat.type == TgChat.PRIVATE:
        return ChatRef(PLATFORM, str(chat.id), "dm")
    if chat.type in (TgChat.GROUP, TgChat.SUPERGROUP):
        return ChatRef(PLATFORM, str(chat.id), "group")
    return None


def user_ref(user: User) -> UserRef:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return UserRef(PLATFORM, str(user.id), name)


def parse_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """`/name@bot args` -> (name, args). None for plain text, or a command addressed to another bot."""
    match = COMMAND.match(text.strip())
    if not match:
        return None
    addressed_to = match[2]
    if addressed_to and bot_username and addressed_to.lower() != bot_username.lower():
        return None
    return match[1].lower(), (match[3] or "").strip()


def is_command_for_other_bot(text: str, bot_username: str) -> bool:
    match = COMMAND.match(text.strip())
    return bool(match and match[2] and bot_username and match[2].lower() != bot_username.lower())


def translate(update: Update, bot_username: str, now: datetime, poll: PollOrigin | None = None) -> Incoming | None:
    """The Incoming for one update, or None when the bot has nothing to do with it.

    `poll` is where the answered poll was sent (looked up by the caller); without it a poll answer is ignored.
    """
    if update.message is not None:
        return _message(update.message, bot_username)
    if update.callback_query is not None:
        return _callback(update.callback_query, now)
    if update.poll_answer is not None:
        answer = update.poll_answer
        if answer.user is None or poll is None:  # an anonymous admin, or a poll we did not send
            return None
        key = f"tg:poll:{answer.poll_id}:{answer.user.id}:{update.update_id}"
        chat = ChatRef(PLATFORM, poll.chat_id, poll.kind)
        return PollVote(key, chat, user_ref(answer.user), now, poll_id=poll.card, option_ids=tuple(answer.option_ids))
    if update.chat_join_request is not None:
        request = update.chat_join_request
        asked_in = chat_ref(request.chat)
        if asked_in is None:
            return None
        key = f"tg:join:{request.chat.id}:{request.from_user.id}:{int(request.date.timestamp())}"
        return JoinRequest(key, asked_in, user_ref(request.from_user), request.date)
    if update.chat_member is not None:
        return _membership_change(update.update_id, update.chat_member)
    if update.my_chat_member is not None:
        return _bot_status(update.update_id, update.my_chat_member)
    return None  # edited messages, channel posts, anything else


def _message(message: Message, bot_username: str) -> Incoming | None:
    chat, sender = chat_ref(message.chat), message.from_user
    left = message.left_chat_member
    if chat is not None and not chat.is_dm and left is not None and not left.is_bot:
        # The service message of a leave (also when chat_member updates are not delivered); a second word of
        # the same leave finds him already off the member list.
        return MemberLeft(f"tg:{message.chat.id}:{message.message_id}", chat, user_ref(left), message.date)
    if chat is None or sender is None or sender.is_bot or message.sender_chat is not None:
        return None
    body = message.text if message.text is not None else message.caption
    if body is None:  # service messages, stickers, photos without a caption
        return None
    key = f"tg:{message.chat.id}:{message.message_id}"
    thread = str(message.message_thread_id) if message.message_thread_id else None
    reply_to = _reply_to(message, chat)
    user, at, message_id = user_ref(sender), message.date, str(message.message_id)
    if message.text is not None:
        if is_command_for_other_bot(body, bot_username):
            return None
        command = parse_command(body, bot_username)
        if command is not None:
            name, args = command
            return Command(
                key,
                chat,
                user,
                at,
                name=name,
                args=args,
                reply_to=reply_to,
                thread=thread,
                message_id=message_id,
            )
    return Text(key, chat, user, at, text=body, reply_to=reply_to, thread=thread, message_id=message_id)


def _reply_to(message: Message, chat: ChatRef) -> MessageRef | None:
    replied = message.reply_to_message
    if replied is None:
        return None
    # In a forum topic every message "replies" to the topic's creation notice; that is not a reply.
    if replied.forum_topic_created is not None or (
        message.is_topic_message and replied.message_id == message.message_thread_id
    ):
        return None
    return MessageRef(chat, str(replied.message_id))


def _callback(query: CallbackQuery, now: datetime) -> Incoming | None:
    message = query.message  # None for inline-mode messages, which we do not use
    if message is None or query.data is None:
        return None
    chat = chat_ref(message.chat)
    if chat is None:
        return None
    if (vote := parse_poll_option(query.data)) is not None:  # an anonymous poll's answer button
        card, index = vote
        return PollVote(f"tg:cb:{query.id}", chat, user_ref(query.from_user), now, card, (index,), toggle=True)
    return ButtonPress(
        f"tg:cb:{query.id}",
        chat,
        user_ref(query.from_user),
        now,
        data=query.data,
        message_id=str(message.message_id),
        callback_id=query.id,
    )


def _is_in(member: ChatMember) -> bool:
    if member.status in IN_CHAT:
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))


def _membership_change(update_id: int, change: ChatMemberUpdated) -> Incoming | None:
    chat = chat_ref(change.chat)
    if chat is None or chat.is_dm:
        return None
    was_in, is_in = _is_in(change.old_chat_member), _is_in(change.new_chat_member)
    person = change.new_chat_member.user
    if person.is_bot or was_in == is_in:
        return None
    kind = MemberJoined if is_in else MemberLeft
    return kind(f"tg:u:{update_id}", chat, user_ref(person), change.date)


def _bot_status(update_id: int, change: ChatMemberUpdated) -> Incoming | None:
    """The bot's own membership: in a private chat, `kicked` means the person blocked the bot."""
    chat = chat_ref(change.chat)
    if chat is None or not chat.is_dm or change.new_chat_member.status != ChatMember.BANNED:
        return None
    return BotBlocked(f"tg:u:{update_id}", chat, user_ref(change.from_user), change.date)
