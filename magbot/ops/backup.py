"""`magbot backup FILE`: a consistent copy of a SQLite database, taken safely while the bot runs.

SQLite's online backup API copies page by page and starts over if a writer changed a page meanwhile, so the copy
is one committed state, WAL included; the bot keeps running. The copy is checked (`PRAGMA integrity_check`)
before it is called done. PostgreSQL has its own tool: `pg_dump` (see docs/OPERATING.md), so this refuses there
with the command to run.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from magbot.ops.single import sqlite_path

PAGES_PER_STEP = 256  # small steps: the bot's writers wait at most one step for the reader


class BackupError(Exception):
    """The backup cannot be made; the message says what to do instead."""


def backup(database_url: str, target: Path) -> str:
    source = sqlite_path(database_url)
    if source is None:
        raise BackupError(
            "this database is not a SQLite file. For PostgreSQL run: "
            "pg_dump --format=custom --file=magbot.dump <database> (restore with pg_restore)"
        )
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a backup that was interrupted
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(partial)) as dst:
        src.backup(dst, pages=PAGES_PER_STEP)
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check ({verdict}); nothing was written")
    partial.rename(target)  # a file named `target` is always a whole, checked copy
    return f"backup: {source} -> {target} ({target.stat().st_size} bytes)"
