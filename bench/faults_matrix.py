"""SIGKILL-and-restart runs on Matrix: `python -m magbot run` on the loopback Synapse (MAGBOT_TEST_HOMESERVER),
in an encrypted room, with a real nio member client.

    python bench/faults.py --platform matrix --runs 50      # after `source /tmp/syn.env`

The member (his own device and keys) makes an encrypted room, invites the bot, runs /setup, then in each run
writes a few unknown commands `/zq<n>` while the bot is started, and the bot is SIGKILLed at a random moment.
A last process drains; the member syncs until he has every reply. Each reply must be in the room exactly once
and in order: a row sent again after a kill should carry the same txn id, which Synapse dedupes, so on Matrix
any second copy counts as doubled (one the suite found: tests/faults/test_matrix_resend.py). The bot's events
replayed after a restart (next_batch saved only after dispatch) must not be handled twice. Logs are checked for
the password, the store key, the member's name and his words.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path

from nio import Event, RoomMessagesResponse

from bench.faults_bot import BotProcess, session_clock_shift
from bench.faults_check import Verdict, check_logs, crashes_in, order_violations
from bench.faults_session import Report
from tests.matrix_admin import homeserver_from_env, register_user, unique_localpart
from tests.platforms.matrix.conftest import Member, joined, message_from, new_member

BOT_PASSWORD = "faults-bot-password-0123"
STORE_KEY = "faults-store-key-0123"
HISTORY_EVERY, HISTORY_PAGES = 5.0, 50  # seconds between read-backs while draining; at most 5,000 events read back
MEGOLM = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


class MatrixBot(BotProcess):
    """The bot process configured for Matrix; `ready` once it logs that it is running. (It keeps BotProcess's
    start/kill/stop and log handling; the Telegram config and fake are not needed.)"""

    def __init__(
        self, workdir: Path, database_url: str, homeserver: str, user_id: str, number: int, clock_shift_s: float
    ) -> None:
        self.workdir, self.database_url, self.homeserver, self.user_id = workdir, database_url, homeserver, user_id
        self.number, self.clock_shift_s = number, clock_shift_s
        self.log_path = workdir / f"bot-{number:04d}.log"
        self._proc: asyncio.subprocess.Process | None = None
        self._signalled = False

    def env(self) -> dict[str, str]:
        import os

        from bench.faults_bot import ROOT

        config = self.workdir / "magbot.toml"
        config.write_text(
            f'platforms = ["matrix"]\ndata_dir = "{self.workdir / "data"}"\n[matrix]\n'
            f'homeserver = "{self.homeserver}"\nuser_id = "{self.user_id}"\nstore_path = "{self.workdir / "store"}"\n',
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAGBOT_")}
        env.update(
            MAGBOT_CONFIG=str(config),
            MAGBOT_DATABASE_URL=self.database_url,
            MAGBOT_LOG_LEVEL="DEBUG",
            MAGBOT_MATRIX_PASSWORD=BOT_PASSWORD,
            MAGBOT_MATRIX_STORE_KEY=STORE_KEY,
            MAGBOT_CLOCK_SHIFT=repr(self.clock_shift_s),
            PYTHONPATH=str(ROOT),
        )
        return env

    async def start(self) -> None:
        with self.log_path.open("wb") as log:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "magbot", "run", cwd=str(self.workdir), env=self.env(),
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip

    def ready(self) -> bool:
        return self.log_path.exists() and "magbot running" in self.log_text()


class MatrixSession:
    def __init__(self, runs: int, seed: int, workdir: Path, database_url: str) -> None:
        env = homeserver_from_env()
        if env is None:
            raise SystemExit("--platform matrix needs MAGBOT_TEST_HOMESERVER (source /tmp/syn.env)")
        self.homeserver, self.runs, self.workdir, self.database_url = env, runs, workdir, database_url
        self.rng = random.Random(seed)
        # Every bot of the session starts at the same fixed Monday morning, as the Telegram sessions' do: on a
        # meeting evening by the machine's clock the bot would post the agenda mid-run (see faults_bot.py).
        self.clock_shift_s = session_clock_shift()
        self.processes: list[MatrixBot] = []
        self.tokens: list[str] = []
        self.bot_id = ""
        self.history: dict[str, Event] = {}  # event id -> event, read back from the homeserver

    def next_bot(self) -> MatrixBot:
        """The session's next bot process, not yet started."""
        number = len(self.processes)
        return MatrixBot(self.workdir, self.database_url, self.homeserver[0], self.bot_id, number, self.clock_shift_s)

    async def spawn(self) -> MatrixBot:
        bot = self.next_bot()
        self.processes.append(bot)
        await bot.start()
        return bot

    async def run(self) -> Report:
        began = time.monotonic()
        hs, secret = self.homeserver
        self.bot_id = (await register_user(hs, secret, unique_localpart("magbot"), BOT_PASSWORD)).user_id
        member = await new_member(self.homeserver, "Zebedee", self.workdir)
        try:
            room = await self._set_up(member)
            for _ in range(self.runs):
                await self._crash_run(member, room)
            await self._drain(member, room)
        finally:
            for bot in self.processes:
                if bot.running:
                    await bot.kill()
            await member.c.close()
        report = self._report(member, room)
        report.seconds = time.monotonic() - began
        return report

    async def _set_up(self, member: Member) -> str:
        bot = await self.spawn()
        if not await bot.wait_ready():
            raise RuntimeError(f"the Matrix bot did not start; see {bot.log_path}")
        room = await member.create_room([self.bot_id], power={self.bot_id: 100})
        await member.wait_for(joined(self.bot_id, room), "the bot join")
        mark = member.mark()
        await member.send(room, "/setup")
        await member.wait_for(message_from(self.bot_id, room, "Welcome to the group's space"), "setup", mark)
        await bot.kill()
        return room

    async def _crash_run(self, member: Member, room: str) -> None:
        bot = await self.spawn()
        if self.rng.random() < 0.85:
            await bot.wait_ready()
        for _ in range(self.rng.randint(1, 3)):
            self.tokens.append(f"I don't know /zq{len(self.tokens) + 1}.")
            await member.send(room, f"/zq{len(self.tokens)}")
        await asyncio.sleep(self.rng.uniform(0, 1.5))  # the kill's random moment
        await bot.kill()
        await member.sync(0)

    async def _drain(self, member: Member, room: str) -> None:
        bot = await self.spawn()
        await bot.wait_ready()

        def all_seen() -> bool:
            texts = "\n".join(self._bot_texts(member, room))
            return all(token in texts for token in self.tokens)

        deadline, read_back = time.monotonic() + 180, time.monotonic() + HISTORY_EVERY
        while not all_seen() and time.monotonic() < deadline and bot.running:
            await member.sync(1000)
            if time.monotonic() > read_back:  # what the live view may have skipped
                await self._read_history(member, room)
                read_back = time.monotonic() + HISTORY_EVERY
        quiet_until = time.monotonic() + 2.0  # a late double would arrive now
        while time.monotonic() < quiet_until:
            await member.sync(500)
        await self._read_history(member, room)
        await bot.stop()

    async def _read_history(self, member: Member, room: str) -> None:
        """The room's events as the homeserver keeps them, newest first, as a member scrolling up sees them
        (decrypted by his client). A sync whose timeline came back "limited" (more new events than its limit,
        as after a restart's burst of replies) skips the older ones: the live view alone would count them
        lost."""
        start = member.next_batch or ""
        for _ in range(HISTORY_PAGES):
            response = await member.c.room_messages(room, start=start, limit=100)
            if not isinstance(response, RoomMessagesResponse) or not response.chunk:
                return
            self.history.update({event.event_id: event for event in response.chunk})
            if not response.end or response.end == start:
                return
            start = response.end

    def _bot_texts(self, member: Member, room: str) -> list[str]:
        """The bot's messages in the room, each event once (a member's client may see an event twice), from the
        live view and the room's history."""
        seen: dict[str, str] = {}
        events = [event for room_id, event in member.events if room_id == room] + list(self.history.values())
        for event in events:
            source = event.source or {}
            if event.sender == self.bot_id and source.get("type") == "m.room.message":
                seen.setdefault(str(event.event_id), str(source.get("content", {}).get("body", "")))
        return list(seen.values())

    def _read_back_only(self, member: Member) -> int:
        """The bot's events found in the history but never in the member's live view."""
        live = {str(event.event_id) for _, event in member.events}
        return sum(1 for key, event in self.history.items() if event.sender == self.bot_id and key not in live)

    def _report(self, member: Member, room: str) -> Report:
        report, verdict = Report(runs=self.runs, processes=len(self.processes)), Verdict()
        texts = self._bot_texts(member, room)
        for token in self.tokens:
            copies = sum(1 for body in texts if token in body)
            verdict.lost += copies == 0
            verdict.doubled += max(0, copies - 1)
            if copies != 1:
                verdict.notes.append(f"matrix: {copies} copies of {token!r}")
        if skipped := self._read_back_only(member):
            verdict.notes.append(f"matrix: {skipped} of the bot's events only in the room's history (a limited sync)")
        verdict.order = order_violations([t for body in texts for t in self.tokens if t in body], self.tokens)
        logs = [bot.log_text() for bot in self.processes]
        verdict.add(check_logs(logs, [BOT_PASSWORD, STORE_KEY]))
        for bot, log in zip(self.processes, logs, strict=True):
            errors = crashes_in(log)
            report.crashes += len(errors) + int(bot.exited_by_itself)
            verdict.notes += [f"crash: process {bot.number}: {line[:160]}" for line in errors]
        report.verdict = verdict
        report.actions = {"matrix-commands": len(self.tokens)}
        return report
