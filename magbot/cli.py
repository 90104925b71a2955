"""`magbot run | console | migrate | check | backup | matrix-device`: the operator's commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from magbot.app import App, make_platforms
from magbot.config import ConfigError, Settings, load_settings
from magbot.core.clock import ManualClock, SystemClock
from magbot.logs import LOG_FORMAT, configure_logging
from magbot.ops.backup import BackupError, backup
from magbot.ops.memory import freeze_startup
from magbot.ops.single import AlreadyRunning, only_process
from magbot.storage.migrate import SchemaOutOfDate, current_revision, head_revision, upgrade

log = logging.getLogger("magbot")


def console_clock(settings: Settings, start: str | None) -> ManualClock:
    text = start or settings.console_start
    if not text:
        return ManualClock(SystemClock().now().replace(second=0, microsecond=0))
    local = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Europe/London"))
    return ManualClock(local.astimezone(UTC))


async def run_console(settings: Settings, start: str | None = None) -> int:
    from magbot.platforms.console import ConsolePlatform

    clock = console_clock(settings, start)
    use_clock_in_logs(clock)
    app = App(settings, clock=clock)
    try:
        await app.prepare()
        console = ConsolePlatform(app, sys.stdout, clock, Path(settings.data_dir) / "console-files")
        app.add_platform(console)
        if (resumed := await console.resume_clock()) is not None:
            # Going back in time would replay nothing and confuse everything: say what happens instead.
            local = resumed.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M")
            print(
                f"(console) This database has already reached {local}: carrying on from there. "
                f"To start fresh, delete {settings.database_url.rpartition('///')[2] or 'the database'}.",
                flush=True,
            )
        if sys.stdin.isatty():
            print("magbot console. Try 'dave: /setup', then 'dave: /help'. ':quit' ends.", flush=True)
        await console.settle()
        await console.play(sys.stdin)
    finally:
        await app.close()
    return 0


class ClockFormatter(logging.Formatter):
    """Log times from the console's clock, so a line beside the chat says when it happened there."""

    def __init__(self, clock: ManualClock, fmt: str) -> None:
        super().__init__(fmt)
        self._clock = clock

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self._clock.now().strftime(datefmt or "%Y-%m-%d %H:%M:%S")


def use_clock_in_logs(clock: ManualClock) -> None:
    for handler in logging.getLogger().handlers:
        handler.setFormatter(ClockFormatter(clock, LOG_FORMAT))


async def run_bot(settings: Settings) -> int:
    with only_process(settings.database_url):  # SQLite serves one process (magbot/ops/single.py)
        if tuple(settings.platforms) == ("console",):
            return await run_console(settings)
        app = App(settings)
        try:
            await app.prepare()
            for platform in make_platforms(app):
                app.add_platform(platform)
            freeze_startup()  # what start built stays out of full collections (a pause members feel)
            clean = await app.serve()
        finally:
            await app.close()
    return 0 if clean else 1  # a loop died: exit non-zero so the supervisor restarts it


async def migrate(settings: Settings) -> int:
    app = App(settings)
    try:
        before = await current_revision(app.engine)
        await upgrade(app.engine)
        print(f"database schema: {before or 'empty'} -> {head_revision()}")
    finally:
        await app.close()
    return 0


async def check(settings: Settings) -> int:
    """Config, database and platform credentials, without sending a single message."""
    print(f"config: ok (platforms: {', '.join(settings.platforms)})")
    app = App(settings)
    try:
        current = await current_revision(app.engine)
        state = "up to date" if current == head_revision() else f"at {current or 'nothing'}: run `magbot migrate`"
        print(f"database: reachable, schema {state}")
        for platform in make_platforms(app):
            print(await platform.check())
    finally:
        await app.close()
    return 0 if current in (None, head_revision()) else 1


async def matrix_device(settings: Settings) -> int:
    """The bot's Matrix user, device and fingerprint, for verifying it in Element; offline, no new login."""
    from magbot.platforms.matrix import MatrixPlatform, NoDevice

    app = App(settings)
    try:
        if await current_revision(app.engine) is None:
            print("matrix: no device yet: the first `magbot run` logs in and makes one", file=sys.stderr)
            return 1
        await app.prepare(create_if_empty=False)
        platform = MatrixPlatform(settings.matrix, app.uow, settings.data_dir)
        try:
            print((await platform.device()).lines())
        except NoDevice as exc:
            print(f"matrix: {exc}", file=sys.stderr)
            return 1
    finally:
        await app.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="magbot", description="The mutual aid group's chat bot.")
    parser.add_argument("--config", help="config file (default config/magbot.toml, or MAGBOT_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot on the configured platforms")
    console_parser = sub.add_parser("console", help="chat with the bot in this terminal (or replay a story file)")
    console_parser.add_argument("--start", help="console clock start, London time: '2026-11-23 10:00'")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("check", help="validate config, database and platform credentials")
    backup_parser = sub.add_parser("backup", help="copy the SQLite database to FILE, safely while the bot runs")
    backup_parser.add_argument("file", help="where the copy goes (must not exist yet)")
    sub.add_parser("matrix-device", help="print the bot's Matrix device and fingerprint, to verify it in Element")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"magbot: config problem: {exc}", file=sys.stderr)
        return 2
    # In the console, the chat is the screen: only warnings go to stderr beside it.
    console = args.command == "console" or (args.command == "run" and tuple(settings.platforms) == ("console",))
    level = "WARNING" if console and settings.log_level != "DEBUG" else settings.log_level
    configure_logging(level, "text" if console else settings.log_format)
    try:
        if args.command == "console":
            return asyncio.run(run_console(settings, args.start))
        if args.command == "backup":
            print(backup(settings.database_url, Path(args.file)))
            return 0
        action = {"run": run_bot, "migrate": migrate, "check": check, "matrix-device": matrix_device}[args.command]
        return asyncio.run(action(settings))
    except SchemaOutOfDate as exc:
        print(f"magbot: {exc}", file=sys.stderr)
        return 3
    except ConfigError as exc:  # e.g. a platform whose token or homeserver is missing
        print(f"magbot: config problem: {exc}", file=sys.stderr)
        return 2
    except (AlreadyRunning, BackupError) as exc:
        print(f"magbot: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130
