"""The bot under test as a real process: `python -m magbot run`, configured for the fake, killed with SIGKILL.

Configuration is what an operator writes: a TOML file (platforms, Telegram base URL, mode, webhook address) and
the environment (MAGBOT_TELEGRAM_TOKEN, MAGBOT_TELEGRAM_WEBHOOK_SECRET, MAGBOT_DATABASE_URL, MAGBOT_LOG_LEVEL).
Each process writes its stderr (its log, at DEBUG) to its own file, which the leak check reads afterwards.
Every wait here is on the real process or socket, and bounded.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.faults_fake import FaultyTelegram

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "faults-webhook-secret_0123456789"
START_LIMIT_S = 60.0  # a loaded two-core CI machine can take this long to import and migrate
STOP_LIMIT_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Every session's bots start at this instant, a Monday morning (London) in January, and their time runs on from
# there: with the machine's own time, a run on a Thursday at 18:30 had the bots post the meeting's agenda, which
# quotes the members' suggestions, and the checks took the agenda for a suggestion's card sent twice.
SESSION_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def session_clock_shift() -> float:
    """Seconds that put the bots' clock (`clock.shift`) at SESSION_START now; one value for a whole session,
    so its processes, restarted or side by side, share one time line."""
    return (SESSION_START - datetime.now(UTC)).total_seconds()


@dataclass(frozen=True)
class BotConfig:
    workdir: Path
    database_url: str
    mode: str  # polling | webhook
    webhook_port: int
    extra: dict[str, str] = field(default_factory=dict)  # more environment, e.g. a health port per instance
    clock_shift_s: float = 0.0  # added to the machine's time by every bot of the session (`session_clock_shift`)

    def write(self, fake: FaultyTelegram) -> Path:
        path = self.workdir / "magbot.toml"
        path.write_text(
            "\n".join(
                [
                    'platforms = ["telegram"]',
                    f'data_dir = "{self.workdir / "data"}"',
                    "[telegram]",
                    f'base_url = "{fake.url}/bot"',
                    f'base_file_url = "{fake.url}/file/bot"',
                    f'mode = "{self.mode}"',
                    f'webhook_url = "http://127.0.0.1:{self.webhook_port}/telegram"',
                    f'listen = "127.0.0.1:{self.webhook_port}"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        return path

    def env(self, fake: FaultyTelegram, number: int) -> dict[str, str]:
        """Bot process `number`'s environment; it calls the fake under its own path (bench/faults_fake.py)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAGBOT_")}
        env.update(
            MAGBOT_CONFIG=str(self.write(fake)),
            MAGBOT_DATABASE_URL=self.database_url,
            MAGBOT_LOG_LEVEL="DEBUG",
            MAGBOT_TELEGRAM_BASE_URL=fake.process_url(number),
            MAGBOT_CLOCK_SHIFT=repr(self.clock_shift_s),
            MAGBOT_TELEGRAM_TOKEN=fake.token,
            MAGBOT_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            PYTHONPATH=str(ROOT),
        )
        env.update(self.extra)
        return env


class BotProcess:
    """One run of the bot; `exited_by_itself` tells a crash from our SIGKILL or SIGTERM."""

    def __init__(self, config: BotConfig, fake: FaultyTelegram, number: int) -> None:
        self.config, self.fake, self.number = config, fake, number
        self.log_path = config.workdir / f"bot-{number:04d}.log"
        self._proc: asyncio.subprocess.Process | None = None
        self._signalled = False
        self._calls_at_start = 0

    async def start(self) -> None:
        self._calls_at_start = len(self.fake.calls)
        with self.log_path.open("wb") as log:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "magbot",
                "run",
                cwd=str(self.config.workdir),
                env=self.config.env(self.fake, self.number),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def exited_by_itself(self) -> bool:
        return self._proc is not None and self._proc.returncode is not None and not self._signalled

    def ready(self) -> bool:
        """Receiving: the first getUpdates (polling) or setWebhook (webhook) of this process reached the fake."""
        wanted = "getUpdates" if self.config.mode == "polling" else "setWebhook"
        return any(call.method == wanted for call in self.fake.calls[self._calls_at_start :])

    async def wait_ready(self, limit_s: float = START_LIMIT_S) -> bool:
        deadline = asyncio.get_running_loop().time() + limit_s
        while not self.ready():
            if not self.running or asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def kill(self) -> None:
        """SIGKILL: no handler runs, no buffer is flushed, no transaction is finished."""
        assert self._proc is not None
        if self.running:
            self._signalled = True
            self._proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self._proc.wait(), STOP_LIMIT_S)

    async def stop(self) -> int | None:
        """SIGTERM, as a supervisor stops it; SIGKILL if it does not end in time. Returns its exit code."""
        assert self._proc is not None
        if self.running:
            self._signalled = True
            self._proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self._proc.wait(), STOP_LIMIT_S)
        except TimeoutError:
            await self.kill()
        return self._proc.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


CONNECTIONS = 3  # webhook deliveries at once (Telegram's max_connections; 40 by default)


async def push_webhooks(fake: FaultyTelegram, stop: asyncio.Event) -> None:
    """Telegram's side of webhook mode: POST pending updates until each is answered 2xx.

    Up to CONNECTIONS at once, of different chats (one chat's updates stay in order, as Telegram keeps them),
    in a shuffled order: they arrive out of update_id order. A refused connection (the bot is down), a reset
    (killed mid-request) or a 500 leaves an update pending, and it is delivered again, as Telegram does.
    """
    shuffle = random.Random(0).shuffle
    while not stop.is_set():
        batch = _one_per_chat(fake.queue.deliverable(100))[:CONNECTIONS] if fake.webhook.get("url") else []
        if not batch:
            await asyncio.sleep(0.005)
            continue
        shuffle(batch)
        statuses = await asyncio.gather(*(_push(fake, update) for update in batch))
        done = {u["update_id"] for u, status in zip(batch, statuses, strict=True) if 200 <= status < 300}
        fake.queue.updates = [u for u in fake.queue.updates if u["update_id"] not in done]
        if len(done) < len(batch):
            await asyncio.sleep(0.02)


async def _push(fake: FaultyTelegram, update: dict[str, object]) -> int:
    try:
        return await asyncio.wait_for(fake.push_webhook(update), 30)
    except Exception:  # refused, reset, timed out: all mean "try again"
        return 0


def _one_per_chat(updates: list[dict[str, object]]) -> list[dict[str, object]]:
    """The oldest pending update of each chat (a poll answer counts as its voter's)."""
    seen, first = set(), []
    for update in updates:
        body = next(v for k, v in update.items() if k != "update_id")
        assert isinstance(body, dict)
        message = body.get("message", body)
        chat = (message.get("chat") or body.get("user") or {}).get("id")
        if chat not in seen:
            seen.add(chat)
            first.append(update)
    return first
