"""Helpers for Matrix integration tests against the throw-away Synapse of `.ci/synapse.sh`.

    eval "$(.ci/synapse.sh start)"   # exports MAGBOT_TEST_HOMESERVER / MAGBOT_TEST_REGISTRATION_SECRET

    hs, secret = homeserver_from_env()            # or pytest.skip when None
    user_id, token, device_id = await register_user(hs, secret, unique_localpart("bot"), "pw")

Users are created with Synapse's shared-secret admin registration API
(``/_synapse/admin/v1/register``), so the server can keep open registration off.
Registration is idempotent-friendly: if the localpart already exists the helper logs in with
the same password instead (new device), so re-running a test against a long-lived server works.
Still, prefer :func:`unique_localpart` so that tests never share users or devices.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import secrets
import time
from typing import NamedTuple

import aiohttp

__all__ = [
    "MatrixAdminError",
    "RegisteredUser",
    "homeserver_from_env",
    "login",
    "register_user",
    "unique_localpart",
]

_RUN_ID = f"{int(time.time()) % 1_000_000:06d}{secrets.token_hex(2)}"
_COUNTER = itertools.count(1)


class RegisteredUser(NamedTuple):
    """(user_id, access_token, device_id) -- note nio's ``restore_login(user_id, device_id, access_token)``
    takes the last two in the other order: pass them by name."""

    user_id: str
    access_token: str
    device_id: str


class MatrixAdminError(RuntimeError):
    def __init__(self, status: int, body: object, what: str) -> None:
        super().__init__(f"{what}: HTTP {status}: {body}")
        self.status = status
        self.body = body
        self.errcode = body.get("errcode") if isinstance(body, dict) else None


def homeserver_from_env() -> tuple[str, str] | None:
    """(homeserver_url, registration_secret) from the environment, or None if not configured.

    `MAGBOT_TEST_HOMESERVER` may list several homeservers (spaces between): pytest-xdist worker N uses the
    N-th, round the list. Synapse runs on one core, and the Matrix stories wait on it: two of them, on two
    cores, share that work (.ci/test starts two). Each worker keeps to one, so a test's people and bot meet."""
    servers = os.environ.get("MAGBOT_TEST_HOMESERVER", "").split()
    secret = os.environ.get("MAGBOT_TEST_REGISTRATION_SECRET")
    if not servers or not secret:
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    return servers[index % len(servers)].rstrip("/"), secret


def unique_localpart(prefix: str = "user") -> str:
    """A localpart unique to this process run and call, e.g. ``bot-1234567a1b2-3``.

    Matrix localparts allow only ``a-z 0-9 . _ = - /``; the prefix is lowercased and
    anything else in it is replaced by ``_``.
    """
    clean = "".join(c if c in "abcdefghijklmnopqrstuvwxyz0123456789._=-/" else "_" for c in prefix.lower())
    return f"{clean}-{_RUN_ID}-{next(_COUNTER)}"


def _mac(shared_secret: str, nonce: str, localpart: str, password: str, admin: bool) -> str:
    mac = hmac.new(shared_secret.encode("utf8"), digestmod=hashlib.sha1)
    mac.update(nonce.encode("utf8"))
    mac.update(b"\x00")
    mac.update(localpart.encode("utf8"))
    mac.update(b"\x00")
    mac.update(password.encode("utf8"))
    mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


async def _json(resp: aiohttp.ClientResponse) -> object:
    try:
        return await resp.json(content_type=None)
    except (aiohttp.ContentTypeError, ValueError):
        return await resp.text()


async def login(
    homeserver: str,
    localpart_or_user_id: str,
    password: str,
    *,
    device_id: str | None = None,
    session: aiohttp.ClientSession | None = None,
    http_timeout: float = 30,
) -> RegisteredUser:
    """Password login; returns (user_id, access_token, device_id)."""
    body: dict[str, object] = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": localpart_or_user_id},
        "password": password,
    }
    if device_id:
        body["device_id"] = device_id
    own = session is None
    sess = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=http_timeout))
    try:
        async with sess.post(f"{homeserver.rstrip('/')}/_matrix/client/v3/login", json=body) as resp:
            data = await _json(resp)
            if resp.status != 200 or not isinstance(data, dict):
                raise MatrixAdminError(resp.status, data, "login")
        return RegisteredUser(data["user_id"], data["access_token"], data["device_id"])
    finally:
        if own:
            await sess.close()


async def register_user(
    homeserver: str,
    shared_secret: str,
    localpart: str,
    password: str,
    admin: bool = False,
    *,
    displayname: str | None = None,
    login_if_exists: bool = True,
    session: aiohttp.ClientSession | None = None,
    http_timeout: float = 30,
) -> RegisteredUser:
    """Create a user with the shared-secret admin API; returns (user_id, access_token, device_id).

    If the user already exists (``M_USER_IN_USE``) and ``login_if_exists`` is true, logs in with
    ``password`` instead (this yields a new device; ``admin`` is then not re-applied).
    """
    base = homeserver.rstrip("/")
    url = f"{base}/_synapse/admin/v1/register"
    own = session is None
    sess = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=http_timeout))
    try:
        # The nonce is single-use and expires after 60 s: fetch a fresh one per registration.
        async with sess.get(url) as resp:
            data = await _json(resp)
            if resp.status != 200 or not isinstance(data, dict) or "nonce" not in data:
                raise MatrixAdminError(resp.status, data, "GET register nonce")
            nonce = data["nonce"]
        body: dict[str, object] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _mac(shared_secret, nonce, localpart, password, admin),
        }
        if displayname is not None:
            body["displayname"] = displayname
        async with sess.post(url, json=body) as resp:
            data = await _json(resp)
            if resp.status == 200 and isinstance(data, dict):
                return RegisteredUser(data["user_id"], data["access_token"], data["device_id"])
            err = MatrixAdminError(resp.status, data, f"register {localpart!r}")
        if login_if_exists and err.errcode == "M_USER_IN_USE":
            return await login(base, localpart, password, session=sess)
        raise err
    finally:
        if own:
            await sess.close()
