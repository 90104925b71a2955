"""A scripted Sender for outbox tests: records deliveries and fails on request."""

from __future__ import annotations

from dataclasses import dataclass, field

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

    async def send(self, outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        if message.chat.chat_id in self.unreachable:
            raise Unreachable()
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((outbox_id, message))
        return CardPlace(str(len(self.delivered)), None)

    def texts(self) -> list[str]:
        return [m.text for _, m in self.delivered if isinstance(m, Post)]


__all__ = ["RetryLater", "ScriptedSender", "Undeliverable"]
