"""A scripted Sender for outbox tests: records deliveries and fails on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from magbot.core.clock import ManualClock
from magbot.core.delivery import Places, RatePolicy, RetryLater, Undeliverable, Unreachable
from magbot.core.events import Outgoing, Post
from magbot.core.records import CardPlace


@dataclass
class ScriptedSender:
    platform: str = "console"
    rate: RatePolicy = field(default_factory=RatePolicy)
    delivered: list[tuple[int, Outgoing]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    clock: ManualClock | None = None  # with `takes`: each send moves it on, as a slow request would
    takes: timedelta = timedelta(0)

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        if message.chat.chat_id in self.unreachable:
            raise Unreachable()
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((outbox_id, message))
        if self.clock is not None:
            self.clock.advance(self.takes)
        return CardPlace(str(len(self.delivered)), None)

    def texts(self) -> list[str]:
        return [m.text for _, m in self.delivered if isinstance(m, Post)]


__all__ = ["RetryLater", "ScriptedSender", "Undeliverable"]
