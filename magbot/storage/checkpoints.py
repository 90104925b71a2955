"""A SQLite file's write-ahead log folded back into it, in a worker thread (storage/sqlite_inline.py).

The inline connections never checkpoint on their own (`wal_autocheckpoint=0`: a commit that did would fsync on
the event loop's thread and freeze every send in flight meanwhile). Every CHECKPOINT_EVERY commits a PASSIVE
checkpoint runs on a connection of its own in a worker thread, which neither waits for nor blocks the writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 200  # commits between checkpoints (SQLite's own default is every 1000 pages of log)


def _checkpoint(path: str) -> None:
    with contextlib.closing(sqlite3.connect(path, timeout=0)) as connection:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")


class Checkpoints:
    """One file's checkpoints, in a worker thread, one at a time, every CHECKPOINT_EVERY commits."""

    def __init__(self, path: str) -> None:
        self._path, self._commits = path, 0
        self._running: asyncio.Future[None] | None = None

    def committed(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or (self._running is not None and not self._running.done()):
            return
        self._commits = 0
        self._running = asyncio.get_running_loop().run_in_executor(None, _checkpoint, self._path)
        self._running.add_done_callback(_checked)

    async def settled(self) -> None:
        """Once the checkpoint in flight, if any, is over (only one can run: another would find the log busy)."""
        if self._running is not None:
            await asyncio.wait([self._running])


def _checked(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and (error := done.exception()) is not None:  # the next one catches up
        log.debug("sqlite checkpoint failed error=%s", type(error).__name__)
