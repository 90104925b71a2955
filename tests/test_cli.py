"""The operator's commands, run as a member of the public would run them: real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from magbot.storage.migrate import head_revision

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "tests" / "e2e" / "stories" / "membership.txt"


def magbot(
    tmp_path: Path, *args: str, stdin: str = "", log_level: str = "", env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`magbot ARGS` in tmp_path on its own database; `env_extra` sets (or overrides) MAGBOT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAGBOT_")}
    # The process runs in tmp_path: without this it would import whichever magbot the venv points at (another
    # checkout's), not the code under test.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["MAGBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    env["MAGBOT_DATA_DIR"] = str(tmp_path / "data")
    if log_level:
        env["MAGBOT_LOG_LEVEL"] = log_level
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "magbot", "--config", str(ROOT / "config" / "magbot.toml"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_piped_story_prints_the_expected_transcript(tmp_path: Path) -> None:
    result = magbot(tmp_path, "console", "--start", "2026-11-23 10:00", stdin=STORY.read_text())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == (STORY.with_suffix(".expected")).read_text()


def test_migrate_then_check(tmp_path: Path) -> None:
    assert f"-> {head_revision()}" in magbot(tmp_path, "migrate").stdout
    checked = magbot(tmp_path, "check")
    assert checked.returncode == 0 and "schema up to date" in checked.stdout


def test_a_bad_config_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('platforms = ["fax"]\n')
    result = magbot(tmp_path, "--config", str(bad), "check")
    assert result.returncode == 2
    assert "platforms" in result.stderr and "Traceback" not in result.stderr


def test_a_platform_without_its_token_is_one_clear_line(tmp_path: Path) -> None:
    env_platform = tmp_path / "tg.toml"
    env_platform.write_text('platforms = ["telegram"]\n')
    result = magbot(tmp_path, "--config", str(env_platform), "check")
    assert result.returncode == 2, result.stderr[-500:]
    assert "MAGBOT_TELEGRAM_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_a_second_run_carries_on_the_same_group_and_never_goes_back_in_time(tmp_path: Path) -> None:
    first = magbot(
        tmp_path, "console", "--start", "2026-11-23 10:00", stdin="dave: /setup\nsam [I'm a member]\n:advance 3d\n"
    )
    assert first.returncode == 0, first.stderr[-2000:]
    again = magbot(tmp_path, "console", "--start", "2026-11-23 10:00", stdin="sam: /members\n")
    assert again.returncode == 0, again.stderr[-2000:]
    lines = again.stdout.splitlines()
    assert lines[0].startswith("(console) This database has already reached 2026-11-26 10:00: carrying on from there.")
    assert "delete" in lines[0] and "cli.db" in lines[0]  # how to start fresh instead
    assert "[group] 2 members: / - Dave / - Sam" in lines


def test_log_lines_beside_the_console_carry_its_clock(tmp_path: Path) -> None:
    env_story = "dave: /setup\n:advance 3d\n"
    result = magbot(tmp_path, "console", "--start", "2026-11-23 10:00", stdin=env_story, log_level="DEBUG")
    assert result.returncode == 0, result.stderr[-2000:]
    job_lines = [line for line in result.stderr.splitlines() if "job ran kind=checkin-round" in line]
    assert job_lines and job_lines[0].startswith("2026-11-25 19:00:00 ")  # the console's Wednesday, not today


def test_matrix_device_without_a_device_says_what_the_first_run_does(tmp_path: Path) -> None:
    matrix = {"MAGBOT_PLATFORMS": "matrix", "MAGBOT_MATRIX_HOMESERVER": "http://127.0.0.1:9"}
    matrix["MAGBOT_MATRIX_USER_ID"] = "@magbot:example.org"  # port 9: nothing listens, nothing is asked
    empty = magbot(tmp_path, "matrix-device", env_extra=matrix)
    assert empty.returncode == 1 and "the first `magbot run` logs in and makes one" in empty.stderr
    magbot(tmp_path, "migrate")
    migrated = magbot(tmp_path, "matrix-device", env_extra=matrix)
    assert migrated.returncode == 1, migrated.stderr[-500:]
    assert migrated.stderr.strip().splitlines()[-1] == (  # after the log lines
        "matrix: no device saved for @magbot:example.org: the next `magbot run` logs in and makes one"
    )
    assert migrated.stdout == ""
