"""`magbot run` as a process: one per SQLite file, a non-zero exit when a loop dies, a clean SIGTERM is clean."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bench.faults_bot import BotConfig, BotProcess, free_port
from bench.faults_fake import FaultyTelegram

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 60


def console_run(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAGBOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        MAGBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/one.db",
        MAGBOT_DATA_DIR=str(tmp_path / "data"),
        MAGBOT_PLATFORMS="console",
    )
    return [sys.executable, "-m", "magbot", "--config", str(ROOT / "config" / "magbot.toml"), "run"], env


def test_a_second_run_on_the_same_sqlite_file_refuses_and_a_killed_one_leaves_no_lock(tmp_path: Path) -> None:
    command, env = console_run(tmp_path)
    first = subprocess.Popen(command, env=env, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        # The console prints its first line once it has the database (and so the lock) and reads its input.
        first.stdin.write("dave: /help\n")  # type: ignore[union-attr]
        first.stdin.flush()  # type: ignore[union-attr]
        assert first.stdout.readline()  # type: ignore[union-attr]
        second = subprocess.run(command, env=env, cwd=tmp_path, input="", capture_output=True, text=True,
                                timeout=LIMIT_S, check=False)
        assert second.returncode == 4, second.stderr
        assert "already running on" in second.stderr and f"pid {first.pid}" in second.stderr
        assert "use PostgreSQL to run several" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.kill()  # SIGKILL: no clean-up runs, the kernel alone frees the lock
        first.wait(LIMIT_S)
    third = subprocess.run(command, env=env, cwd=tmp_path, input="dave: /help\n", capture_output=True, text=True,
                           timeout=LIMIT_S, check=False)
    assert third.returncode == 0, third.stderr
    assert (tmp_path / "one.db.lock").exists()


async def test_run_exits_non_zero_when_its_receive_loop_dies(tmp_path: Path) -> None:
    async with FaultyTelegram() as fake:
        config = BotConfig(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/bot.db", "polling", free_port(),
                           extra={"MAGBOT_TELEGRAM_TOKEN": "123:not-the-token"})  # Telegram refuses it: the loop dies
        bot = BotProcess(config, fake, 0)
        await bot.start()
        code = await asyncio.wait_for(bot._proc.wait(), LIMIT_S)  # type: ignore[union-attr]
    assert code == 1
    assert "ERROR magbot.ops.runner telegram stopped error=InvalidToken" in bot.log_text()


async def test_sigterm_in_webhook_mode_stops_cleanly_with_no_error_line(tmp_path: Path) -> None:
    async with FaultyTelegram() as fake:
        config = BotConfig(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/bot.db", "webhook", free_port())
        bot = BotProcess(config, fake, 0)
        await bot.start()
        assert await bot.wait_ready(), bot.log_text()
        code = await bot.stop()  # SIGTERM
    assert code == 0, bot.log_text()
    assert [line for line in bot.log_text().splitlines() if " ERROR " in line] == []
    assert "telegram webhook listening" in bot.log_text()
