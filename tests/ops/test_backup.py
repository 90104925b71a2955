"""`magbot backup` while the bot runs, and a fresh bot on the copy: the group carries on where it was.

The first app stays open (its connections, its WAL) while `magbot backup` runs as a real process; the second
app starts on the copy with other defaults in its config, so what it shows can only have come from the copy:
the members, the group's settings, the open vote (it closes at its time, counting the ballot cast before the
backup), the meeting reminder planned before the backup (it arrives at its time).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from magbot.core.clock import ManualClock
from tests.conftest import START, settings_for, sqlite_url
from tests.story import console_app, story

ROOT = Path(__file__).resolve().parents[2]
BEFORE = ("dave: hi", "sam: hi", "tom: hi", "dave: /setup", "dave [Open a private chat with me]",
          "sam [Open a private chat with me]", "tom [Open a private chat with me]",
          "dave: /propose voting_hours 24", "sam [Yes]")


def magbot_backup(url: str, target: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAGBOT_")}
    env.update(PYTHONPATH=str(ROOT), MAGBOT_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "magbot", "--config", str(ROOT / "config" / "magbot.toml"),
                           "backup", str(target)], env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)


async def test_a_backup_of_a_running_bot_restores_into_a_bot_that_carries_on(tmp_path: Path) -> None:
    url, copy = sqlite_url(tmp_path), tmp_path / "backups" / "copy.db"
    async with console_app(settings_for(url, tmp_path), ManualClock(START)) as running:
        before = await story(running).say(*BEFORE)
        assert any("how long votes stay open to 24 hours" in line for line in before), before
        done = magbot_backup(url, copy, tmp_path)  # the first bot is still running meanwhile
        assert done.returncode == 0, done.stderr
        assert "backup:" in done.stdout and copy.exists()
        again = magbot_backup(url, copy, tmp_path)
        assert again.returncode == 4 and "already exists" in again.stderr  # a backup never overwrites another
    restored = settings_for(f"sqlite+aiosqlite:///{copy}", tmp_path / "b", defaults={"meeting_place": "the pub"})
    async with console_app(restored, ManualClock(START)) as fresh:
        members = await story(fresh).say("dave: /members")
        assert all(name in "\n".join(members) for name in ("Dave", "Sam", "Tom")), members
        settings = "\n".join(await story(fresh).say("dave: /settings"))
        assert "the church hall" in settings and "the pub" not in settings, settings
        closed = "\n".join(await story(fresh).say(":at 2026-11-25 10:05"))  # 48 hours after the proposal
        passed = "Vote closed: Change how long votes stay open to 24 hours? / Passed. Yes 1"
        assert passed in closed, closed  # Sam's ballot counted
        reminded = "\n".join(await story(fresh).say(":at 2026-11-25 18:00"))
        assert "Reminder: our meeting is tomorrow" in reminded, reminded


def test_backup_on_postgresql_says_what_to_run(tmp_path: Path) -> None:
    done = magbot_backup("postgresql+asyncpg://magbot@db/magbot", tmp_path / "x.db", tmp_path)
    assert done.returncode == 4 and "pg_dump --format=custom" in done.stderr and "Traceback" not in done.stderr
