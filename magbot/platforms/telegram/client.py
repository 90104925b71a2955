"""getUpdates through PTB's public API, with each update readable on its own.

`Bot.get_updates` parses a batch as a whole: a single update PTB cannot read fails the call (the loop would
be wedged behind it for good), and PTB then logs the raw batch, texts and names included, at CRITICAL. So
the getUpdates connection is a public `HTTPXRequest` subclass (Bot's `get_updates_request`, used for nothing
else) that takes the raw answer for us and hands PTB an empty batch: we parse each update on our own, and an
unreadable one is confirmed like any other. No protected PTB name (`Bot._post` and the like) is used, so a PTB
release cannot break receiving there; tests/platforms/telegram/test_public_api.py checks it.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest

from magbot.platforms.telegram.http import AiohttpRequest

EMPTY_BATCH = b'{"ok": true, "result": []}'
READ_MARGIN = 10.0  # seconds beyond the long-poll time before a getUpdates call counts as hung


class UpdatesRequest(HTTPXRequest):
    """The connection pool for getUpdates (one call at a time) that keeps each raw answer for `take`."""

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self._raw: list[dict[str, Any]] = []

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The HTTP call (BaseRequest's documented hook): a good answer's updates are kept here, and PTB is
        handed an empty batch, so it parses nothing and never logs a body it could not read. Errors (409, 5xx,
        an unreadable answer) go to PTB untouched, to be raised as usual."""
        status, payload = await super().do_request(*args, **kwargs)
        try:
            answer = json.loads(payload)
        except ValueError:
            return status, payload
        result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
        if status != HTTPStatus.OK or not isinstance(result, list):
            return status, payload
        self._raw = [item for item in result if isinstance(item, dict)]
        return status, EMPTY_BATCH

    def take(self) -> list[dict[str, Any]]:
        raw, self._raw = self._raw, []
        return raw


class UpdatesClient:
    """getUpdates on a Bot built with an `UpdatesRequest` as its `get_updates_request`."""

    def __init__(self, bot: Bot, request: UpdatesRequest) -> None:
        self.bot, self._request = bot, request

    @classmethod
    def create(cls, token: str, **kwargs: Any) -> UpdatesClient:
        request = UpdatesRequest()
        # Every other call (the sends) on aiohttp: half the CPU of an update went to httpx (http.py).
        return cls(Bot(token, get_updates_request=request, request=AiohttpRequest(), **kwargs), request)

    async def fetch(self, offset: int | None, long_poll: float, allowed: list[str]) -> list[Update | int]:
        """The next batch: each update parsed, or its bare update_id where PTB cannot read it."""
        self._request.take()
        await self.bot.get_updates(
            offset=offset, timeout=int(long_poll), allowed_updates=allowed, read_timeout=READ_MARGIN
        )
        return [self._one(item) for item in self._request.take()]

    def _one(self, item: dict[str, Any]) -> Update | int:
        try:
            parsed = Update.de_json(item, self.bot)
        except Exception:  # the caller logs it by id and confirms it, so it cannot block those behind it
            parsed = None
        return parsed if parsed is not None else int(str(item.get("update_id", 0)))
