"""Webhook mode: a small aiohttp server that Telegram POSTs updates to.

Each request must carry the secret we gave to setWebhook in `X-Telegram-Bot-Api-Secret-Token` (403
otherwise). The answer is 200 only after the update was dispatched and committed; a failure answers 500,
so Telegram delivers the update again (the dispatcher's event keys make that harmless).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from magbot.config import ConfigError, TelegramSettings
from magbot.core.platform import Dispatch
from magbot.platforms.telegram.receive import Receiver

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FORM = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token
DEFAULT_PATH = "/telegram"


def check_webhook_settings(settings: TelegramSettings) -> None:
    if not settings.webhook_url.startswith("https://") and not settings.webhook_url.startswith("http://"):
        raise ConfigError("'telegram.webhook_url' must be the public https:// address Telegram posts to")
    if not SECRET_FORM.match(settings.webhook_secret):
        raise ConfigError(
            "webhook mode needs MAGBOT_TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    listen_address(settings.listen)


def listen_address(listen: str) -> tuple[str, int]:
    """`127.0.0.1:8443` or `[::1]:8443` -> (host, port)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"'telegram.listen' must look like 127.0.0.1:8443, not '{listen}'")
    return host.strip("[]") or "127.0.0.1", int(port)


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or DEFAULT_PATH


class WebhookServer:
    """Serves `POST <path of webhook_url>` on `settings.listen` until stopped."""

    def __init__(self, settings: TelegramSettings, bot: Bot, receiver: Receiver) -> None:
        self._secret = settings.webhook_secret.encode()
        self._host, self._port = listen_address(settings.listen)
        self._path = webhook_path(settings.webhook_url)
        self._bot, self._receiver = bot, receiver
        self._runner: web.AppRunner | None = None
        self._dispatch: Dispatch | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when `listen` asked for port 0)."""
        if self._runner is not None:
            for site in self._runner.sites:
                server = getattr(site, "_server", None)
                if server is not None and server.sockets:
                    host, port = server.sockets[0].getsockname()[:2]
                    return str(host), int(port)
        return self._host, self._port

    @property
    def path(self) -> str:
        return self._path

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self._path, self._on_update)
        self._runner = web.AppRunner(app, access_log=None)  # access logs would show nothing useful
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("telegram webhook listening port=%d", self.address[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram webhook refused: wrong secret")
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self._bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("telegram webhook request not understood error=%s", type(exc).__name__)
            return web.Response(status=400)
        assert self._dispatch is not None
        try:
            await self._receiver.handle(update, self._dispatch)
        except Exception as exc:  # not committed: 500 makes Telegram send it again
            log.error("telegram webhook update failed update_id=%d error=%s", update.update_id, type(exc).__name__)
            return web.Response(status=500)
        return web.Response(status=200)
