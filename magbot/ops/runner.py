"""The serve loop: what runs on every instance, what only the leader runs, and a clean or a failed end.

Every instance runs the receive loops that any instance may run (Telegram in webhook mode: each update is
claimed by its key, a chat's updates one at a time) and the health server. The leader (leader.py) also runs
what must be single: the Telegram polling loop (getUpdates allows one consumer), the Matrix sync loop (one
E2EE device), the scheduler and the outbox sender. On SQLite the one process leads from the start.

A loop that ends while the bot should be running is a failure: everything stops, the loop is logged, and
`serve` returns False (`magbot run` exits 1) so a supervisor restarts it. Loops that end because of a SIGTERM
or SIGINT are a clean stop, not an error.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from magbot.core.platform import Dispatch, Platform
from magbot.core.sender import OutboxSender
from magbot.ops.leader import Leadership
from magbot.scheduler import Scheduler

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]


def receives_everywhere(platform: Platform) -> bool:
    """A webhook is answered by whichever instance the proxy sends it to; a polling or sync loop is single."""
    return bool(getattr(platform, "webhook_mode", False))


class Runner:
    def __init__(
        self,
        platforms: list[Platform],
        dispatch: Dispatch,
        outbox: OutboxSender,
        scheduler: Scheduler,
        leadership: Leadership,
    ) -> None:
        self._platforms, self._dispatch, self._outbox = platforms, dispatch, outbox
        self._scheduler, self._leadership = scheduler, leadership
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def receiving(self) -> dict[str, str]:
        """Each platform's receive loop: running, standby (another instance leads), or stopped."""
        states = {}
        for platform in self._platforms:
            task = self._tasks.get(platform.name)
            ready = getattr(platform, "ready", None)
            if task is None:
                states[platform.name] = "standby"
            elif task.done():
                states[platform.name] = "stopped"
            else:
                started = ready is None or not isinstance(ready, asyncio.Event) or ready.is_set()
                states[platform.name] = "running" if started else "starting"
        return states

    def _start(self, name: str, work: Awaitable[Any]) -> asyncio.Task[Any]:
        self._tasks[name] = asyncio.ensure_future(work)
        self._tasks[name].set_name(name)
        return self._tasks[name]

    async def serve(self, stop: asyncio.Event, extra: dict[str, Loop] | None = None) -> bool:
        """Run until SIGINT/SIGTERM or `stop`; False when a loop died (or the leadership was lost) meanwhile."""
        loop = asyncio.get_running_loop()
        signals = [sig for sig in (signal.SIGINT, signal.SIGTERM) if _on_signal(loop, sig, stop.set)]
        for platform in self._platforms:
            if receives_everywhere(platform):
                self._start(platform.name, platform.run(self._dispatch, stop))
        for name, run in (extra or {}).items():
            self._start(name, run(stop))
        campaign = self._start("leader election", self._leadership.lead(stop))
        stopped = asyncio.ensure_future(stop.wait())
        log.info("magbot running platforms=%s", ",".join(p.name for p in self._platforms))
        failed = False
        try:
            pending: set[asyncio.Future[Any]] = {stopped, *self._tasks.values()}
            while not failed and not stop.is_set():
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if campaign in done and not campaign.cancelled() and campaign.exception() is None:
                    done.discard(campaign)
                    if campaign.result():
                        pending |= self._lead(stop)
                failed = any(self._failure(task, stop) for task in done if task is not stopped)
        finally:
            stop.set()
            self._outbox.wake()
            await self._scheduler.stop()
            await asyncio.gather(*self._tasks.values(), stopped, return_exceptions=True)
            for sig in signals:
                loop.remove_signal_handler(sig)
        return not failed

    def _lead(self, stop: asyncio.Event) -> set[asyncio.Future[Any]]:
        """This instance leads: start what must run once."""
        self._scheduler.start()
        started: set[asyncio.Future[Any]] = {
            self._start(p.name, p.run(self._dispatch, stop)) for p in self._platforms if not receives_everywhere(p)
        }
        started.add(self._start("outbox", self._outbox.run(stop)))
        started.add(self._start("leadership", self._leadership.hold(stop)))
        log.info("leader: running platforms=%s scheduler outbox", ",".join(p.name for p in self._platforms))
        return started

    def _failure(self, task: asyncio.Future[Any], stop: asyncio.Event) -> bool:
        """A task that ended: logged and a failure if it raised, or if it returned while we were not stopping."""
        error = task.exception() if not task.cancelled() else None
        if error is None and stop.is_set():
            return False  # it ended because we are stopping: a clean stop
        name = task.get_name() if isinstance(task, asyncio.Task) else "task"
        log.error("%s stopped error=%s", name, type(error).__name__ if error else "none")
        return True


def _on_signal(loop: asyncio.AbstractEventLoop, sig: signal.Signals, callback: Callable[[], None]) -> bool:
    try:
        loop.add_signal_handler(sig, callback)
    except (NotImplementedError, RuntimeError):  # not the main thread, or a platform without signals
        return False
    return True
