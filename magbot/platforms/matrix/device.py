"""The bot's own device as a member verifies it: user id, device id and the ed25519 fingerprint.

`magbot matrix-device` prints them from the saved login (`mx:session`) and the encryption store, offline: it
opens the store with nio, never logs in (a login would make a new device). Element's "Verify session" (manual
verification) shows a session's key in groups of four characters; `grouped` writes it the same way, so a member
compares two identical lines. The fingerprint is the device's public signing key: not personal data, and no secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig

from magbot.config import MatrixSettings
from magbot.platforms.matrix.state import MatrixState


@dataclass(frozen=True)
class DeviceInfo:
    user_id: str
    device_id: str
    fingerprint: str  # grouped, as Element shows it

    def lines(self) -> str:
        return f"user: {self.user_id}\ndevice: {self.device_id}\nfingerprint: {self.fingerprint}"


class NoDevice(Exception):
    """No saved device, or its store is gone: the message says what the next start does."""


def grouped(key: str) -> str:
    """`abcdefgh...` -> `abcd efgh ...`, Element's way of showing a session key."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def fingerprint(client: AsyncClient) -> str:
    """The loaded device's ed25519 key, grouped; empty when the client has no encryption store loaded."""
    if client.olm is None:
        return ""
    return grouped(client.olm.account.identity_keys["ed25519"])


def store_folder(settings: MatrixSettings, data_dir: str) -> str:
    return settings.store_path or str(Path(data_dir) / "matrix-store")


def store_file(store_path: str, user_id: str, device_id: str) -> Path:
    """nio's default store name: `<user>_<device>.db` in the store folder."""
    return Path(store_path) / f"{user_id}_{device_id}.db"


async def read_device(
    settings: MatrixSettings, state: MatrixState, store_path: str, config: AsyncClientConfig
) -> DeviceInfo:
    """The saved device and its fingerprint, read from the store without touching the homeserver."""
    saved = await state.session()
    if not saved or (saved.get("homeserver"), saved.get("user_id")) != (settings.homeserver, settings.user_id):
        raise NoDevice(f"no device saved for {settings.user_id}: the next `magbot run` logs in and makes one")
    device_id = saved["device_id"]
    if not store_file(store_path, settings.user_id, device_id).exists():
        raise NoDevice(
            f"device {device_id} has no encryption store in {store_path}: restore it from a backup, "
            "or the next `magbot run` logs in as a new device (docs/OPERATING.md, 'If the store is lost')"
        )
    client = AsyncClient(
        settings.homeserver, settings.user_id, device_id=device_id, store_path=store_path, config=config
    )
    try:
        client.restore_login(user_id=settings.user_id, device_id=device_id, access_token=saved["access_token"])
        return DeviceInfo(settings.user_id, device_id, fingerprint(client))
    except ValueError as exc:  # vodozemac cannot decrypt the store's pickles
        raise NoDevice(
            f"the encryption store of device {device_id} cannot be opened ({type(exc).__name__}): "
            "MAGBOT_MATRIX_STORE_KEY is not the key it was made with"
        ) from None
    finally:
        await client.close()
