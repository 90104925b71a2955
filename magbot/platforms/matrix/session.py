"""The bot's Matrix device: one nio `AsyncClient` with a persistent end-to-end encryption store.

Login: the first start logs in with `MAGBOT_MATRIX_PASSWORD` and saves the device id and access token in the
database (`mx:session`); every later start restores that login, so the bot keeps one device and its keys. With
`MAGBOT_MATRIX_ACCESS_TOKEN` the bot uses that token's device instead (whoami tells which): give the bot a
device of its own. A device id is never reused without its store (`<store_path>/<user>_<device>.db`): a
device whose keys are lost is broken for everyone, so the bot then logs in afresh as a new device (one warning
line; with only an access token for that lost device it refuses instead: a token cannot make a new device).
A store that cannot be opened (a changed `MAGBOT_MATRIX_STORE_KEY`) stops the platform with the recovery steps.

At start the bot logs its device id and ed25519 fingerprint (`device.py`): members compare it in Element's
manual verification. nio 0.26 has no cross-signing, so that comparison is the verification (docs/DECISIONS.md).

The store (Olm account, Megolm sessions) is encrypted with `MAGBOT_MATRIX_STORE_KEY` (nio's pickle key).

Trust policy: the bot encrypts for every device in a room, verified or not (`ignore_unverified_devices=True`).
A closed group's members do not verify devices; refusing to send would silence the bot. Who may act is decided
by the member list, not by device trust.

nio returns errors as `*Error` responses instead of raising; `raise_for` turns them into the outbox's
exceptions. nio's own retries are switched off for 429 (`max_limit_exceeded=0`) so `M_LIMIT_EXCEEDED`
reaches the outbox as RetryLater.
"""

from __future__ import annotations

import asyncio
import logging
import os

from nio import AsyncClient, AsyncClientConfig, ErrorResponse, LoginResponse, WhoamiResponse

from magbot.config import ConfigError, MatrixSettings
from magbot.core.delivery import RetryLater, Undeliverable, Unreachable
from magbot.platforms.matrix.device import fingerprint, store_file, store_folder
from magbot.platforms.matrix.state import MatrixState

log = logging.getLogger(__name__)

SYNC_REQUEST_TIMEOUT = 30.0


class MatrixConfigError(ConfigError):
    """The matrix settings cannot work (names the setting to fix)."""


class MatrixTemporaryError(Exception):
    """A 5xx, a transport failure or a rejected token: try again later, nothing is lost."""


def raise_for(response: object, *, dm: bool = False) -> None:
    """Raise the outbox exception that fits an nio error response; do nothing for a success."""
    if not isinstance(response, ErrorResponse):
        return
    status = getattr(response.transport_response, "status", None)
    code = response.status_code
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        raise RetryLater((response.retry_after_ms or 5000) / 1000, "M_LIMIT_EXCEEDED")
    if status is None or status >= 500 or status == 401 or code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        raise MatrixTemporaryError(f"{type(response).__name__} {code} http={status}")
    if code == "M_FORBIDDEN" and dm:
        raise Unreachable(code)
    raise Undeliverable(f"{type(response).__name__} {code} http={status}")


def client_config(settings: MatrixSettings, encryption: bool = True) -> AsyncClientConfig:
    return AsyncClientConfig(
        encryption_enabled=encryption,
        store_sync_tokens=False,
        pickle_key=settings.store_key or "DEFAULT_KEY",
        max_limit_exceeded=0,
        max_timeouts=2,
        request_timeout=SYNC_REQUEST_TIMEOUT,
    )


def check_settings(settings: MatrixSettings) -> None:
    if not settings.homeserver:
        raise MatrixConfigError("set matrix.homeserver (MAGBOT_MATRIX_HOMESERVER), e.g. https://matrix.example.org")
    if not settings.user_id.startswith("@") or ":" not in settings.user_id:
        raise MatrixConfigError("set matrix.user_id (MAGBOT_MATRIX_USER_ID) to the bot's id, e.g. @bot:example.org")
    if not (settings.password or settings.access_token):
        raise MatrixConfigError("set MAGBOT_MATRIX_PASSWORD or MAGBOT_MATRIX_ACCESS_TOKEN for the bot's account")


class MatrixSession:
    """Owns the client; `start()` logs in (once) and returns it."""

    def __init__(self, settings: MatrixSettings, state: MatrixState, data_dir: str) -> None:
        self.settings, self.state = settings, state
        self.store_path = store_folder(settings, data_dir)
        self.client: AsyncClient | None = None
        self.synced = False  # a full-state sync ran since start: nio knows every joined room
        self._lock = asyncio.Lock()

    @property
    def user_id(self) -> str:
        return self.client.user_id if self.client else self.settings.user_id

    async def start(self) -> AsyncClient:
        async with self._lock:
            if self.client is None:
                check_settings(self.settings)
                if not self.settings.store_key:
                    log.warning("MAGBOT_MATRIX_STORE_KEY is not set: the encryption store uses nio's default key")
                os.makedirs(self.store_path, mode=0o700, exist_ok=True)  # nio does not create it
                client = await self._login()
                await keep_keys(client)
                self.client = client
                log.info("matrix logged in device=%s fingerprint=%s", client.device_id, fingerprint(client))
            return self.client

    def _client(self, device_id: str = "") -> AsyncClient:
        return AsyncClient(
            self.settings.homeserver,
            self.settings.user_id,
            device_id=device_id,
            store_path=self.store_path,
            config=client_config(self.settings),
        )

    def _store_exists(self, device_id: str) -> bool:
        return store_file(self.store_path, self.settings.user_id, device_id).exists()

    def _store_lost(self, device_id: str) -> None:
        """The database names a device whose store is gone: one warning and a new device, or a refusal that
        says what to do. Never the same device id again: its keys are gone, the homeserver still has them."""
        where = f"the encryption store for device {device_id} is missing from {self.store_path}"
        if self.settings.access_token:  # a token names its device: it cannot make a new one, and must not reuse it
            raise MatrixConfigError(
                f"{where}: put it back from a backup, or set MAGBOT_MATRIX_ACCESS_TOKEN to a token for a new "
                "device (docs/OPERATING.md, 'If the store is lost')"
            )
        if not self.settings.password:
            raise MatrixConfigError(
                f"{where}: put it back from a backup, or set MAGBOT_MATRIX_PASSWORD so the bot logs in as a new "
                "device (docs/OPERATING.md, 'If the store is lost')"
            )
        log.warning("matrix %s; logging in as a new device (messages sent to the old one cannot be read)", where)

    async def _load(self, client: AsyncClient, device_id: str, token: str) -> None:
        """restore_login opens the store; a store nio cannot decrypt is a wrong key, not a network fault."""
        try:
            client.restore_login(user_id=self.settings.user_id, device_id=device_id, access_token=token)
        except ValueError as exc:  # vodozemac's pickle errors are ValueErrors
            await client.close()
            raise MatrixConfigError(
                f"the encryption store {store_file(self.store_path, self.settings.user_id, device_id)} cannot be "
                f"opened ({type(exc).__name__}): MAGBOT_MATRIX_STORE_KEY is not the key it was made with. Set the "
                "right key, or follow docs/OPERATING.md, 'If the store is lost'"
            ) from None

    async def _login(self) -> AsyncClient:
        s = self.settings
        saved = await self.state.session()
        if saved and (saved.get("homeserver"), saved.get("user_id")) != (s.homeserver, s.user_id):
            saved = None  # another account or server: start over
        if saved and s.access_token and saved.get("access_token") != s.access_token:
            saved = None  # the operator gave a new token: it decides the device
        if saved and not self._store_exists(saved["device_id"]):
            self._store_lost(saved["device_id"])
            saved = None
        if saved:
            return await self._restore(saved["device_id"], saved["access_token"])
        if s.access_token:
            return await self._with_token(s.access_token)
        return await self._password_login("")

    async def _restore(self, device_id: str, token: str) -> AsyncClient:
        client = self._client(device_id)
        await self._load(client, device_id, token)
        who = await client.whoami()
        if isinstance(who, WhoamiResponse):
            return client
        await client.close()
        if who.status_code == "M_UNKNOWN_TOKEN" and self.settings.password:
            log.info("matrix token expired; logging in again on device %s", device_id)
            return await self._password_login(device_id)
        raise_for(who)
        raise MatrixTemporaryError("whoami failed")

    async def _with_token(self, token: str) -> AsyncClient:
        probe = AsyncClient(self.settings.homeserver, self.settings.user_id, config=client_config(self.settings, False))
        probe.access_token = token
        try:
            who = await probe.whoami()
        finally:
            await probe.close()
        if not isinstance(who, WhoamiResponse) or not who.device_id:
            raise MatrixConfigError(f"MAGBOT_MATRIX_ACCESS_TOKEN was not accepted ({who})")
        if who.user_id != self.settings.user_id:
            raise MatrixConfigError(f"MAGBOT_MATRIX_ACCESS_TOKEN belongs to {who.user_id}, not matrix.user_id")
        client = self._client(who.device_id)
        await self._load(client, who.device_id, token)
        await self.state.save_session(self.settings.homeserver, who.user_id, who.device_id, token)
        return client

    async def _password_login(self, device_id: str) -> AsyncClient:
        if not self.settings.password:
            raise MatrixConfigError("no saved login and no MAGBOT_MATRIX_PASSWORD to log in with")
        client = self._client(device_id)
        response = await client.login(self.settings.password, device_name=self.settings.device_name)
        if not isinstance(response, LoginResponse):
            await client.close()
            raise MatrixConfigError(f"matrix login failed ({getattr(response, 'status_code', '')})")
        await self.state.save_session(
            self.settings.homeserver, response.user_id, response.device_id, response.access_token
        )
        return client

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None
            self.synced = False


async def keep_keys(client: AsyncClient) -> None:
    """What `sync_forever` does after each sync: to-device messages out, keys up, device lists and claims."""
    responses: list[object] = list(await client.send_to_device_messages())
    if client.should_upload_keys:
        responses.append(await client.keys_upload())
    if client.should_query_keys:
        responses.append(await client.keys_query())
    if client.should_claim_keys:
        responses.append(await client.keys_claim(client.get_users_for_key_claiming()))
    for response in responses:
        if isinstance(response, ErrorResponse):
            log.warning("matrix key upkeep failed kind=%s code=%s", type(response).__name__, response.status_code)


async def check_login(settings: MatrixSettings, state: MatrixState | None) -> str:
    """whoami with the configured (or saved) credentials; a password is checked by logging in and out."""
    check_settings(settings)
    token = settings.access_token
    if not token and state is not None:
        try:
            saved = await state.session()
        except Exception:  # no schema yet: nothing saved
            saved = None
        if saved and saved.get("user_id") == settings.user_id and saved.get("homeserver") == settings.homeserver:
            token = saved.get("access_token", "")
    client = AsyncClient(settings.homeserver, settings.user_id, config=client_config(settings, False))
    try:
        if token:
            client.access_token = token
            who = await client.whoami()
            if isinstance(who, WhoamiResponse):
                return f"matrix: ok, {who.user_id} device {who.device_id} on {settings.homeserver}"
            return f"matrix: the access token was refused ({who.status_code})"
        login = await client.login(settings.password, device_name=f"{settings.device_name} (check)")
        if not isinstance(login, LoginResponse):
            return f"matrix: password login refused ({login.status_code})"
        await client.logout()  # the check leaves no device behind
        return f"matrix: ok, password accepted for {login.user_id}; the first run creates the bot's device"
    finally:
        await client.close()
