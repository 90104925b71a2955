"""The update queue of the fake Telegram Bot API: getUpdates, long polling, allowed_updates and webhooks.

Semantics follow the Bot API server (tdlib/telegram-bot-api ``Client::do_get_updates``):

* ``offset > 0`` confirms, i.e. deletes, every update with a smaller ``update_id``; ``offset < 0`` keeps
  only the last ``-offset`` updates; unconfirmed updates are returned again by the next call;
* ``limit`` is clamped to 1..100; ``timeout`` > 0 waits until an update arrives or the time is up;
* a new waiting ``getUpdates`` (or ``setWebhook``) ends the previous waiting one with 409 Conflict;
* ``allowed_updates`` (from getUpdates or setWebhook) is remembered; ``[]`` restores the default, which
  leaves out ``chat_member``, ``message_reaction`` and ``message_reaction_count``. Telegram drops
  unwanted updates when they happen; this fake drops them when they would be delivered, so a test may
  inject before the bot's first ``getUpdates`` has set its ``allowed_updates``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import Any

import aiohttp
from yarl import URL

from .telegram_objects import ApiError, JSONDict, webhook_info_json
from .telegram_state import int_param

OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_OTHER_POLL = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


class UpdateQueue:
    """Pending updates, long-poll waiters and the webhook setting."""

    def __init__(self, first_update_id: int = 100_000_001) -> None:
        self.updates: list[JSONDict] = []
        self.webhook: JSONDict = {}
        self.allowed: frozenset[str] | None = None
        self._next_id = first_update_id
        self._changed = asyncio.Event()
        self._generation = 0
        self._abort_reason = ""
        self._closing = False
        self._polling = asyncio.Event()

    # -- queue ------------------------------------------------------------------------------------------
    def push(self, kind: str, payload: JSONDict) -> JSONDict:
        update = {"update_id": self._next_id, kind: copy.deepcopy(payload)}
        self._next_id += 1
        self.updates.append(update)
        self._wake()
        return copy.deepcopy(update)

    def jump(self, by: int) -> None:
        """Skip `by` update ids: Telegram's ids rise but need not be consecutive (e.g. after a long pause)."""
        self._next_id += by

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        """Release every waiting long poll (with an empty result)."""
        self._closing = True
        self._wake()

    def set_allowed(self, allowed: Any) -> None:
        if isinstance(allowed, list):
            self.allowed = frozenset(str(kind).lower() for kind in allowed) or None

    def is_allowed(self, update: JSONDict) -> bool:
        kind = next(key for key in update if key != "update_id")
        return kind in self.allowed if self.allowed is not None else kind not in OPT_IN_UPDATES

    def deliverable(self, limit: int) -> list[JSONDict]:
        self.updates = [update for update in self.updates if self.is_allowed(update)]
        return copy.deepcopy(self.updates[:limit])

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset > 0:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]

    # -- getUpdates -------------------------------------------------------------------------------------
    async def get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook.get("url"):
            raise ApiError(409, _WEBHOOK_ACTIVE)
        limit = min(max(int_param(params, "limit", 100) or 100, 1), 100)
        wait_seconds = max(int_param(params, "timeout", 0) or 0, 0)
        self.set_allowed(params.get("allowed_updates"))
        self.confirm(int_param(params, "offset", 0) or 0)
        batch = self.deliverable(limit)
        if batch or wait_seconds == 0:
            return batch
        return await self._long_poll(limit, wait_seconds)

    async def _long_poll(self, limit: int, wait_seconds: int) -> list[JSONDict]:
        self._abort_long_poll(_OTHER_POLL)
        generation = self._generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            changed = self._changed
            if generation != self._generation:
                raise ApiError(409, self._abort_reason)  # the newer poll owns self._polling
            batch = self.deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                self._polling.clear()
                return batch
            self._polling.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for_long_poll(self) -> None:
        """Return once a ``getUpdates`` call is waiting for updates (a bot is polling)."""
        await self._polling.wait()

    def _abort_long_poll(self, reason: str) -> None:
        self._generation += 1
        self._abort_reason = reason
        self._wake()

    # -- webhook ----------------------------------------------------------------------------------------
    async def set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self.delete_webhook(params)
        self.webhook = {"url": url, "secret_token": params.get("secret_token")}
        self.set_allowed(params.get("allowed_updates"))
        self._abort_long_poll("Conflict: terminated by setWebhook request")
        return True

    async def delete_webhook(self, params: JSONDict) -> bool:
        self.webhook = {}
        return True

    async def get_webhook_info(self, params: JSONDict) -> JSONDict:
        allowed = sorted(self.allowed) if self.allowed is not None else None
        return webhook_info_json(self.webhook.get("url", ""), len(self.updates), allowed)

    async def push_webhook(self, update: JSONDict | None = None) -> int:
        """POST ``update`` (default: the oldest pending one, removed on a 2xx answer) to the webhook."""
        url = self.webhook.get("url")
        if not url:
            raise RuntimeError("no webhook: setWebhook was not called with a url")
        if URL(url).host not in _LOOPBACK:
            raise ValueError(f"the fake only delivers webhooks to 127.0.0.1, not {url}")
        queued = update is None
        if update is None:
            pending = self.deliverable(1)
            if not pending:
                raise LookupError("no pending update to push")
            update = pending[0]
        secret = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as resp:
            status = resp.status
        if queued and 200 <= status < 300:
            self.updates = [u for u in self.updates if u["update_id"] != update["update_id"]]
        return status
