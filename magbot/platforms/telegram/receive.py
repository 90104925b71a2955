"""Receiving: one update -> Incoming -> dispatch -> callback answer; and the getUpdates loop's offset keeping.

The offset that tells Telegram "these are done" is stored in the database only after the updates before
it were dispatched (and their effects committed). A crash in between means Telegram sends them again,
and the dispatcher's event keys make the second delivery a no-op: nothing lost, nothing doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from magbot.core.clock import Clock
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Command, Incoming
from magbot.core.platform import Dispatch
from magbot.platforms.telegram import rights
from magbot.platforms.telegram.client import UpdatesClient
from magbot.platforms.telegram.render import MAX_TOAST, truncate
from magbot.platforms.telegram.sender import TelegramSender
from magbot.platforms.telegram.state import TelegramState
from magbot.platforms.telegram.translate import ALLOWED_UPDATES, translate
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
T = TypeVar("T")


# Telegram keeps a press answerable for a little while only: three more tries within about 4 seconds.
ANSWER_RETRIES = (0.5, 1.0, 2.0)
MAX_ANSWER_WAIT = 3.0


def is_setup(incoming: Incoming | None) -> bool:
    """/setup in a group: the moment to say what the bot may not do there."""
    return isinstance(incoming, Command) and incoming.name == "setup" and not incoming.chat.is_dm


class Receiver:
    """Handles one update, whether it came from getUpdates or from the webhook."""

    def __init__(
        self, bot: Bot, sender: TelegramSender, state: TelegramState, clock: Clock, uow: UnitOfWorkFactory
    ) -> None:
        self._bot, self._sender, self._state, self._clock, self._uow = bot, sender, state, clock, uow
        self.upgrades = sender.upgrades  # one record of upgraded groups, for receiving and sending
        self.poll_copies = sender.poll_copies  # the copies of a resent named poll
        self.pause: Callable[[float], Awaitable[None]] = asyncio.sleep  # between answer tries; tests pass a no-op

    async def handle(self, update: Update, dispatch: Dispatch) -> DispatchResult | None:
        """Dispatch the update (exceptions propagate: the update is then not confirmed), answer a press."""
        if await self._placing_poll(update, dispatch):
            return None
        incoming = await self.incoming(update)
        result = await dispatch(incoming) if incoming is not None else None
        if update.callback_query is not None:  # always answered, so the member's spinner stops
            toast = result.toast if result else None
            if await self._answer(update.callback_query.id, toast) and toast and incoming is not None:
                async with self._uow() as u:  # kept with the event key only until it reached the member
                    await u.events.forget_toast(incoming.key)
        if is_setup(incoming) and result is not None and not result.duplicate and incoming is not None:
            await rights.check_group(self._bot, self._uow, self._clock, incoming.chat.chat_id, always=True)
        return result

    async def incoming(self, update: Update) -> Incoming | None:
        await self._follow_upgrade(update)
        chat = update.effective_chat
        if chat is not None and chat.type == chat.SUPERGROUP:
            self._sender.note_chat(str(chat.id), bool(chat.is_forum))
        poll = None
        if (answer := update.poll_answer) is not None:
            poll = await self._state.poll_origin(answer.poll_id)
            if poll is not None and not await self.poll_copies.counts(poll, answer, update.update_id):
                log.debug("telegram poll answer superseded on a resent poll update_id=%d", update.update_id)
                return None
        try:
            username = await self._sender.bot_username()
            incoming = translate(update, username, self._clock.now(), poll)
        except (ValueError, TypeError, AttributeError) as exc:  # an odd update must not stop the loop
            log.warning("telegram update not understood update_id=%d error=%s", update.update_id, type(exc).__name__)
            return None
        if incoming is not None:
            incoming = await self.upgrades.follow(incoming)
        kind = type(incoming).__name__ if incoming is not None else "ignored"
        log.debug("telegram update id=%d kind=%s", update.update_id, kind)
        return incoming

    async def _placing_poll(self, update: Update, dispatch: Dispatch) -> bool:
        """A poll's new state, or an answer on a poll not known yet: perhaps a resent poll's other copy
        (poll_copies.py). True when the update is dealt with here."""
        if update.poll is not None:
            if await self.poll_copies.adopt(update.poll):
                log.debug("telegram poll copy recognised update_id=%d", update.update_id)
            # Also for a poll known already: an answer may have come while its sendPoll's answer was on its way
            # (kept then, as the poll was in doubt), and no other update of that poll would let it go.
            await self._answers_kept(update.poll.id, dispatch)
            return True
        answer = update.poll_answer
        if answer is None or await self._state.poll_origin(answer.poll_id) is not None:
            return False
        # Kept if some poll is in doubt, and counted at once if its copy became known meanwhile (its `poll`
        # update handled alongside, as the webhook may).
        if await self.poll_copies.park(update):
            log.debug("telegram poll answer kept until its poll is known update_id=%d", update.update_id)
            await self._answers_kept(answer.poll_id, dispatch)
        return True

    async def _answers_kept(self, poll_id: str, dispatch: Dispatch) -> None:
        """Now that the copy is known, its kept answers count, in order, each under its own event key."""
        if await self._state.poll_origin(poll_id) is None:
            return
        for key, update in await self.poll_copies.parked(poll_id, self._bot):
            incoming = await self.incoming(update)
            if incoming is not None:
                await dispatch(incoming)
            await self.poll_copies.unpark(key)

    async def _follow_upgrade(self, update: Update) -> None:
        """A group became a supergroup (a new chat id): what the bot keeps moves there (upgrade.py)."""
        message = update.message
        if message is None:
            return
        old, new = message.chat_id, message.migrate_to_chat_id
        if message.migrate_from_chat_id is not None:
            old, new = message.migrate_from_chat_id, message.chat_id
        if new is not None:
            await self.upgrades.upgraded(str(old), str(new))

    async def _answer(self, callback_id: str, toast: str | None) -> bool:
        """Answer a press, trying again after a network error or a 5xx while the query is still young enough;
        an unanswered press keeps spinning on the member's phone, and its pop-up would be lost."""
        text = truncate(toast, MAX_TOAST) if toast else None
        for wait in (*ANSWER_RETRIES, None):
            try:
                await self._bot.answer_callback_query(callback_id, text=text)
                return True
            except RetryAfter as exc:
                seconds = float(exc.retry_after if isinstance(exc.retry_after, int | float) else 1)
                wait = seconds if wait is not None and seconds <= MAX_ANSWER_WAIT else None
                failure = type(exc).__name__
            except NetworkError as exc:  # a dropped connection, a timeout, a proxy's 502: worth another try
                if isinstance(exc, BadRequest):
                    wait = None
                failure = type(exc).__name__
            except TelegramError as exc:  # too old (after a long outage) or already answered: nothing to do
                wait, failure = None, type(exc).__name__
            if wait is None:
                log.debug("telegram callback answer failed error=%s", failure)
                return False
            await self.pause(wait)
        return False


class Poller:
    """getUpdates with an offset that is confirmed only after the batch was dispatched."""

    def __init__(self, client: UpdatesClient, receiver: Receiver, state: TelegramState) -> None:
        self._client, self._receiver, self._state = client, receiver, state
        self._offset: int | None = None
        self._loaded = False

    @property
    def offset(self) -> int | None:
        return self._offset

    async def fetch(self, long_poll: float) -> tuple[Update, ...]:
        """The next batch. Each update is read on its own: one PTB cannot read is skipped, not fatal (client.py)."""
        if not self._loaded:
            self._offset, self._loaded = await self._state.offset(), True
        batch = await self._client.fetch(self._offset, long_poll, list(ALLOWED_UPDATES))
        return tuple(_readable(item) for item in batch)

    async def process(self, updates: tuple[Update, ...], dispatch: Dispatch) -> int:
        """Dispatch a batch in order; store the offset after it (or after the last one done, on failure)."""
        confirmed = self._offset
        try:
            for update in updates:
                await self._receiver.handle(update, dispatch)
                confirmed = update.update_id + 1
        except Exception:
            with contextlib.suppress(Exception):  # what was done stays done; the rest comes again
                await self._confirm(confirmed)
                await self.settle()
            raise
        await self._confirm(confirmed)
        return len(updates)

    async def _confirm(self, confirmed: int | None) -> None:
        if confirmed is not None and confirmed != self._offset:
            # The next getUpdates confirms the batch to Telegram; the stored copy (for a restart) rides along
            # with the next commit (state.py).
            self._state.offset_rides(confirmed)
            self._offset = confirmed

    async def settle(self) -> None:
        await self._state.settle()


def _readable(item: Update | int) -> Update:
    """An update PTB could not read stays in the batch as a bare id: confirmed like any other, so it cannot
    block those behind it."""
    if isinstance(item, Update):
        return item
    log.warning("telegram update not understood update_id=%d", item)
    return Update(item)


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await `work`, or cancel it and return None as soon as `stop` is set."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None


async def pause(seconds: float, stop: asyncio.Event) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class Backoff:
    """1, 2, 4 ... 60 seconds between failed attempts; back to 1 after a success."""

    def __init__(self, first: float = 1.0, most: float = 60.0) -> None:
        self._first, self._most, self._next = first, most, first

    def reset(self) -> None:
        self._next = self._first

    def next(self) -> float:
        delay, self._next = self._next, min(self._most, self._next * 2)
        return delay
