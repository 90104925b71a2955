"""Telegram throughput and latency: a bare python-telegram-bot echo bot vs magbot's full path, in one run.

    python bench/telegram_bench.py --updates 500 --runs 3

Both bots poll the same in-process fake Bot API server (tests/fakes/telegram_api.py, 127.0.0.1 only), one
after the other, each against a fresh server:

(a) "bare PTB": a PTB `Application` with one `MessageHandler` that answers each text with `reply_text`
    (PTB's own Updater polling, no database, updates handled one at a time, PTB's default), on PTB's own
    httpx transport; and "bare PTB, aiohttp": the same bot on the transport magbot sends with
    (platforms/telegram/http.py), so magbot's own cost shows apart from the transport's.
(b) "magbot": `TelegramPlatform.run` + the outbox sender, on a temp SQLite file, answering `/members` (there
    are no check-ins yet, so `/members` stands in for `/checkin`): getUpdates -> Update -> Incoming ->
    membership check -> dedup claim -> handler -> outbox row -> COMMIT -> offset stored -> outbox ->
    sendMessage. Members talk in 50 groups; the first message of each group creates it and its founding
    member. The rate policy is zero here (Telegram's real 1 msg/s per chat would measure Telegram, not us).
    Started as `magbot run` starts it: what start built frozen out of full collections (magbot/ops/memory.py),
    thawed again when it stops, so the next round's bare bot runs as it would on its own.

magbot runs with SQLite on the loop's thread (storage/sqlite_inline.py, the default); with --aiosqlite it runs a
second time in each round on aiosqlite's worker thread (a thread hop per driver call), for that lever's figure.

Two phases per bot: a burst (all updates injected at once: updates/s until the last reply) and a paced run
(--rate updates/s, 100 by default: latency while keeping up). Latency = inject -> the fake recording the reply.
magbot's SQL statements and transactions per update (burst) are counted on the engine. Each of --runs rounds
runs both bots; figures are min/median/max over the rounds, and the last line is `summary key=value ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GROUPS = 50
FIRST_USER = 7000


class TimedCalls(list[Any]):
    """The fake's list of successful sends, stamping each with the time it was recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, call: Any) -> None:
        self.times.append(time.perf_counter())
        super().append(call)


@dataclass
class Result:
    name: str
    burst_rate: float
    p50: float
    p99: float
    statements: float = 0.0  # per update, in the burst (magbot only)
    transactions: float = 0.0
    cpu_ms: float = 0.0  # this process's CPU time per update in the burst (bot and fake server together)


class Probe:
    """Injects messages into the fake and matches each reply to its message (per chat, in order)."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.sent = TimedCalls()
        fake.state.outgoing = self.sent
        self.waiting: dict[int, deque[float]] = defaultdict(deque)
        self.latencies: list[float] = []
        self._seen = 0

    def inject(self, index: int, text: str) -> None:
        group, user = -(10**12) - index % GROUPS, FIRST_USER + index % GROUPS
        self.waiting[group].append(time.perf_counter())
        self.fake.inject_message(group, user, text, first_name=f"Member{index % GROUPS}")

    def collect(self) -> int:
        while self._seen < len(self.sent):
            call, at = self.sent[self._seen], self.sent.times[self._seen]
            self._seen += 1
            queue = self.waiting.get(int(call.params["chat_id"]))
            if queue:
                self.latencies.append(at - queue.popleft())
        return len(self.latencies)

    async def until_replies(self, count: int, limit_s: float = 120.0) -> None:
        deadline = time.perf_counter() + limit_s
        while self.collect() < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"only {len(self.latencies)} of {count} replies arrived")
            await asyncio.sleep(0.001)


async def measure(
    name: str, fake: Any, text: str, updates: int, rate: float, paced: int, start: Callable[[], Awaitable[Any]]
) -> Result:
    probe = Probe(fake)
    stop = await start()
    for i in range(GROUPS):  # warm up: every group and member exists, connections are open
        probe.inject(i, text)
    await probe.until_replies(GROUPS)
    probe.latencies.clear()
    counted = counter.snapshot() if (counter := getattr(stop, "counter", None)) else (0, 0)
    began, cpu = time.perf_counter(), time.process_time()
    for i in range(updates):
        probe.inject(i, text)
    await probe.until_replies(updates)
    burst_rate = updates / (time.perf_counter() - began)
    after = counter.snapshot() if counter else (0, 0)
    cpu_ms = (time.process_time() - cpu) * 1000 / updates
    probe.latencies.clear()
    for i in range(paced):
        probe.inject(i, text)
        await asyncio.sleep(1 / rate)
    await probe.until_replies(paced)
    await stop()
    lat = sorted(probe.latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    per = [(b - a) / updates for a, b in zip(counted, after, strict=True)]
    return Result(name, burst_rate, statistics.median(lat) * 1000, p99 * 1000, per[0], per[1], cpu_ms)


class Counter:
    """SQL statements and transactions (BEGINs) on magbot's engine: those SQLAlchemy runs (its events), and the
    hot statements and units of work run straight on the inline SQLite driver (storage/direct.py), counted where
    the driver runs them."""

    direct = began = 0  # statements and BEGINs straight on the inline driver (one bot runs at a time)

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements = self.transactions = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(engine.sync_engine, "begin", self._begin)
        _count_direct()

    def _statement(self, *args: Any) -> None:
        self.statements += 1

    def _begin(self, *args: Any) -> None:
        self.transactions += 1

    def snapshot(self) -> tuple[int, int]:
        return self.statements + Counter.direct, self.transactions + Counter.began


def _count_direct() -> None:
    from magbot.storage.sqlite_inline import InlineConnection

    run, begin = InlineConnection.run, InlineConnection.begin
    if getattr(run, "counted", False):
        return

    async def counted_run(connection: InlineConnection, *args: Any, **kwargs: Any) -> Any:
        Counter.direct += 1
        return await run(connection, *args, **kwargs)

    async def counted_begin(connection: InlineConnection) -> None:
        Counter.began += 1
        await begin(connection)

    counted_run.counted = True  # type: ignore[attr-defined]
    InlineConnection.run = counted_run  # type: ignore[method-assign,assignment]
    InlineConnection.begin = counted_begin  # type: ignore[method-assign,assignment]


async def start_ptb(fake: Any, aiohttp: bool = False) -> Callable[[], Awaitable[None]]:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    from magbot.platforms.telegram.http import AiohttpRequest

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    builder = Application.builder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot")
    app = (builder.request(AiohttpRequest()) if aiohttp else builder).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10)

    async def stop() -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    return stop


async def start_magbot(fake: Any, workdir: Path, inline: bool = False) -> Callable[[], Awaitable[None]]:
    from magbot.storage import db

    db.INLINE_SQLITE = inline
    return await _start_magbot(fake, workdir)


async def _start_magbot(fake: Any, workdir: Path) -> Callable[[], Awaitable[None]]:
    from magbot.app import App
    from magbot.config import Settings, TelegramSettings
    from magbot.core.delivery import RatePolicy
    from magbot.ops.memory import freeze_startup
    from magbot.platforms.telegram import TelegramPlatform

    telegram = TelegramSettings(token=fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    settings = Settings(
        platforms=("telegram",),
        data_dir=str(workdir),
        database_url=f"sqlite+aiosqlite:///{workdir}/bench.db",
        telegram=telegram,
    )
    app = App(settings)
    await app.prepare()
    platform = TelegramPlatform(telegram, app.uow, app.router, clock=app.clock, rate=RatePolicy(), poll_timeout=10)
    app.add_platform(platform)
    freeze_startup()  # as `magbot run` does before serving (magbot/ops/memory.py)
    stop_event = asyncio.Event()
    tasks = [
        asyncio.create_task(platform.run(app.dispatcher.dispatch, stop_event)),
        asyncio.create_task(app.outbox.run(stop_event)),
    ]
    await platform.ready.wait()

    async def stop() -> None:
        stop_event.set()
        app.outbox.wake()
        await asyncio.gather(*tasks)
        await app.close()
        gc.unfreeze()  # the next round's bare PTB bot starts as it would on its own

    stop.counter = Counter(app.engine)  # type: ignore[attr-defined]
    return stop


async def run(updates: int, rate: float, paced: int, aiosqlite: bool) -> dict[str, Result]:
    """One round: each bot against a fresh fake, keyed ptb, ptb_aiohttp, magbot (and aiosqlite)."""
    from tests.fakes.telegram_api import FakeTelegramServer

    results = {}
    for key, on_aiohttp in (("ptb", False), ("ptb_aiohttp", True)):
        async with FakeTelegramServer() as fake:
            start = functools.partial(start_ptb, fake, on_aiohttp)
            results[key] = await measure(key, fake, "hello", updates, rate, paced, start)
    for key, on_loop in (("magbot", True), ("aiosqlite", False)) if aiosqlite else (("magbot", True),):
        with tempfile.TemporaryDirectory() as tmp:
            async with FakeTelegramServer() as fake:
                start = functools.partial(start_magbot, fake, Path(tmp), on_loop)
                results[key] = await measure(key, fake, "/members", updates, rate, paced, start)
    return results


def spread(values: list[float], digits: int = 0) -> str:
    return "/".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=500, help="updates in the burst phase")
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second in the paced phase")
    parser.add_argument("--paced", type=int, default=500, help="updates in the paced phase")
    parser.add_argument("--runs", type=int, default=3, help="rounds of both bots")
    parser.add_argument("--aiosqlite", action="store_true", help="also magbot on aiosqlite's worker thread")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "httpcore", "telegram", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    rounds = [asyncio.run(run(args.updates, args.rate, args.paced, args.aiosqlite)) for _ in range(args.runs)]

    def of(key: str) -> list[Result]:
        return [r[key] for r in rounds if key in r]

    def ratio(key: str, base: str, field: str = "burst_rate") -> list[float]:
        return [getattr(r[key], field) / getattr(r[base], field) for r in rounds if key in r]

    print(f"{args.updates} updates in a burst; {args.paced} paced at {args.rate:g}/s; latency = inject -> reply sent")
    print(f"{args.runs} runs, min/median/max")
    print(f"{'':22}{'updates/s':>16}{'p50 ms':>20}{'p99 ms':>22}{'CPU ms/update':>18}")
    names = {"ptb": "bare PTB echo", "ptb_aiohttp": "  PTB on aiohttp", "magbot": "magbot /members"}
    for key, name in {**names, "aiosqlite": "  on aiosqlite"}.items():
        if rs := of(key):
            print(
                f"{name:22}{spread([r.burst_rate for r in rs]):>16}{spread([r.p50 for r in rs], 1):>20}"
                f"{spread([r.p99 for r in rs], 1):>22}{spread([r.cpu_ms for r in rs], 2):>18}"
            )
    print(f"{'magbot / PTB':22}{spread(ratio('magbot', 'ptb'), 2):>16}")
    print(f"{'magbot / PTB aiohttp':22}{spread(ratio('magbot', 'ptb_aiohttp'), 2):>16}")
    if of("aiosqlite"):
        print(f"{'  on aiosqlite':22}{spread(ratio('aiosqlite', 'ptb'), 2):>16}")
    magbot, ptb = of("magbot"), of("ptb")
    statements = statistics.median(r.statements for r in magbot)
    transactions = statistics.median(r.transactions for r in magbot)
    print(f"magbot per update: {statements:.1f} SQL statements, {transactions:.1f} transactions")
    print(
        f"summary throughput_ratio={statistics.median(ratio('magbot', 'ptb')):.2f} "
        f"same_transport_ratio={statistics.median(ratio('magbot', 'ptb_aiohttp')):.2f} "
        f"ptb_rate={statistics.median(r.burst_rate for r in ptb):.0f} "
        f"magbot_rate={statistics.median(r.burst_rate for r in magbot):.0f} "
        f"p99_ms={statistics.median(r.p99 for r in magbot):.1f} p99_ms_max={max(r.p99 for r in magbot):.1f} "
        f"ptb_p99_ms={statistics.median(r.p99 for r in ptb):.1f} rate={args.rate:g} "
        f"statements={statements:.1f} transactions={transactions:.1f} "
        f"cpu_ratio={statistics.median(ratio('magbot', 'ptb', 'cpu_ms')):.2f} "
        f"same_transport_cpu_ratio={statistics.median(ratio('magbot', 'ptb_aiohttp', 'cpu_ms')):.2f}"
        + (f" aiosqlite_ratio={statistics.median(ratio('aiosqlite', 'ptb')):.2f}" if of("aiosqlite") else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
