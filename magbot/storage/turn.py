"""Whose turn it is at SQLite's one write lock, within this process: members first, background work after.

On SQLite every transaction takes the write lock (BEGIN IMMEDIATE). This process's transactions queue here
rather than in SQLite's busy handler (which sleeps in growing steps and lets a newcomer overtake). The queue
has two lanes: a member's dispatch (the default) goes before any waiting background transaction (the
scheduler's jobs, the outbox sender's reads and deletes), so during a tick a dispatch waits for at most the
one transaction holding the lock, not for the sixteen sender transactions queued before it. Each lane keeps
its own order. The lock is handed straight to the next waiter, so nobody overtakes in between.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Turn:
    def __init__(self) -> None:
        self._held = False
        self._lanes: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (deque(), deque())

    def locked(self) -> bool:
        return self._held

    async def acquire(self, background: bool = False) -> None:
        if not self._held and not any(self._lanes):
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane = self._lanes[1 if background else 0]
        lane.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # it was handed to us as we were cancelled: pass it on
            elif waiter in lane:
                lane.remove(waiter)
            raise

    def release(self) -> None:
        for lane in self._lanes:
            while lane:
                waiter = lane.popleft()
                if not waiter.done():  # the lock passes to it: still held
                    waiter.set_result(None)
                    return
        self._held = False
