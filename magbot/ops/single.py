"""SQLite serves one magbot process: a second `magbot run` on the same file refuses to start.

The guard is an exclusive `flock` on `<database>.lock` beside the database file, taken before anything is read.
The kernel releases it when the process ends in any way (a clean stop, a crash, SIGKILL), so a stale lock file
never blocks a restart; the file itself is left in place and only says which process held it last.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process holds the database's lock."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


@contextlib.contextmanager
def only_process(url: str) -> Iterator[None]:
    """Hold the lock beside a SQLite database for the duration; nothing to hold on PostgreSQL."""
    database = sqlite_path(url)
    if database is None:
        yield
        return
    lock_path = database.with_name(database.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise AlreadyRunning(
                f"another magbot (pid {holder}) is already running on {database}. SQLite serves one process: "
                "stop that one first, or use PostgreSQL to run several instances (docs/OPERATING.md)."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the descriptor releases the lock
