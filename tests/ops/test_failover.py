"""Three `magbot run` instances on one PostgreSQL, the leader SIGKILLed mid-stream: another takes over within
30 s, nothing is lost or doubled, /healthz and /metrics name the new leader (bench/failover.py; longer there).
Polling: only the leader polls. Webhook: every instance answers updates; only the leader sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.failover import TAKEOVER_LIMIT_S, run_failover, summary
from bench.faults_session import Options
from tests.conftest import PG_URL

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="MAGBOT_TEST_PG_URL is not set")]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_killing_the_leader_of_three_loses_and_doubles_nothing(mode: str, tmp_path: Path) -> None:
    # Webhook mode: a balancer sends each update to a random live instance, so followers answer updates too.
    options = Options(seed=3, db="postgres", mode=mode, fault_rate=0.0, drain_limit=90)
    result = await run_failover(options, 1, tmp_path)
    report, v = result.report, result.report.verdict
    notes = "\n".join([*v.notes[:20], *result.health])
    assert report.processes == 3, summary(result)
    assert len(result.takeovers) == 1 and result.takeovers[0] < TAKEOVER_LIMIT_S, summary(result)
    assert (v.lost, v.doubled, report.crashes) == (0, 0, 0), f"{summary(result)}\n{notes}"
    assert (v.order, v.limits, v.leaks) == (0, 0, 0), notes
    assert result.health == [], notes
    assert result.stopped_codes == [0, 0], result.stopped_codes  # the survivors stop cleanly on SIGTERM
    print(f"{summary(result)}; {report.seconds:.0f}s")
