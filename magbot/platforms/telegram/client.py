"""PTB's `Bot` with one addition: getUpdates returning the raw JSON, for the receive loop to parse one by one.

`Bot.get_updates` parses a batch as a whole: a single update PTB cannot read fails every call (the loop
would be wedged behind it for good), and PTB then logs the raw batch, texts and names included, at CRITICAL.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot

READ_MARGIN = 10.0  # seconds beyond the long-poll time before a getUpdates call counts as hung


class TelegramBot(Bot):
    __slots__ = ()

    async def get_raw_updates(self, offset: int | None, long_poll: float, allowed: list[str]) -> list[dict[str, Any]]:
        data: dict[str, Any] = {"offset": offset, "timeout": int(long_poll), "allowed_updates": allowed}
        # `_post` is Bot's hook for subclasses (PTB's own ExtBot builds on it); getUpdates uses its own pool.
        result = await self._post("getUpdates", data, read_timeout=long_poll + READ_MARGIN)
        return list(result or [])
