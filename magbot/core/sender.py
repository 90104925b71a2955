"""The outbox sender: delivers saved messages in order per chat, within each platform's rate limits.

A message leaves the outbox only after the platform accepted it, so a crash between "handled" and "sent"
loses nothing: the next start sends what is still there. Each chat is a queue; one slow or blocked chat
does not hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from magbot.core.clock import Clock
from magbot.core.context import open_dm_button
from magbot.core.delivery import Places, RetryLater, Sender, Undeliverable, Unreachable
from magbot.core.events import REMOVED_AT_REQUEST, ChatRef, CloseChat, Delete, Edit, Outgoing, Post
from magbot.core.ratelimit import RateLimiter
from magbot.core.records import CardPlace
from magbot.core.scope import group_chat
from magbot.storage.claims import ChatClaims
from magbot.storage.outbox_repo import DueHeads, QueuedMessage
from magbot.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Heads = dict[str, tuple[QueuedMessage, Places]]
MAX_BACKOFF = 300.0
IDLE_WAKE = 30.0


class OutboxSender:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, senders: list[Sender], claims: ChatClaims | None = None
    ) -> None:
        self._uow, self._clock = uow.background, clock  # members' dispatches go first (storage/turn.py)
        self._claims = claims  # several instances on PostgreSQL: one sender per chat at a time (storage/claims.py)
        self._senders = {sender.platform: sender for sender in senders}
        self._limiters = {sender.platform: RateLimiter(sender.rate) for sender in senders}
        self._wake = asyncio.Event()
        self._queued_meanwhile = False  # a send queued new messages itself (the "can't message you" note)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                wait = await self.flush()
            except Exception as exc:  # the database may be briefly away; never let the sender die
                log.error("outbox flush failed error=%s", type(exc).__name__)
                wait = 5.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(wait or IDLE_WAKE, IDLE_WAKE))

    async def flush(self) -> float | None:
        """Send everything that may go now. Returns seconds until something else may go (None: all sent)."""
        while True:
            self._queued_meanwhile = False
            wait = await self._flush_once()
            if not self._queued_meanwhile:  # else the note for the group goes now, not at the next wake-up
                return wait

    async def _flush_once(self) -> float | None:
        waits: list[float] = []
        for sender in self._senders.values():
            waits += await self._flush_platform(sender)
        return min(waits) if waits else None

    async def _flush_platform(self, sender: Sender) -> list[float]:
        """Page after page of chats that may go now, until none may or the overall limit is reached; the waits."""
        limiter, parallel = self._limiters[sender.platform], max(1, sender.rate.parallel_chats)
        waits: list[float] = []
        last: set[str] | None = None
        while True:
            if (overall := limiter.wait_needed("", False, self._clock.now())) > 0:
                return [*waits, overall]  # nothing of this platform may go before then: no need to look
            room = limiter.room(self._clock.now())  # no more heads read than may go now
            found, first = await self._scan(sender.platform, limiter, parallel if room is None else min(parallel, room))
            gate = asyncio.Semaphore(parallel)

            async def drain(chat_id: str, gate: asyncio.Semaphore = gate, first: Heads = first) -> float | None:
                async with gate:
                    if self._claims is None:
                        return await self._drain(sender, chat_id, first.get(chat_id))
                    async with self._claims.hold(sender.platform, chat_id) as mine:
                        # Under the claim the head is read again: another instance may have sent it meanwhile.
                        return await self._drain(sender, chat_id) if mine else None

            # A chat drained here returns its own wait; rows saved meanwhile wake the sender (`wake`).
            waits += [w for w in await asyncio.gather(*(drain(c) for c in found.heads)) if w is not None]
            if found.later is not None:
                waits.append(max(0.05, (found.later - self._clock.now()).total_seconds()))
            if not found.more:
                return waits
            if set(found.heads) == last:  # the same heads again: none of them could go; look again soon
                return [*waits, 0.05]
            last = set(found.heads)

    async def _scan(self, platform: str, limiter: RateLimiter, most: int) -> tuple[DueHeads, Heads]:
        """One short transaction: the chats that may go now (their heads read), and when the others may. A chat
        the limits hold back is passed over (a DM has no group window, so asking as a group is right for both)."""
        now = self._clock.now()
        async with self._uow() as uow:
            found = await uow.outbox.due_heads(platform, now, most, lambda chat: limiter.wait_needed(chat, True, now))
            heads = {chat: (queued, await self._places(uow, queued.message)) for chat, queued in found.heads.items()}
        return found, heads

    async def _drain(
        self, sender: Sender, chat_id: str, first: tuple[QueuedMessage, Places] | None = None
    ) -> float | None:
        """Send one chat's queue in order until it is empty or must wait; returns the wait. `first` is its head
        as the flush's scan read it, sent without reading it again."""
        limiter, platform = self._limiters[sender.platform], sender.platform
        # Ask the limiter first (per chat and overall): a thousand chats due at once must not each open a
        # transaction to read a row that may not go yet.
        if first is None and (wait := limiter.wait_needed(chat_id, False, self._clock.now())) > 0:
            return wait
        if first is None:
            async with self._uow() as uow:
                queued, places = await self._head(uow, platform, chat_id)
        else:
            queued, places = first
        while queued is not None:
            chat = queued.message.chat
            wait = max(
                limiter.wait_needed(chat_id, not chat.is_dm, self._clock.now()),
                (queued.not_before - self._clock.now()).total_seconds(),
            )
            if wait > 0:
                return wait
            # Take the slot before the send: other chats' sends run meanwhile and must see it.
            limiter.record(chat_id, not chat.is_dm, self._clock.now())
            try:
                landed = await sender.send(queued.id, queued.message, places)
                limiter.answered(chat_id, self._clock.now())
            except Exception as exc:
                if (backoff := await self._failed(sender, queued, exc)) is not None:
                    return backoff
                async with self._uow() as uow:
                    queued, places = await self._head(uow, platform, chat_id)
                continue
            async with self._uow() as uow:  # one transaction: this one done, and the next one read
                await self._record(uow, queued, landed, places)
                # Read again only if rows waited behind it: later ones wake the sender for another flush.
                queued, places = await self._head(uow, platform, chat_id) if queued.more else (None, Places())
        return None

    async def _head(self, uow: UnitOfWork, platform: str, chat_id: str) -> tuple[QueuedMessage | None, Places]:
        queued = await uow.outbox.head(platform, chat_id)
        return queued, (await self._places(uow, queued.message) if queued else Places())

    async def _failed(self, sender: Sender, queued: QueuedMessage, exc: Exception) -> float | None:
        """What a refused send means: wait (seconds), or go on with the chat's next message (None)."""
        kind = type(queued.message).__name__
        if isinstance(exc, RetryLater):
            return await self._retry(queued, exc.seconds)
        if isinstance(exc, Unreachable):
            await self._unreachable(queued.message.chat)
            return None
        if isinstance(exc, Undeliverable):
            log.warning("outbox drop id=%d kind=%s platform=%s", queued.id, kind, sender.platform)
            async with self._uow() as uow:
                await uow.outbox.done(queued.id)
            return None
        # A network error or a 5xx: back off and try again.
        log.warning("outbox send failed id=%d kind=%s error=%s", queued.id, kind, type(exc).__name__)
        return await self._retry(queued, min(MAX_BACKOFF, 2.0 ** (queued.attempts + 1)))

    async def _record(self, uow: UnitOfWork, queued: QueuedMessage, landed: CardPlace | None, places: Places) -> None:
        message, now = queued.message, self._clock.now()
        chat = message.chat
        await uow.outbox.done(queued.id)
        card = getattr(message, "card", None)
        if landed is not None and card:
            await uow.cards.remember(chat.platform, chat.chat_id, card, landed, now)
        if isinstance(message, Post) and message.about is not None and landed is not None:
            # Kept for him, so /forgetme can take it back; a thread only where this post started one.
            kept = CardPlace(landed.message_id, landed.thread_id if message.start_thread else None)
            if not await uow.member_posts.remember(message.about, chat.platform, chat.chat_id, card, kept, now):
                await self._take_back(uow, chat, card, kept)
        if isinstance(message, CloseChat):  # the last word has gone: what addressed him goes now
            await uow.state.forget_subject(chat.platform, chat.chat_id)
        if isinstance(message, Delete):
            if message.card:
                await uow.cards.forget(chat.platform, chat.chat_id, message.card)
            if gone := (places.card.message_id if places.card else message.message_id):
                await uow.member_posts.taken_back(chat.platform, chat.chat_id, gone)

    async def _take_back(self, uow: UnitOfWork, chat: ChatRef, card: str | None, place: CardPlace) -> None:
        """A post about a member who erased himself while it was being sent (/forgetme dropped it from the queue
        too late): it goes as his other posts went, now."""
        back = Delete(
            chat, card=card, message_id=place.message_id, whole_thread=place.thread_id is not None,
            or_edit_to=REMOVED_AT_REQUEST,
        )  # fmt: skip
        await uow.outbox.add([back], self._clock.now())
        self._queued_meanwhile = True

    async def _retry(self, queued: QueuedMessage, seconds: float) -> float:
        async with self._uow() as uow:
            await uow.outbox.retry_later(queued.id, self._clock.now() + timedelta(seconds=seconds))
        return seconds

    async def _places(self, uow: UnitOfWork, message: Outgoing) -> Places:
        cards = uow.cards
        chat = message.chat
        card_name = message.card if isinstance(message, Edit | Delete) else getattr(message, "card", None)
        card = await cards.find(chat.platform, chat.chat_id, card_name) if card_name else None
        thread_name = getattr(message, "thread", None)
        thread = await cards.find(chat.platform, chat.chat_id, thread_name) if thread_name else None
        return Places(card=card, thread=thread)

    async def _unreachable(self, chat: ChatRef) -> None:
        """A private chat we may not write to: keep its messages, and tell the person once, in the group."""
        async with self._uow() as uow:
            if not chat.is_dm:
                log.warning("group chat unreachable platform=%s; dropping its queue", chat.platform)
                await uow.outbox.drop_for_chat(chat.platform, chat.chat_id)
                return
            await uow.outbox.hold_chat(chat.platform, chat.chat_id)
            await uow.members.set_reachability(chat.platform, chat.chat_id, dm_open=False)
            notes: list[Outgoing] = []
            for member in await uow.members.active_for_user(chat.platform, chat.chat_id):
                group = await uow.groups.get(member.group_id)
                if group is None or member.unreachable_told:
                    continue
                text = f"{member.name}, I can't message you privately yet. Press the button, then Start."
                notes.append(Post(group_chat(group), text, buttons=(open_dm_button(),)))
                await uow.members.mark_unreachable_told(member.id)
            await uow.outbox.add(notes, self._clock.now())
            self._queued_meanwhile = self._queued_meanwhile or bool(notes)
