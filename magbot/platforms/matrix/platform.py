"""MatrixPlatform: the sync loop, the sender and the credentials check behind the `Platform` protocol.

The same nio client (one device, one encryption store) receives and sends. See `session.py` for login and
the trust policy, `sync.py` for the receive loop, `sender.py` for what each Outgoing becomes.
"""

from __future__ import annotations

import asyncio
import logging

from magbot.config import MatrixSettings
from magbot.core.clock import Clock, SystemClock
from magbot.core.platform import Dispatch
from magbot.platforms.matrix.device import DeviceInfo, read_device
from magbot.platforms.matrix.late_keys import LateEvents
from magbot.platforms.matrix.rights import PowerChecks
from magbot.platforms.matrix.sender import MatrixSender
from magbot.platforms.matrix.session import MatrixSession, check_login, client_config
from magbot.platforms.matrix.state import MatrixState
from magbot.platforms.matrix.sync import SyncLoop
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class MatrixPlatform:
    name = "matrix"

    def __init__(
        self,
        settings: MatrixSettings,
        uow: UnitOfWorkFactory,
        data_dir: str,
        *,
        timeline_limit: int | None = 50,
        poll_ms: int = 30_000,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.state = MatrixState(uow)
        self.session = MatrixSession(settings, self.state, data_dir)
        self.sender = MatrixSender(self.session, self.state)
        self.loop = SyncLoop(self.session, self.state, self.sender, timeline_limit)
        self.loop.checks = PowerChecks(uow, clock or SystemClock())
        self.loop.late = LateEvents(uow, clock or SystemClock())
        self.loop.uow = uow
        self._poll_ms = poll_ms

    @property
    def user_id(self) -> str:
        return self.session.user_id

    async def start(self) -> None:
        """Log in (or restore the saved device). `run` and `sync_once` do this themselves."""
        await self.session.start()

    async def run(self, dispatch: Dispatch, stop: asyncio.Event) -> None:
        """Sync until `stop` is set; `next_batch` is saved only after each response was dispatched."""
        await self.loop.run(dispatch, stop, self._poll_ms)

    async def sync_once(self, dispatch: Dispatch, timeout_ms: int = 0) -> int:
        """One sync + dispatch + saved token; returns the number of events dispatched (for tests and tools)."""
        return await self.loop.sync_once(dispatch, timeout_ms)

    async def check(self) -> str:
        try:
            return await check_login(self.settings, self.state)
        except Exception as exc:  # a check reports, it does not crash
            return f"matrix: not ready: {exc}"

    async def device(self) -> DeviceInfo:
        """The saved device and its fingerprint, from the store, offline (`magbot matrix-device`); NoDevice if none."""
        return await read_device(self.settings, self.state, self.session.store_path, client_config(self.settings))

    async def close(self) -> None:
        await self.session.close()
