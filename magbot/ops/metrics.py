"""Prometheus metrics, with prometheus-client, each App with its own registry (tests make many Apps).

Labels are kinds, results and platform names only: never a chat, a member, a group or any text. Counters and
the latency histogram are updated as things happen (the dispatch and the senders are wrapped here, so core
knows nothing of metrics); the outbox and scheduler gauges are read from the database when /metrics is asked.
"""

from __future__ import annotations

import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from magbot.core.delivery import Places, RatePolicy, RetryLater, Sender, Undeliverable, Unreachable
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Incoming, Outgoing
from magbot.core.platform import Dispatch
from magbot.core.records import CardPlace
from magbot.storage.models import OutboxRow, ScheduledRow
from magbot.storage.uow import UnitOfWorkFactory

RATE_LIMITED = frozenset({"telegram flood control", "M_LIMIT_EXCEEDED"})  # the reasons platforms give for 429s
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.updates = Counter(
            "magbot_updates", "Incoming events, by kind and result (handled, duplicate, failed)",
            ["kind", "result"], registry=r,
        )
        self.dispatch_seconds = Histogram(
            "magbot_dispatch_seconds", "Time to handle one incoming event and commit it", ["kind"],
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.sends = Counter(
            "magbot_sends", "Outbox sends, by platform, message kind and result", ["platform", "kind", "result"],
            registry=r,
        )
        self.rate_limited = Counter(
            "magbot_rate_limited", "Sends the platform refused with 429 / M_LIMIT_EXCEEDED", ["platform"], registry=r
        )
        self.outbox_depth = Gauge("magbot_outbox_depth", "Outbox rows, by status (pending, held)", ["status"],
                                  registry=r)
        self.outbox_oldest = Gauge("magbot_outbox_oldest_seconds", "Age of the oldest pending outbox row",
                                   registry=r)
        self.scheduler_lag = Gauge("magbot_scheduler_lag_seconds", "How long the oldest due job has waited to run",
                                   registry=r)
        self.leader = Gauge("magbot_leader", "1 when this instance leads (runs polling, sync, scheduler, sender)",
                            registry=r)
        self.oldest_pending_s = 0.0  # as of the last refresh (the readiness check reads it)

    def timed(self, dispatch: Dispatch) -> Dispatch:
        async def timed_dispatch(incoming: Incoming) -> DispatchResult:
            kind, began = type(incoming).__name__, time.perf_counter()
            try:
                result = await dispatch(incoming)
            except Exception:
                self.updates.labels(kind, "failed").inc()
                raise
            self.dispatch_seconds.labels(kind).observe(time.perf_counter() - began)
            self.updates.labels(kind, "duplicate" if result.duplicate else "handled").inc()
            return result

        return timed_dispatch

    def counted(self, sender: Sender) -> Sender:
        return CountedSender(sender, self)

    async def refresh(self, uow: UnitOfWorkFactory, now: datetime, leading: bool) -> None:
        """The gauges that are the database's state: the outbox's depth and age, the scheduler's lag."""
        self.leader.set(1 if leading else 0)
        async with uow() as work:
            rows = await work.session.execute(
                select(OutboxRow.status, func.count(), func.min(OutboxRow.created_at)).group_by(OutboxRow.status)
            )
            depth = {status: (count, oldest) for status, count, oldest in rows}
            overdue = await work.session.scalar(
                select(func.min(ScheduledRow.due_at)).where(
                    ScheduledRow.status == "pending", ScheduledRow.due_at <= now
                )
            )
        for status in ("pending", "held"):
            self.outbox_depth.labels(status).set(depth.get(status, (0, None))[0])
        self.oldest_pending_s = age(now, depth.get("pending", (0, None))[1])
        self.outbox_oldest.set(self.oldest_pending_s)
        self.scheduler_lag.set(age(now, overdue))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


class CountedSender:
    """A platform's sender, counting each send's result; everything else is the sender's own."""

    def __init__(self, inner: Sender, metrics: Metrics) -> None:
        self._inner, self._metrics = inner, metrics
        self.platform: str = inner.platform
        self.rate: RatePolicy = inner.rate

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        kind = type(message).__name__
        try:
            landed = await self._inner.send(outbox_id, message, places)
        except Exception as exc:
            result = {RetryLater: "retry_later", Unreachable: "unreachable", Undeliverable: "undeliverable"}.get(
                type(exc), "error"
            )
            if isinstance(exc, RetryLater) and str(exc) in RATE_LIMITED:  # not "room not synced yet" and such
                self._metrics.rate_limited.labels(self.platform).inc()
            self._metrics.sends.labels(self.platform, kind, result).inc()
            raise
        self._metrics.sends.labels(self.platform, kind, "ok").inc()
        return landed
