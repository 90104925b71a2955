"""/healthz and /metrics over HTTP on a running app (SQLite, one process that leads; the follower's side is in
test_failover.py): live, ready, not ready when the outbox is stuck, and metrics with no personal data."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bench.faults_session import until
from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.delivery import RatePolicy
from magbot.core.events import ChatRef, Command, Post, UserRef
from magbot.core.platform import Dispatch
from tests.conftest import START, settings_for, sqlite_url
from tests.fakes.sender import ScriptedSender
from tests.ops.processes import get

NAME, WORDS = "Zebedee", "pigeonloft"
DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def docker_healthcheck(port: int) -> int:
    """The image's HEALTHCHECK command, run here against `port`: its exit status (0 healthy)."""
    line = next(line for line in DOCKERFILE.read_text().splitlines() if line.strip().startswith("CMD [\"python"))
    command = json.loads(line.strip()[len("CMD "):])
    assert command[0] == "python" and ":9108/healthz" in command[2]
    script = command[2].replace(":9108/", f":{port}/")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30, check=False).returncode


class QuietPlatform:
    """Receives nothing by itself: the test hands its events to the dispatch it was given."""

    name = "quiet"

    def __init__(self) -> None:
        self.sender = ScriptedSender(platform="quiet", rate=RatePolicy())
        self.ready = asyncio.Event()
        self.dispatch: Dispatch | None = None

    async def run(self, dispatch: Dispatch, stop: asyncio.Event) -> None:
        self.dispatch = dispatch
        self.ready.set()
        await stop.wait()

    async def check(self) -> str:
        return "quiet"

    async def close(self) -> None:
        return None


async def test_health_and_metrics_answer_over_http(tmp_path: Path) -> None:
    clock = ManualClock(START)
    app = App(settings_for(sqlite_url(tmp_path), tmp_path, health_listen="127.0.0.1:0"), clock=clock)
    await app.prepare()
    platform = QuietPlatform()
    app.add_platform(platform)  # type: ignore[arg-type]
    stop = asyncio.Event()
    serving = asyncio.create_task(app.serve(stop))
    try:
        assert await until(lambda: platform.ready.is_set() and app.health is not None and app.health.port != 0, 20)
        assert app.health is not None
        port = app.health.port
        assert await get(port, "/healthz/live") == (200, "live: yes\n")
        status, body = await get(port, "/healthz")
        assert status == 200 and "database: ok" in body and "quiet: running" in body and "role: leader" in body
        assert await asyncio.to_thread(docker_healthcheck, port) == 0

        chat, member = ChatRef("quiet", "-1001"), UserRef("quiet", "7101", NAME)
        assert platform.dispatch is not None
        await platform.dispatch(Command("q:1", chat, member, START, name="suggest", args=f"{WORDS} now"))
        await platform.dispatch(Command("q:1", chat, member, START, name="suggest", args=f"{WORDS} now"))
        assert await until(lambda: platform.sender.delivered, 20)
        _, metrics = await get(port, "/metrics")
        assert 'magbot_updates_total{kind="Command",result="handled"} 1.0' in metrics
        assert 'magbot_updates_total{kind="Command",result="duplicate"} 1.0' in metrics
        assert 'magbot_dispatch_seconds_count{kind="Command"} 2.0' in metrics
        assert 'magbot_sends_total{kind="Post",platform="quiet",result="ok"}' in metrics
        assert "magbot_leader 1.0" in metrics and "magbot_scheduler_lag_seconds 0.0" in metrics
        assert 'magbot_outbox_depth{status="pending"} 0.0' in metrics
        for private in (NAME, WORDS, "7101", "-1001"):  # no member, text or chat in any label
            assert private not in metrics

        async with app.uow() as uow:  # a message stuck for an hour: not ready
            await uow.outbox.add([Post(ChatRef("other", "-9"), "stuck")], START - timedelta(hours=1))
        status, body = await get(port, "/healthz/ready")
        assert status == 503 and "outbox oldest: 3600s (over 600s)" in body, body
        assert await asyncio.to_thread(docker_healthcheck, port) != 0
        _, metrics = await get(port, "/metrics")
        assert 'magbot_outbox_depth{status="pending"} 1.0' in metrics
        assert "magbot_outbox_oldest_seconds 3600.0" in metrics
    finally:
        stop.set()
        assert await asyncio.wait_for(serving, 20) is True  # a clean stop
        await app.close()
