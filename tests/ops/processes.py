"""Real `magbot run` processes for the operations tests, configured like the fault suite's (bench/faults_bot.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.faults_bot import BotConfig, BotProcess
from bench.faults_fake import FaultyTelegram


@dataclass(frozen=True)
class OpsConfig(BotConfig):
    """The fault suite's config, with environment variables of our own on top (a health port, a wrong token)."""

    extra: dict[str, str] = field(default_factory=dict)

    def env(self, fake: FaultyTelegram) -> dict[str, str]:
        return {**super().env(fake), **self.extra}


__all__ = ["BotProcess", "OpsConfig"]
