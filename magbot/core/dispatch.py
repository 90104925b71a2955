"""Incoming -> membership check -> dedup -> unit of work -> router -> handler -> outbox, in one transaction.

Whatever a platform redelivers, an event's effects happen once: its key is claimed in the same transaction
that saves the handler's outgoing messages. A handler that fails rolls back; the event is then claimed
again in a second transaction that only saves a friendly apology, so nobody meets silence or a traceback.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from magbot.core.clock import Clock
from magbot.core.context import BotPolicy, Context
from magbot.core.events import Command, Incoming, Reply, Text
from magbot.core.identify import identify
from magbot.core.router import Router, as_reply, choose_handler
from magbot.domain.text import clean_member_text
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again in a minute, or type /help."


@dataclass(frozen=True)
class DispatchResult:
    duplicate: bool = False
    toast: str | None = None
    messages: int = 0


def cleaned(incoming: Incoming) -> Incoming:
    """The event with its words and the sender's name cleaned once, for every handler (domain/text.py)."""
    sender = replace(incoming.sender, display_name=clean_member_text(incoming.sender.display_name))
    if isinstance(incoming, Command):
        return replace(incoming, sender=sender, args=clean_member_text(incoming.args))
    if isinstance(incoming, Text):
        return replace(incoming, sender=sender, text=clean_member_text(incoming.text))
    return replace(incoming, sender=sender)


class Dispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        router: Router,
        clock: Clock,
        policy: BotPolicy,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow, self._router, self._clock, self._policy = uow, router, clock, policy
        self._on_outbox = on_outbox

    async def dispatch(self, incoming: Incoming) -> DispatchResult:
        kind = type(incoming).__name__
        try:
            result = await self._handle(incoming)
        except Exception as exc:  # a bug in a handler must not leave the member in silence
            log.error(
                "handler failed kind=%s error=%s\n%s",
                kind,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),  # frames only: the message may hold text
            )
            result = await self._apologise(incoming)
        if result.messages:
            self._on_outbox()
        log.debug("event kind=%s duplicate=%s out=%d", kind, result.duplicate, result.messages)
        return result

    async def _handle(self, incoming: Incoming) -> DispatchResult:
        incoming = cleaned(incoming)
        async with self._uow() as uow:
            await uow.events.serialize_chat(incoming.chat.platform, incoming.chat.chat_id)  # several instances
            now = self._clock.now()
            if not await uow.events.claim(incoming.key, now):  # a redelivered press gets its pop-up again
                return DispatchResult(duplicate=True, toast=await uow.events.toast(incoming.key))
            ctx = await identify(uow, incoming, Context(incoming, uow, self._clock, self._policy))
            handler, refusal = await choose_handler(self._router, ctx)
            reply = as_reply(await handler(ctx)) if handler else refusal
            await uow.outbox.add(reply.out, now, urgent=True)  # answers go before bulk edits and posts
            if reply.toast:
                await uow.events.keep_toast(incoming.key, reply.toast)
            return DispatchResult(toast=reply.toast, messages=len(reply.out))

    async def _apologise(self, incoming: Incoming) -> DispatchResult:
        async with self._uow() as uow:
            now = self._clock.now()
            if not await uow.events.claim(incoming.key, now):
                return DispatchResult(duplicate=True, toast=await uow.events.toast(incoming.key))
            if _is_button(incoming):
                reply = Reply(toast=SORRY)
            else:
                reply = Reply([Context(incoming, uow, self._clock, self._policy).reply(SORRY)])
            await uow.outbox.add(reply.out, now, urgent=True)  # answers go before bulk edits and posts
            if reply.toast:
                await uow.events.keep_toast(incoming.key, reply.toast)
            return DispatchResult(toast=reply.toast, messages=len(reply.out))


def _is_button(incoming: Incoming) -> bool:
    return type(incoming).__name__ == "ButtonPress"
