"""TelegramPlatform: the Platform protocol on a bare `telegram.Bot` (no Application, no Updater).

PTB's Updater confirms the getUpdates offset before handlers run, so a crash would lose updates; here our
own loop confirms only what was dispatched and committed (see receive.py), or, in webhook mode, answers 200
only after the commit (webhook.py). At start: getMe (the bot's username, for deep links and `/cmd@bot`),
setMyCommands from the router's summaries, the bot's rights in every set-up group (rights.py), and
deleteWebhook (polling) or setWebhook (webhook mode).
"""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError

from magbot.config import ConfigError, TelegramSettings
from magbot.core.clock import Clock, SystemClock
from magbot.core.delivery import RatePolicy
from magbot.core.platform import Dispatch
from magbot.core.router import Router
from magbot.platforms.telegram import rights
from magbot.platforms.telegram.client import UpdatesClient
from magbot.platforms.telegram.errors import reason
from magbot.platforms.telegram.receive import Backoff, Poller, Receiver, pause, unless_stopped
from magbot.platforms.telegram.sender import TelegramSender
from magbot.platforms.telegram.state import TelegramState
from magbot.platforms.telegram.translate import ALLOWED_UPDATES
from magbot.platforms.telegram.webhook import WebhookServer, check_webhook_settings
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

# httpx logs every request URL at INFO and PTB logs its base URL at DEBUG: both contain the bot token.
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp", "telegram")
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # what setMyCommands accepts
POLL_TIMEOUT = 30.0  # seconds Telegram holds a getUpdates call open when there is nothing new


def quiet_token_loggers() -> None:
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET too; an operator's stricter choice stays
            logger.setLevel(logging.WARNING)


class TelegramPlatform:
    name = "telegram"

    def __init__(
        self,
        settings: TelegramSettings,
        uow: UnitOfWorkFactory,
        router: Router,
        *,
        clock: Clock | None = None,
        rate: RatePolicy | None = None,
        poll_timeout: float = POLL_TIMEOUT,
    ) -> None:
        quiet_token_loggers()  # before Bot(): its constructor logs the URL with the token
        if not settings.token:
            raise ConfigError("telegram: the bot token is missing; set MAGBOT_TELEGRAM_TOKEN")
        if settings.mode == "webhook":
            check_webhook_settings(settings)
        self._settings, self._router, self._uow = settings, router, uow
        self._clock = clock or SystemClock()
        updates = UpdatesClient.create(settings.token, base_url=settings.base_url, base_file_url=settings.base_file_url)
        self._bot = updates.bot
        self.sender = TelegramSender(self._bot, uow, rate)
        state = TelegramState(uow)
        self.receiver = Receiver(self._bot, self.sender, state, self._clock, uow)
        self.poller = Poller(updates, self.receiver, state)
        self.webhook = WebhookServer(settings, self._bot, self.receiver)
        self._poll_timeout = poll_timeout
        self._started = False
        self.ready = asyncio.Event()  # set once updates are being received (tests and health checks wait on it)

    @property
    def bot(self) -> Bot:
        return self._bot

    @property
    def webhook_mode(self) -> bool:
        return self._settings.mode == "webhook"

    async def start(self) -> None:
        """getMe, the command menu, and the webhook switched on (webhook mode) or off (polling)."""
        await self._bot.initialize()
        log.info("telegram bot ready id=%d mode=%s", self._bot.id, self._settings.mode)
        await self._publish_commands()
        await rights.check_all(self._bot, self._uow, self._clock)  # a missing right is said in its group
        if self.webhook_mode:
            await self._bot.set_webhook(
                self._settings.webhook_url,
                secret_token=self._settings.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
        else:
            await self._bot.delete_webhook(drop_pending_updates=False)
        self._started = True

    async def run(self, dispatch: Dispatch, stop: asyncio.Event) -> None:
        """Receive until `stop`: by getUpdates, or (webhook mode) by a server that listens before setWebhook."""
        if self.webhook_mode:
            await self.webhook.start(dispatch)
        try:
            if not await self._start_until_done(stop):
                return
            self.ready.set()
            if self.webhook_mode:
                await stop.wait()
            else:
                await self._poll_forever(dispatch, stop)
                try:
                    await self.poller.settle()
                except Exception as exc:  # the older offset stays stored: its updates come again, as duplicates
                    log.warning("telegram offset not stored at stop error=%s", type(exc).__name__)
        finally:
            await self.webhook.stop()

    async def _start_until_done(self, stop: asyncio.Event) -> bool:
        backoff = Backoff()
        while not self._started and not stop.is_set():
            try:
                await self.start()
            except InvalidToken:
                log.error("telegram refused the bot token; check MAGBOT_TELEGRAM_TOKEN")
                raise
            except BadRequest as exc:  # e.g. a webhook url Telegram does not accept: waiting will not help
                log.error("telegram refused the start error=%s reason=%s", type(exc).__name__, reason(exc))
                raise
            except (NetworkError, OSError) as exc:
                delay = backoff.next()
                log.warning("telegram start failed error=%s; retrying in %.0fs", type(exc).__name__, delay)
                await pause(delay, stop)
        return self._started and not stop.is_set()

    async def poll_once(self, dispatch: Dispatch, long_poll: float = 0) -> int:
        """One getUpdates call and its batch, confirmed afterwards; returns how many updates came."""
        if not self._started:
            await self.start()
        return await self.poller.process(await self.poller.fetch(long_poll), dispatch)

    async def _poll_forever(self, dispatch: Dispatch, stop: asyncio.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            try:
                updates = await unless_stopped(self.poller.fetch(self._poll_timeout), stop)
                if updates is None:
                    return
                await self.poller.process(updates, dispatch)
                backoff.reset()
            except InvalidToken:
                log.error("telegram refused the bot token; check MAGBOT_TELEGRAM_TOKEN")
                raise
            except Exception as exc:  # network, 5xx, 409 Conflict, a database hiccup: wait and try again
                delay = backoff.next()
                log.warning("telegram polling failed error=%s; retrying in %.0fs", type(exc).__name__, delay)
                await pause(delay, stop)

    async def _publish_commands(self) -> None:
        """The command menu: every command with a summary; the private and group menus show where each works."""
        commands = self._router.commands.items()
        routes = [(name, route) for name, route in commands if route.summary and COMMAND_NAME.match(name)]
        menus = {
            None: [BotCommand(name, route.summary[:256]) for name, route in routes],
            BotCommandScopeAllPrivateChats(): [
                BotCommand(name, route.summary[:256]) for name, route in routes if route.where != "group"
            ],
            BotCommandScopeAllGroupChats(): [
                BotCommand(name, route.summary[:256]) for name, route in routes if route.where != "dm"
            ],
        }
        for scope, menu in menus.items():
            try:
                await self._bot.set_my_commands(menu, scope=scope)
            except (BadRequest, Forbidden) as exc:  # a menu is a nicety: never a reason not to start
                log.warning("telegram command menu not set error=%s", type(exc).__name__)

    async def check(self) -> str:
        """getMe and getWebhookInfo: credentials and reachability, without sending anything."""
        host = urlsplit(self._settings.base_url).hostname or "?"
        try:
            await self._bot.initialize()  # getMe; also lets close() release the connections
            me = self._bot.bot
            info = await self._bot.get_webhook_info()
        except InvalidToken:
            return "telegram: the bot token was refused; check MAGBOT_TELEGRAM_TOKEN"
        except TelegramError as exc:
            return f"telegram: cannot reach {host} ({type(exc).__name__})"
        webhook = "webhook set" if info.url else "no webhook"
        return (
            f"telegram: ok, bot @{me.username} (id {me.id}), mode {self._settings.mode}, {webhook}, "
            f"{info.pending_update_count} updates waiting"
        )

    async def close(self) -> None:
        await self.webhook.stop()
        try:
            await self._bot.shutdown()
        except TelegramError as exc:
            log.debug("telegram shutdown error=%s", type(exc).__name__)
