"""What every chat platform provides to the app: a receive loop, a sender, and a credentials check."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from magbot.core.delivery import Sender
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Incoming

Dispatch = Callable[[Incoming], Awaitable[DispatchResult]]


class Platform(Protocol):
    name: str

    @property
    def sender(self) -> Sender:
        """The sending side the outbox uses (read-only here, so a platform may hold its own subclass)."""
        ...

    async def run(self, dispatch: Dispatch, stop: asyncio.Event) -> None:
        """Receive until `stop` is set; confirm receipt to the platform only after `dispatch` returned."""
        ...

    async def check(self) -> str:
        """Validate credentials and reachability without sending anything; return a one-line summary."""
        ...

    async def close(self) -> None: ...
