"""The fault suite, small: magbot as a real process (`python -m magbot run`, logs at DEBUG) against the fake
Bot API, SIGKILLed and restarted at random while sends fail at random; nothing lost, doubled or crashed, order
and rate limits kept, every press by a stranger, a member of another group or a member who left refused, no
token, name or member text in any log line. `python bench/faults.py --runs 200` is
the long run; this keeps CI within about a minute.

The bot process runs on the system clock, as in production (it is a real `magbot run`); the fake dates its
updates by the same clock, as Telegram does. Every wait is on the real process or socket, bounded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faults import passed, run_suite, summary
from bench.faults_session import Options
from tests.conftest import PG_URL
from tests.matrix_admin import homeserver_from_env

# Small in CI (each run starts a real process: about 4 s); `python bench/faults.py --runs 200` for the figures.
CASES = [
    pytest.param("sqlite", "polling", 4, id="sqlite-polling"),
    pytest.param("sqlite", "webhook", 3, id="sqlite-webhook"),
    pytest.param(
        "postgres",
        "polling",
        3,
        id="postgres-polling",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="MAGBOT_TEST_PG_URL is not set")],
    ),
]


@pytest.mark.parametrize(("db", "mode", "runs"), CASES)
async def test_random_kills_and_send_faults_lose_double_and_leak_nothing(
    db: str, mode: str, runs: int, tmp_path: Path
) -> None:
    options = Options(runs=runs, per_session=runs, seed=7, db=db, mode=mode, fault_rate=0.1, drain_limit=120)
    report = await run_suite(options, tmp_path)
    notes = "\n".join(report.verdict.notes[:20])
    assert report.runs == runs and report.processes == runs + 2, summary(report)  # set-up, the runs, the drain
    assert report.actions.get("dm", 0) and len(report.actions) >= 2, report.actions  # it did several things
    assert sum(report.faults.values()) > 0, report.faults  # and sends did fail meanwhile
    v = report.verdict
    assert (v.lost, v.doubled, report.crashes) == (0, 0, 0), f"{summary(report)}\n{notes}"
    assert (v.order, v.limits, v.leaks, v.refusals_missed) == (0, 0, 0, 0), notes
    assert passed(report)


@pytest.mark.matrix
@pytest.mark.skipif(homeserver_from_env() is None, reason="MAGBOT_TEST_HOMESERVER is not set")
async def test_random_kills_on_matrix_lose_double_and_leak_nothing(tmp_path: Path) -> None:
    options = Options(runs=3, per_session=3, seed=7, platform="matrix")
    report = await run_suite(options, tmp_path)
    v = report.verdict
    assert report.processes == 5 and report.actions["matrix-commands"] >= 3, summary(report)
    assert (v.lost, v.doubled, v.resent, report.crashes, v.order, v.leaks) == (0, 0, 0, 0, 0, 0), v.notes[:20]
