"""The Telegram sending side: one Outgoing -> one or a few Bot API calls (implements core.delivery.Sender).

Threads: a forum supergroup gets a forum topic per new thread (CardPlace.thread_id = the topic id);
elsewhere the thread is a reply chain under the root message (thread_id = the root's message id).
Multi-step sends (topic + message, a long text in parts) record their progress per outbox row, so a
retry after a 429 or a crash continues where it stopped instead of repeating parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, ChatPermissions, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, TelegramError

from magbot.core.delivery import Places, RatePolicy, RetryLater, Undeliverable
from magbot.core.events import (
    ApproveJoin,
    Button,
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
from magbot.core.wire import poll_option_data
from magbot.platforms.telegram import render
from magbot.platforms.telegram.errors import delivery_error, is_cant_delete, is_not_modified, reason
from magbot.platforms.telegram.poll_copies import PollCopies
from magbot.platforms.telegram.state import PollOrigin, Progress, TelegramState
from magbot.platforms.telegram.upgrade import Upgrades, locate
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

TELEGRAM_RATE = RatePolicy(per_chat_interval=1.0, per_group_per_minute=20, overall_per_second=30)


@dataclass(frozen=True)
class Where:
    """Where in a chat a message goes: a forum topic, or as a reply to a thread's root message."""

    topic: int | None = None
    reply_to: int | None = None


def chat_key(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


class TelegramSender:
    platform = "telegram"

    def __init__(self, bot: Bot, uow: UnitOfWorkFactory, rate: RatePolicy | None = None) -> None:
        self.rate = rate if rate is not None else TELEGRAM_RATE
        self._bot = bot
        self._state = TelegramState(uow)
        self.upgrades = Upgrades(uow)
        self.poll_copies = PollCopies(uow, self._state)  # shared with receiving, as upgrades are
        self._forum: dict[str, bool] = {}

    def note_chat(self, chat_id: str, is_forum: bool) -> None:
        """What an incoming update told us about a chat, so sending needs no getChat."""
        self._forum[chat_id] = is_forum

    async def bot_username(self) -> str:
        await self._bot.initialize()  # getMe once; a no-op afterwards
        return self._bot.username

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        kind = type(message).__name__
        try:
            await self._bot.initialize()  # getMe once (a no-op after); also lets close() release connections
            landed = await self._send(outbox_id, message, places)
        except ChatMigrated as exc:  # sent before the upgrade notice came: follow it, then send there
            await self.upgrades.upgraded(message.chat.chat_id, str(exc.new_chat_id))
            raise RetryLater(0, "telegram group became a supergroup") from exc
        except TelegramError as exc:
            mapped = delivery_error(exc, message.chat)
            log.info(
                "telegram send failed id=%d kind=%s error=%s reason=%s",
                outbox_id,
                kind,
                type(exc).__name__,
                reason(exc),
            )
            if mapped is None:
                raise
            raise mapped from exc
        except ValueError as exc:  # an id that is not a Telegram id, or arguments PTB refuses: never better
            raise Undeliverable(f"telegram cannot send this {kind}") from exc
        log.debug("telegram sent id=%d kind=%s", outbox_id, kind)
        return landed

    async def _send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        chat = chat_key(message.chat.chat_id)
        bot = self._bot
        match message:
            case Post():
                return await self._post(outbox_id, message, places)
            case Edit():
                await self._edit(message, places)
                return None
            case Delete():
                await self._delete(message, places)
                return None
            case NativePoll():
                return await self._poll(message)
            case ClosePoll():
                await self._close_poll(message, places)
            case File():
                return await self._file(message)
            case ApproveJoin():
                await bot.approve_chat_join_request(chat, int(message.user_id))
            case DeclineJoin():
                await bot.decline_chat_join_request(chat, int(message.user_id))
            case Mute():
                await bot.restrict_chat_member(
                    chat, int(message.user_id), ChatPermissions.no_permissions(), until_date=message.until
                )
            case Unmute():  # until_date lifts it too; this makes the end exact (and harmless if already lifted)
                await bot.restrict_chat_member(chat, int(message.user_id), ChatPermissions.all_permissions())
            case Remove():  # out of the chat now, free to ask to come back later
                await bot.ban_chat_member(chat, int(message.user_id))
                await bot.unban_chat_member(chat, int(message.user_id), only_if_banned=True)
            case CloseChat():  # Telegram keeps nothing of a private chat for the bot to let go of
                return None
            case _:
                raise Undeliverable(f"telegram cannot send {type(message).__name__}")
        return None

    async def _post(self, outbox_id: int, post: Post, places: Places) -> CardPlace:
        parts = render.split_text(post.text)
        if not post.text.strip():
            raise Undeliverable("empty message")
        steps = len(parts) > 1 or post.start_thread is not None
        progress = await self._state.progress(outbox_id) if steps else Progress()
        where, thread = await self._where(post, places)
        if post.start_thread is not None:  # a new thread starts at the top level of the chat
            where = Where(topic=await self._topic(outbox_id, post, progress))
        markup = render.keyboard(post.buttons, await self.bot_username())
        for index, part in enumerate(parts):
            if index < len(progress.sent):
                continue  # sent before a retry
            last = index == len(parts) - 1
            sent = await self._send_text(post, part, where, markup if last else None)
            progress.sent.append(sent.message_id)
            if steps and not last:
                await self._state.save_progress(outbox_id, progress)
        if steps:
            await self._state.clear_progress(outbox_id)
        if post.start_thread is not None:  # a forum topic, or a reply thread under the first message
            thread = str(where.topic) if where.topic is not None else str(progress.sent[0])
        return CardPlace(str(progress.sent[-1]), thread)

    async def _send_text(self, post: Post, text: str, where: Where, markup: InlineKeyboardMarkup | None) -> Message:
        rendered = render.render_text(text, post.spoiler)
        reply = ReplyParameters(where.reply_to, allow_sending_without_reply=True) if where.reply_to else None
        return await self._bot.send_message(
            chat_key(post.chat.chat_id),
            rendered.text,
            parse_mode=rendered.parse_mode,
            reply_markup=markup,
            protect_content=post.protect,
            message_thread_id=where.topic,
            reply_parameters=reply,
        )

    async def _where(self, post: Post, places: Places) -> tuple[Where, str | None]:
        """The thread a Post goes into: its thread card, or a raw thread id from the member's message."""
        if places.thread is not None and places.thread.thread_id:
            raw, is_topic = places.thread.thread_id, places.thread.thread_id != places.thread.message_id
        elif post.platform_thread and post.platform_thread.isdigit():
            raw, is_topic = post.platform_thread, True
        else:
            return Where(), None
        if is_topic and await self._is_forum(post):
            return Where(topic=int(raw)), raw
        return Where(reply_to=int(raw)), raw

    async def _is_forum(self, post: Outgoing) -> bool:
        chat_id = post.chat.chat_id
        if post.chat.is_dm:
            return False
        if chat_id not in self._forum:
            try:
                self._forum[chat_id] = bool((await self._bot.get_chat(chat_key(chat_id))).is_forum)
            except BadRequest:
                return False
        return self._forum[chat_id]

    async def _topic(self, outbox_id: int, post: Post, progress: Progress) -> int | None:
        """The forum topic for a new thread (created once per outbox row), or None outside forums."""
        if progress.topic is None and await self._is_forum(post):
            progress.topic = await self._create_topic(post)
            if progress.topic is not None:
                await self._state.save_progress(outbox_id, progress)
        return progress.topic

    async def _create_topic(self, post: Post) -> int | None:
        name = render.truncate((post.start_thread or "").strip() or "Thread", render.MAX_TOPIC_NAME)
        try:
            topic = await self._bot.create_forum_topic(chat_key(post.chat.chat_id), name)
        except BadRequest as exc:  # e.g. no right to manage topics: fall back to a reply thread
            log.warning("telegram topic not created chat=%s reason=%s", post.chat.chat_id, reason(exc))
            return None
        return topic.message_thread_id

    async def _edit(self, edit: Edit, places: Places) -> None:
        if places.card is None:
            raise Undeliverable("card unknown")
        markup = render.keyboard(edit.buttons, await self.bot_username())
        chat, message_id = locate(edit.chat.chat_id, places.card.message_id)
        try:
            await self._bot.edit_message_text(
                render.truncate(edit.text, render.MAX_TEXT),
                chat_id=chat_key(chat),
                message_id=message_id,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if not is_not_modified(exc):  # the same text again is a success
                raise

    async def _poll(self, poll: NativePoll) -> CardPlace:
        """A named poll is a native Telegram poll, non-anonymous: Telegram reports who voted what (`poll_answer`)
        only for those, and the chat may see the names, as "named" promises. An anonymous poll is a message with
        one button per answer: Telegram's anonymous polls never tell the bot who voted, so it could neither count
        members alone nor let a vote be changed, and a non-anonymous native poll would show everyone's choice."""
        chat = chat_key(poll.chat.chat_id)
        if poll.anonymous:
            rows = [[Button(option, poll_option_data(poll.card, i))] for i, option in enumerate(poll.options)]
            markup = render.keyboard(rows, await self.bot_username())
            sent = await self._bot.send_message(
                chat, render.truncate(poll.question, render.MAX_TEXT), reply_markup=markup
            )
            await self._state.remember_button_poll(poll.chat.chat_id, poll.card)
            return CardPlace(str(sent.message_id), None)
        question, options = render.poll_question(poll.question), render.poll_options(poll.options)
        origin = PollOrigin(poll.chat.chat_id, poll.chat.kind, poll.card)
        earlier = await self.poll_copies.sending(origin, question, options)  # a lost answer may leave a copy
        sent = await self._bot.send_poll(
            chat, question, options, is_anonymous=False, allows_multiple_answers=poll.multi
        )
        if sent.poll is not None:
            await self._state.remember_poll(sent.poll.id, origin)
        await self.poll_copies.sent(poll.card, earlier)
        return CardPlace(str(sent.message_id), None)

    async def _delete(self, message: Delete, places: Places) -> None:
        """A message; or, for a thread root in a forum, its whole topic (the header, the replies and the title)."""
        chat, card = chat_key(message.chat.chat_id), places.card
        topic = card.thread_id if card and card.thread_id and card.thread_id != card.message_id else None
        if message.whole_thread and topic and await self._is_forum(message):
            await self._bot.delete_forum_topic(chat, int(topic))
            return
        target = card.message_id if card else message.message_id
        if not target:
            raise Undeliverable("nothing to delete")
        where, message_id = locate(message.chat.chat_id, target)  # a card from before a group upgrade stays behind
        try:
            await self._bot.delete_message(chat_key(where), message_id)
        except BadRequest as exc:
            if not (message.or_edit_to and is_cant_delete(exc)):
                raise
            # Past Telegram's 48 hours a bot may still edit its own message: the words go, a note stays.
            await self._bot.edit_message_text(message.or_edit_to, chat_id=chat_key(where), message_id=message_id)

    async def _close_poll(self, message: ClosePoll, places: Places) -> None:
        # A second copy whose id was learnt only from its votes cannot be stopped (a `poll` update names no
        # message): it stays open in the chat, and its answers after this are refused like any closed poll's.
        await self.poll_copies.closed(message.card)
        if places.card is None:
            raise Undeliverable("poll card unknown")
        where, message_id = locate(message.chat.chat_id, places.card.message_id)
        chat = chat_key(where)
        if await self._state.is_button_poll(message.chat.chat_id, message.card):
            await self._bot.edit_message_reply_markup(chat, message_id, reply_markup=None)  # no more votes
        else:
            await self._bot.stop_poll(chat, message_id)

    async def _file(self, file: File) -> CardPlace:
        upload = InputFile(file.data, filename=file.name)
        caption = render.truncate(file.caption, render.MAX_CAPTION) or None
        chat = chat_key(file.chat.chat_id)
        if file.mime == "image/png":
            sent = await self._bot.send_photo(chat, upload, caption=caption)
        else:
            sent = await self._bot.send_document(chat, upload, caption=caption)
        return CardPlace(str(sent.message_id), None)
