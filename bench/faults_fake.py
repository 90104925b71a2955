"""The fake Bot API server as the fault suite needs it: every answer stamped, and sends failing at random.

`FaultyTelegram` is `tests.fakes.telegram_api.FakeTelegramServer` with two additions, both outside the fake:

* every answered call is stamped with the bot process that made it and the real time it was answered (each
  process calls the fake under a path of its own, `/p{number}/bot...`: a request still in a socket when its
  process is killed is read after the kill, and must not be taken for the next process's; a call without
  that path takes the driver's `epoch`), so the checks can tell a resend after a kill from a message sent twice
  by one process, and measure the gaps the rate limits promise;
* with probability `fault_rate`, a send method (sendMessage, editMessageText, answerCallbackQuery, ...) fails
  the way Telegram and the networks in between do: 429 with retry_after, 500, 502, a connection dropped before
  the request is handled, or one dropped after it was handled (Telegram accepted it; the bot never heard).
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.telegram_api import Answered, FakeTelegramServer
from tests.fakes.telegram_http import decode_params, json_response
from tests.fakes.telegram_objects import ApiError

# Admin actions and topics: sent through the outbox, not counted against Telegram's message limits.
ADMIN_METHODS = frozenset(
    name.lower()
    for name in (
        "createForumTopic",
        "approveChatJoinRequest",
        "declineChatJoinRequest",
        "restrictChatMember",
        "banChatMember",
        "unbanChatMember",
    )
)
# Every method magbot sends through (the outbox's sends and the press answers); reads and setup are spared.
SEND_METHODS = ADMIN_METHODS | frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "sendPoll",
        "stopPoll",
        "sendDocument",
        "sendPhoto",
    )
)
# What the outbox sends into a chat (a press answer is not from the outbox).
OUTBOX_METHODS = SEND_METHODS - {"answercallbackquery"}
# Counted against Telegram's message limits: messages and their edits.
LIMITED_METHODS = OUTBOX_METHODS - ADMIN_METHODS
FAULTS = ("429", "500", "502", "drop-before", "drop-after")
_stamp: contextvars.ContextVar[Stamp | None] = contextvars.ContextVar("stamp", default=None)


@dataclass
class Stamp:
    epoch: int  # which bot process was alive when the call came
    at: float  # time.monotonic() when it was answered
    # When it arrived: what Telegram's limits count. Answer times carry the fake's own delays, which under load
    # reach a second and would make two calls a second apart look closer (or farther) than they were.
    received: float = -1.0
    dropped: bool = False  # handled, but the answer never reached the bot (connection dropped, or it gave up)


class StampedAnswers(list[Answered]):
    """The fake's `answered` list, keeping a Stamp beside each entry."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[Stamp] = []

    def append(self, item: Answered) -> None:
        stamp = _stamp.get()
        now = time.monotonic()
        self.stamps.append(stamp if stamp is not None else Stamp(-1, now, received=now))
        super().append(item)


class FaultyTelegram(FakeTelegramServer):
    """See the module docstring; `epoch` is set by the driver each time it starts a bot process."""

    ROUTES = (*FakeTelegramServer.ROUTES, "/p{process}/bot{token}/{method}")  # each process's own path

    def __init__(self, *args: Any, fault_rate: float = 0.0, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answered = StampedAnswers()
        self.epoch = 0
        self.fault_rate = fault_rate
        self.faults: dict[str, int] = {name: 0 for name in FAULTS}
        self.told_to_wait: list[tuple[int, float, str, float]] = []  # (epoch, when, chat id, retry_after)
        self._rng = random.Random(seed)
        self._forced: list[tuple[str, str]] = []
        self.hold_answers: asyncio.Event | None = None
        self.held: list[web.Request] = []

    def process_url(self, number: int) -> str:
        """The Bot API base URL for bot process `number`: its calls are stamped with it."""
        return f"{self.url}/p{number}/bot"

    def _epoch_of(self, request: web.Request) -> int:
        process = request.match_info.get("process")
        return int(process) if process is not None and process.isdigit() else self.epoch

    def stamped(self) -> list[tuple[Answered, Stamp]]:
        assert isinstance(self.answered, StampedAnswers)
        return list(zip(self.answered, self.answered.stamps, strict=True))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"].lower()
        fault = self._pick_fault(method)
        if fault in ("429", "500", "502"):
            retry = self._rng.randint(1, 3) if fault == "429" else None
            if retry is not None:  # the bot must keep off this chat for `retry` seconds (checked afterwards)
                chat = (await decode_params(request)).get("chat_id")
                self.told_to_wait.append((self._epoch_of(request), time.monotonic(), str(chat), float(retry)))
            description = f"Too Many Requests: retry after {retry}" if retry else "Internal Server Error"
            if fault == "502":
                description = "Bad Gateway"
            return json_response(ApiError(int(fault), description, retry).body(), int(fault))
        if fault == "drop-before":
            _drop(request)
            return web.Response(status=204)
        arrived = time.monotonic()
        stamp = Stamp(self._epoch_of(request), arrived, received=arrived)
        _stamp.set(stamp)
        response = await super()._handle(request)
        if self.hold_answers is not None:  # for tests: the answer waits until they let it go
            self.held.append(request)
            await self.hold_answers.wait()
        stamp.at = time.monotonic()
        if fault == "drop-after":
            stamp.dropped = True
            _drop(request)
        elif request.transport is None or request.transport.is_closing():
            # The bot gave up waiting (its read timed out, under load) or died: it never heard Telegram took
            # it, so it sends the row again, exactly as after a dropped answer.
            stamp.dropped = True
        return response

    def force(self, method: str, fault: str) -> None:
        """The next call of `method` fails with `fault` (one of FAULTS), whatever the fault rate: for probes."""
        self._forced.append((method.lower(), fault))

    def _pick_fault(self, method: str) -> str | None:
        forced = next((f for f in self._forced if f[0] == method), None)
        if forced is not None:
            self._forced.remove(forced)
            self.faults[forced[1]] += 1
            return forced[1]
        if method not in SEND_METHODS or self._rng.random() >= self.fault_rate:
            return None
        fault = self._rng.choice(FAULTS)
        self.faults[fault] += 1
        return fault


def _drop(request: web.Request) -> None:
    """Cut the TCP connection: the client sees a reset, as when a proxy or the mobile network drops it."""
    if request.transport is not None:
        request.transport.abort()
