"""`/healthz` (live and ready) and Prometheus `/metrics`, on the address in `health.listen` (off when empty).

* `GET /healthz/live`: 200 while the event loop answers at all (a supervisor restarts the process otherwise).
* `GET /healthz` and `GET /healthz/ready`: 200 when the database answers, every receive loop this instance
  runs is receiving (on a follower, the leader's loops are "standby", which is fine), and the oldest pending
  outbox row is younger than `STALE_OUTBOX_S`; 503 otherwise. The body is one `name: state` line per check,
  with no chat, member or text in it.
* `GET /metrics`: the Prometheus text format (metrics.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from magbot.config import ConfigError
from magbot.core.clock import Clock
from magbot.ops.metrics import Metrics
from magbot.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

STALE_OUTBOX_S = 600.0  # Telegram's rate limits queue a busy group's messages for minutes, never ten
DATABASE_TIMEOUT_S = 5.0


def listen_address(listen: str) -> tuple[str, int]:
    """`127.0.0.1:9108` or `[::]:9108` -> (host, port)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"'health.listen' must look like 127.0.0.1:9108, not '{listen}'")
    return host.strip("[]") or "127.0.0.1", int(port)


@dataclass
class Probes:
    uow: UnitOfWorkFactory
    clock: Clock
    metrics: Metrics
    receiving: Callable[[], dict[str, str]]
    leading: Callable[[], bool]


class HealthServer:
    def __init__(self, listen: str, probes: Probes) -> None:
        self._host, self._port = listen_address(listen)
        self._probes = probes
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """Where it listens (the real port when `listen` asked for port 0)."""
        for site in self._runner.sites if self._runner else []:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return int(server.sockets[0].getsockname()[1])
        return self._port

    async def run(self, stop: asyncio.Event) -> None:
        app = web.Application()
        app.router.add_get("/healthz/live", self._live)
        app.router.add_get("/healthz/ready", self._ready)
        app.router.add_get("/healthz", self._ready)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._host, self._port).start()
            log.info("health listening port=%d", self.port)
            await stop.wait()
        finally:
            await self._runner.cleanup()

    async def _live(self, _request: web.Request) -> web.Response:
        return web.Response(text="live: yes\n")

    async def _ready(self, _request: web.Request) -> web.Response:
        checks, ok = await self.checks()
        body = "".join(f"{name}: {state}\n" for name, state in checks.items())
        return web.Response(text=body, status=200 if ok else 503)

    async def checks(self) -> tuple[dict[str, str], bool]:
        probes, checks, ok = self._probes, {}, True
        try:
            await asyncio.wait_for(self._refresh(), DATABASE_TIMEOUT_S)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable ({type(exc).__name__})"
            ok = False
        for name, state in probes.receiving().items():
            checks[name] = state
            ok = ok and state in ("running", "standby")
        oldest = probes.metrics.oldest_pending_s  # as the refresh just done found it
        checks["outbox oldest"] = f"{oldest:.0f}s"
        if oldest > STALE_OUTBOX_S:
            checks["outbox oldest"] += f" (over {STALE_OUTBOX_S:.0f}s)"
            ok = False
        checks["role"] = "leader" if probes.leading() else "follower"
        return checks, ok

    async def _refresh(self) -> None:
        probes = self._probes
        async with probes.uow() as uow:
            await uow.session.execute(text("SELECT 1"))
        await probes.metrics.refresh(probes.uow, probes.clock.now(), probes.leading())

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(self._refresh(), DATABASE_TIMEOUT_S)
        except Exception as exc:  # the counters still say something; the gauges keep their last values
            log.warning("metrics refresh failed error=%s", type(exc).__name__)
        response = web.Response(body=self._probes.metrics.exposition())
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response
