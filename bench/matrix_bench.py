"""Matrix round trip: a bare matrix-nio echo bot vs magbot's full path, through the local Synapse, encrypted.

    source /tmp/syn.env; python bench/matrix_bench.py --messages 50 --runs 3 [--burst 20 --rate 5]

Each run starts both bots at once on the same homeserver (MAGBOT_TEST_HOMESERVER); for each, a new member (a real
nio client with its own encryption store, tests/platforms/matrix/conftest.py) makes an encrypted room, giving the
bot power 100, and invites the bot:

(a) "bare nio echo": one `AsyncClient` with E2EE running nio's own `sync_forever` (30 s long-poll) and a callback
    that answers each text with the same text (`room_send`, unverified devices allowed). No database.
(b) "magbot /members": `App.serve` as `magbot run` runs it (MatrixPlatform's sync loop, the dispatcher on a temp
    SQLite file, the outbox sender, the scheduler), after the member's `/setup`; each message is `/members`
    (membership check -> dedup claim -> handler reads the members -> outbox row -> COMMIT -> next_batch saved ->
    outbox -> txn id -> room_send).

Latency = the member starts sending (encrypt + PUT) -> his client has synced and decrypted the answer. `--messages`
sequential round trips per bot (after a few warm-up ones), alternating between the bots so that both meet the
same load on a shared machine; then optionally, for each bot in turn, `--burst` messages sent at `--rate` per
second while the member syncs, each latency from its send to its answer. Figures: min/median/p95 per run; the
table shows min/median/max over the runs; the last line is `summary key=value ...` (ratios: magbot / bare per run,
their median).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.telegram_bench import Counter
    from tests.platforms.matrix.conftest import Member

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 3
LONG_POLL_MS = 30_000


@dataclass
class Figures:
    sequential: list[float] = field(default_factory=list)  # seconds, one per message
    burst: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's CPU seconds per round trip (member + bot)
    statements: float = 0.0  # SQL statements and transactions per sequential round trip (magbot only)
    transactions: float = 0.0

    @staticmethod
    def stats(values: list[float]) -> tuple[float, float, float]:
        """min, median, p95 in milliseconds."""
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        return ordered[0] * 1000, statistics.median(ordered) * 1000, p95 * 1000


class Probe:
    """One bot as its member sees it: send, then sync until the bot's answer is decrypted."""

    def __init__(
        self, member: Member, room: str, bot_id: str, text: Callable[[int], str], answer: Callable[[int], str]
    ) -> None:
        self.member, self.room, self.bot_id = member, room, bot_id
        self.text, self.answer = text, answer  # the i-th message, and what its answer contains
        self.figures = Figures()
        self.counter: Counter | None = None  # magbot's engine (bench/telegram_bench.py)

    def answers(self, since: int, contains: str) -> int:
        return sum(contains in body for body in self.member.texts(self.room, self.bot_id, since))

    async def round_trip(self, i: int) -> float:
        """Seconds from send to answer; the CPU it took this process (the other bot is idle) is kept."""
        mark, began, cpu = self.member.mark(), time.perf_counter(), time.process_time()
        await self.member.send(self.room, self.text(i))
        while not self.answers(mark, self.answer(i)):
            await self.member.sync(LONG_POLL_MS)
        self.figures.cpu.append(time.process_time() - cpu)
        return time.perf_counter() - began

    async def burst(self, texts: list[str], contains: str, rate: float) -> list[float]:
        """Send at `rate`/s while syncing; the i-th answer is matched to the i-th message (one room, in order)."""
        mark, sent, seen = self.member.mark(), list[float](), list[float]()

        async def send_all() -> None:
            start = time.perf_counter()
            for index, text in enumerate(texts):  # on a fixed schedule, whatever a send took
                await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
                sent.append(time.perf_counter())
                await self.member.send(self.room, text)

        sending = asyncio.ensure_future(send_all())
        deadline = time.monotonic() + 60 + len(texts) / rate
        while len(seen) < len(texts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(seen)} of {len(texts)} answers came")
            await self.member.sync(1000)
            now = time.perf_counter()
            seen += [now] * (self.answers(mark, contains) - len(seen))
        await sending
        return [answer - start for start, answer in zip(sent, seen, strict=True)]


async def measure(probes: list[Probe], args: argparse.Namespace) -> None:
    """Round trips alternating between the bots (the order swapped each time), so both meet the same load."""
    for i in range(WARM_UP):  # each member's Megolm session reaches its bot; connections open
        for probe in probes:
            await probe.round_trip(-1 - i)
            probe.figures.cpu.clear()
    before = [probe.counter.snapshot() if probe.counter else (0, 0) for probe in probes]
    for i in range(args.messages):
        for probe in probes if i % 2 == 0 else probes[::-1]:
            probe.figures.sequential.append(await probe.round_trip(i))
    for probe, (statements, transactions) in zip(probes, before, strict=True):
        if probe.counter:
            now = probe.counter.snapshot()
            probe.figures.statements = (now[0] - statements) / args.messages
            probe.figures.transactions = (now[1] - transactions) / args.messages
    for probe in probes if args.burst else []:
        texts = [probe.text(10_000 + i) for i in range(args.burst)]
        probe.figures.burst = await probe.burst(texts, probe.answer(-1), args.rate)


async def room_with(member: Member, bot_id: str) -> str:
    """The member's encrypted room with the bot at power 100 (as a group's room is), once the bot has joined."""
    from tests.platforms.matrix.conftest import joined

    room = await member.create_room([bot_id], power={bot_id: 100})
    await member.wait_for(joined(bot_id, room), "the bot join")
    return room


# ---------------------------------------------------------------- (a) the bare nio echo bot


@asynccontextmanager
async def bare_echo(homeserver: tuple[str, str], workdir: Path) -> AsyncIterator[str]:
    from nio import AsyncClient, AsyncClientConfig, InviteMemberEvent, MatrixRoom, RoomMessageText

    from tests.matrix_admin import register_user, unique_localpart

    hs, secret = homeserver
    user = await register_user(hs, secret, unique_localpart("echo"), "echo-password", displayname="echo")
    store = workdir / "echo-store"
    store.mkdir()
    client = AsyncClient(hs, user.user_id, device_id=user.device_id, store_path=str(store),
                         config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))  # fmt: skip
    client.restore_login(user_id=user.user_id, device_id=user.device_id, access_token=user.access_token)

    async def echo(room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != client.user_id:
            content = {"msgtype": "m.text", "body": event.body}
            await client.room_send(room.room_id, "m.room.message", content, ignore_unverified_devices=True)

    async def accept(room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == client.user_id and event.membership == "invite":
            await client.join(room.room_id)

    await client.sync(timeout=0)  # from now on: no history is answered
    client.add_event_callback(echo, RoomMessageText)
    client.add_event_callback(accept, InviteMemberEvent)
    task = asyncio.ensure_future(client.sync_forever(timeout=LONG_POLL_MS))
    try:
        yield user.user_id
    finally:
        client.stop_sync_forever()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()


# ---------------------------------------------------------------- (b) magbot, as `magbot run` runs it


@asynccontextmanager
async def magbot(homeserver: tuple[str, str], workdir: Path) -> AsyncIterator[tuple[str, Counter]]:
    from bench.telegram_bench import Counter
    from magbot.app import App, make_platforms
    from magbot.config import MatrixSettings, Settings
    from tests.matrix_admin import register_user, unique_localpart

    hs, secret = homeserver
    user = await register_user(hs, secret, unique_localpart("magbot"), "bot-password", displayname="magbot")
    settings = Settings(
        platforms=("matrix",),
        data_dir=str(workdir / "data"),
        database_url=f"sqlite+aiosqlite:///{workdir}/bench.db",
        matrix=MatrixSettings(homeserver=hs, user_id=user.user_id, password="bot-password", store_key="bench-key"),
    )
    app = App(settings)
    await app.prepare()
    for platform in make_platforms(app):
        app.add_platform(platform)
    stop = asyncio.Event()
    counter = Counter(app.engine)
    serving = asyncio.ensure_future(app.serve(stop))
    try:
        yield user.user_id, counter
    finally:
        stop.set()
        await serving
        await app.close()


# ---------------------------------------------------------------- one run


async def one_run(homeserver: tuple[str, str], args: argparse.Namespace) -> tuple[Figures, Figures]:
    """Both bots running at once on the same homeserver, each with its own member and room."""
    from tests.platforms.matrix.conftest import message_from, new_member

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for side in ("bare", "magbot"):
            (workdir / side).mkdir()
        async with (
            bare_echo(homeserver, workdir / "bare") as echo_id,
            magbot(homeserver, workdir / "magbot") as (bot_id, counter),
        ):
            members = [await new_member(homeserver, "Bernard", workdir / side) for side in ("bare", "magbot")]
            rooms = [await room_with(member, bot) for member, bot in zip(members, (echo_id, bot_id), strict=True)]
            mark = members[1].mark()
            await members[1].send(rooms[1], "/setup")
            await members[1].wait_for(message_from(bot_id, rooms[1], "Welcome to the group's space"), "setup", mark)
            probes = [
                Probe(
                    members[0], rooms[0], echo_id, lambda i: f"ping {i}.", lambda i: f"ping {i}." if i >= 0 else "ping"
                ),
                Probe(members[1], rooms[1], bot_id, lambda i: "/members", lambda i: "member:"),
            ]
            probes[1].counter = counter
            try:
                await measure(probes, args)
            finally:
                for member in members:
                    await member.c.close()
    return probes[0].figures, probes[1].figures


def spread(values: list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in (min(values), statistics.median(values), max(values)))


def stats_of(runs: list[tuple[Figures, Figures]]) -> tuple[list[tuple[float, float, float]], ...]:
    """Each bot's sequential (min, median, p95) per run."""
    return tuple([Figures.stats(run[index].sequential) for run in runs] for index in (0, 1))


def report(runs: list[tuple[Figures, Figures]], args: argparse.Namespace) -> None:
    print(f"{args.messages} sequential round trips per bot per run (+{WARM_UP} warm-up); {len(runs)} runs")
    print("latency = member sends -> member's client decrypted the answer; ms, min/median/max over the runs")
    phases = [("sequential", "sequential")] + (
        [("burst", f"burst {args.burst} @ {args.rate:g}/s")] if args.burst else []
    )
    medians: dict[str, list[float]] = {}
    for phase, title in phases:
        print(f"\n{title:24}{'min':>22}{'p50':>22}{'p95':>22}")
        for index, name in enumerate(("bare nio echo", "magbot /members")):
            stats = [Figures.stats(getattr(run[index], phase)) for run in runs]
            print(f"{name:24}" + "".join(f"{spread([s[k] for s in stats]):>22}" for k in range(3)))
            medians[f"{phase}{index}"] = [s[1] for s in stats]
            medians[f"{phase}{index}p95"] = [s[2] for s in stats]
        ratios = [m / b for b, m in zip(medians[f"{phase}0"], medians[f"{phase}1"], strict=True)]
        print(f"{'magbot / bare (p50)':24}{'':>22}{'/'.join(f'{r:.2f}' for r in sorted(ratios)):>22}")
        medians[f"{phase}ratio"] = ratios
    cpu = [[statistics.median(run[index].cpu) * 1000 for run in runs] for index in (0, 1)]
    print(
        f"\nCPU ms per round trip (this process: member + bot), median: bare {spread(cpu[0])}, magbot {spread(cpu[1])}"
    )
    statements = statistics.median(run[1].statements for run in runs)
    transactions = statistics.median(run[1].transactions for run in runs)
    print(f"magbot per round trip: {statements:.1f} SQL statements, {transactions:.1f} transactions")
    med = {key: statistics.median(values) for key, values in medians.items()}
    line = (
        f"summary latency_ratio={med['sequentialratio']:.2f} bare_p50_ms={med['sequential0']:.1f} "
        f"magbot_p50_ms={med['sequential1']:.1f} bare_p95_ms={med['sequential0p95']:.1f} "
        f"magbot_p95_ms={med['sequential1p95']:.1f} latency_ratio_max={max(medians['sequentialratio']):.2f} "
        f"min_ratio={statistics.median(m[0] / b[0] for b, m in zip(*stats_of(runs), strict=True)):.2f} "
        f"bare_cpu_ms={statistics.median(cpu[0]):.1f} magbot_cpu_ms={statistics.median(cpu[1]):.1f}"
    )
    if args.burst:
        line += (
            f" burst_ratio={med['burstratio']:.2f} burst_bare_p50_ms={med['burst0']:.1f}"
            f" burst_magbot_p50_ms={med['burst1']:.1f} burst_magbot_p95_ms={med['burst1p95']:.1f}"
        )
    print(
        line + f" statements={statements:.1f} transactions={transactions:.1f} messages={args.messages} runs={len(runs)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50, help="sequential round trips per bot per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burst", type=int, default=0, help="messages in the paced burst (0: none)")
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second in the burst")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.matrix_admin import homeserver_from_env

    homeserver = homeserver_from_env()
    if homeserver is None:
        raise SystemExit("needs MAGBOT_TEST_HOMESERVER and MAGBOT_TEST_REGISTRATION_SECRET (source /tmp/syn.env)")
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("nio", "peewee", "aiosqlite", "magbot"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    runs = [asyncio.run(one_run(homeserver, args)) for _ in range(args.runs)]
    report(runs, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
