"""A local, in-process fake of the Telegram Bot API server (Bot API 10.0, as PTB 22.8 speaks it).

Point a real ``telegram.Bot`` at it::

    async with FakeTelegramServer(token=TOKEN, bot_username="magbot_test_bot") as srv:
        bot = Bot(TOKEN, base_url=f"{srv.url}/bot", base_file_url=f"{srv.url}/file/bot")

It serves ``/bot<token>/<method>`` (GET or POST; JSON, URL-encoded or multipart parameters; method
names case-insensitive) on 127.0.0.1 only, records every call in ``srv.calls`` (and, with its result or
error, in ``srv.answered``), keeps messages, polls, members and files, queues injected updates for
``getUpdates`` or a webhook, and answers errors with Telegram's own descriptions. It serves the methods
magbot calls, and refuses the way Telegram does what would fail in production: a private message to
someone who never wrote to the bot (403), unparsable HTML, over-long texts, bad callback data.
The pieces: ``telegram_updates`` (queue, getUpdates, webhook), ``telegram_inject`` (``inject_*``),
``telegram_messages``/``telegram_chats`` (methods), ``telegram_state`` (the world), ``telegram_objects``
(JSON shapes), ``telegram_text`` (HTML parse mode).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, NamedTuple

from aiohttp import web

from .telegram_chats import CHAT_METHODS
from .telegram_http import decode_params, json_response
from .telegram_inject import InjectMixin
from .telegram_messages import MESSAGE_METHODS
from .telegram_objects import ApiError, Call, JSONDict, MemberState, PollState, UploadedFile, bot_me_json
from .telegram_state import BotState
from .telegram_updates import UpdateQueue

DEFAULT_TOKEN = "123456789:AAFakeTokenForMagbotTests_0123456789"
FIXED_NOW = 1_795_428_000.0  # 23 November 2026 10:00 UTC (tests.conftest.START): tests never read today's date
_STATE_METHODS = {**MESSAGE_METHODS, **CHAT_METHODS}


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    remaining: int

    def matches(self, method: str, params: JSONDict) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


class Answered(NamedTuple):
    """One call as the server answered it: its result, or the error Telegram would have given."""

    call: Call
    result: Any
    error: ApiError | None


class FakeTelegramServer(InjectMixin):
    """The fake Bot API server; see the module docstring."""

    ROUTES: tuple[str, ...] = ("/bot{token}/{method}",)

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "magbot_test_bot",
        *,
        bot_first_name: str = "Magbot",
        clock: Callable[[], float] = lambda: FIXED_NOW,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.state = BotState(int(prefix) if prefix.isdigit() else 1, bot_username, bot_first_name, clock)
        self.queue = UpdateQueue()
        self.calls: list[Call] = []
        self.answered: list[Answered] = []  # every known method's call, in order, with its result or its error
        self._failures: list[_Failure] = []
        self.latency = 0.0  # seconds each sendMessage answer takes, as Telegram's own round trip would
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._server_methods: dict[str, Callable[[JSONDict], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self.queue.get_updates,
            "setWebhook": self.queue.set_webhook,
            "deleteWebhook": self.queue.delete_webhook,
            "getWebhookInfo": self.queue.get_webhook_info,
        }
        self._canonical = {name.lower(): name for name in [*self._server_methods, *_STATE_METHODS]}

    # -- lifecycle --------------------------------------------------------------------------------------
    async def start(self) -> FakeTelegramServer:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=64 * 2**20)
        for path in self.ROUTES:
            app.router.add_route("*", path, self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self.queue.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if not self._port:
            raise RuntimeError("the fake Telegram server is not started")
        return f"http://127.0.0.1:{self._port}"

    # -- inspection -------------------------------------------------------------------------------------
    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def files(self) -> list[UploadedFile]:
        """Files the bot uploaded (``filename``, ``content``, ``file_id``, ``method``, ``chat_id``...)."""
        return self.state.files

    @property
    def polls(self) -> dict[str, PollState]:
        return self.state.polls

    @property
    def webhook(self) -> JSONDict:
        """The current webhook (``url``, ``secret_token``...), ``{}`` when none is set."""
        return self.queue.webhook

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Queued updates not yet confirmed by a ``getUpdates`` offset (or delivered to the webhook)."""
        return copy.deepcopy(self.queue.updates)

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful send*/edit*/stopPoll calls in order, optionally only those to ``chat_id``."""
        outgoing = self.state.outgoing
        return [c for c in outgoing if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)]

    def calls_to(self, method: str) -> list[JSONDict]:
        """Parameters of every recorded call of ``method`` (failed ones included)."""
        return [call.params for call in self.calls if call.method.lower() == method.lower()]

    def messages(self, chat_id: int) -> list[JSONDict]:
        """Current messages of a chat (sent and injected, after edits, minus deleted ones), by id."""
        return [copy.deepcopy(m) for _, m in sorted(self.state.messages.get(chat_id, {}).items())]

    def get_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        return copy.deepcopy(self.state.find_message(chat_id, message_id))

    def member_status(self, chat_id: int, user_id: int) -> str:
        return self.state.member(chat_id, user_id).status

    # -- test setup -------------------------------------------------------------------------------------
    def add_chat(self, chat_id: int, *, title: str | None = None, is_forum: bool = False) -> None:
        """A supergroup (negative id), with topics when ``is_forum``."""
        chat = self.state.chat(chat_id, "supergroup")
        chat.title = title or chat.title
        chat.is_forum = is_forum or chat.is_forum

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Set a membership directly (creator, administrator, member, restricted, left, kicked)."""
        self.state.set_member(chat_id, user_id, MemberState(status))

    def start_bot(self, user_id: int) -> None:
        """As if the user had opened his private chat with the bot: sends to it succeed from now on."""
        self.state.started.add(user_id)

    def forbid_dm(self, user_id: int) -> None:
        """Sends to this user's private chat fail with 403 until they message the bot (e.g. /start)."""
        self.state.started.discard(user_id)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        times: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``"*"``: any; optionally only to ``chat_id``) fail."""
        description = description or _default_description(status, retry_after, chat_id)
        retry = retry_after if status == 429 else None
        self._failures.append(_Failure(method.lower(), status, description, retry, chat_id, times))

    async def wait_for_long_poll(self) -> None:
        """Return once a ``getUpdates`` long poll is waiting: the bot is polling and idle."""
        await self.queue.wait_for_long_poll()

    async def push_webhook(self, update: JSONDict | None = None) -> int:
        """POST ``update`` (default: the oldest pending one, removed on a 2xx answer) to the webhook URL
        with the ``X-Telegram-Bot-Api-Secret-Token`` header; returns the HTTP status. Loopback only."""
        return await self.queue.push_webhook(update)

    # -- HTTP -------------------------------------------------------------------------------------------
    def _enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        return self.queue.push(kind, payload)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        params = await decode_params(request)
        raw_name = request.match_info["method"]
        name = self._canonical.get(raw_name.lower())
        self.calls.append(Call(name or raw_name, params))
        if name is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        if self.latency and name == "sendMessage":
            await asyncio.sleep(self.latency)  # the network, not a wait for the bot: it runs on meanwhile
        try:
            self._raise_injected_failure(name, params)
            if name in self._server_methods:
                result = await self._server_methods[name](params)
            else:
                result = _STATE_METHODS[name](self.state, params)
        except ApiError as err:
            self.answered.append(Answered(Call(name, params), None, err))
            return json_response(err.body(), err.code)
        self.answered.append(Answered(Call(name, params), copy.deepcopy(result), None))
        return json_response({"ok": True, "result": result})

    def _raise_injected_failure(self, method: str, params: JSONDict) -> None:
        failure = next((f for f in self._failures if f.matches(method, params)), None)
        if failure is None:
            return
        failure.remaining -= 1
        if failure.remaining <= 0:
            self._failures.remove(failure)
        raise ApiError(failure.status, failure.description, failure.retry_after)

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return bot_me_json(self.state.bot_id, self.state.bot_first_name, self.state.bot_username)


def _default_description(status: int, retry_after: int, chat_id: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status == 403:
        if chat_id is None or chat_id > 0:
            return "Forbidden: bot was blocked by the user"
        return "Forbidden: bot was kicked from the supergroup chat"
    if status == 400:
        return "Bad Request"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


__all__ = ["DEFAULT_TOKEN", "Call", "FakeTelegramServer", "UploadedFile"]
