"""The terminal platform: one group, the bot, and members you speak for, one line each.

`dave: text` in the group, `dave> text` in Dave's private chat, `dave [Okay]` presses a button on the newest
message Dave can see that has it, `dave -> text` replies in the newest thread he can see, `:advance 2h`,
`:at 2026-12-01 18:00` move the clock so scheduled sends fire, `:quit` ends. Same handlers, storage and
scheduler as the real platforms; messages go through the outbox like everywhere else.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from magbot.core.clock import ManualClock
from magbot.core.context import DM_LINK
from magbot.core.dispatch import Dispatcher
from magbot.core.events import ButtonPress, ChatRef, Command, Incoming, PollVote, Text, UserRef
from magbot.core.wire import parse_poll_option
from magbot.platforms.console_render import ConsoleSender, Shown

LINE = re.compile(r"^(?P<name>[A-Za-z][\w'.-]{0,30})\s*(?P<op>->|:|>|\[)\s?(?P<rest>.*)$")
DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
HELP = "Lines: 'dave: text' (group), 'dave> text' (private), 'dave [Label]', 'dave -> text', ':advance 2h', ':quit'"


class ConsoleError(ValueError):
    """A line the console cannot read; shown to the person at the keyboard."""


def parse_command(text: str) -> tuple[str, str] | None:
    """`/name@bot args` -> (name, args); None when the text is not a command."""
    match = re.match(r"^[/!]([A-Za-z][A-Za-z0-9_]{0,31})(?:@\S+)?(?:\s+(.*))?$", text.strip(), re.DOTALL)
    return (match[1].lower(), (match[2] or "").strip()) if match else None


class ConsolePlatform:
    name = "console"

    def __init__(self, app: object, out: TextIO, clock: ManualClock, files_dir: object) -> None:
        from pathlib import Path

        self._app = app
        self._out = out
        self.clock = clock
        self.sender = ConsoleSender(out, Path(str(files_dir)))
        self._run = uuid.uuid4().hex[:8]
        self._seq = 0

    @property
    def _dispatcher(self) -> Dispatcher:
        return self._app.dispatcher  # type: ignore[attr-defined,no-any-return]

    async def play(self, lines: Iterable[str]) -> None:
        for raw in lines:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.strip() == ":quit":
                return
            try:
                await self.feed(line)
            except ConsoleError as exc:
                self._out.write(f"(console) {exc}\n")

    async def feed(self, line: str) -> None:
        if line.startswith(":"):
            self._move_clock(line[1:].strip())
        else:
            incoming = self._incoming(line)
            result = await self._dispatcher.dispatch(incoming)
            if result.toast:
                self._out.write(f"[toast {incoming.sender.user_id}] {result.toast}\n")
        await self.settle()

    async def settle(self) -> None:
        """Run due scheduled sends, then print everything the outbox holds."""
        await self._app.scheduler.tick()  # type: ignore[attr-defined]
        await self._app.outbox.flush()  # type: ignore[attr-defined]

    def _move_clock(self, command: str) -> None:
        word, _, rest = command.partition(" ")
        if word == "advance" and (match := DURATION.match(rest.strip())):
            self.clock.advance(timedelta(**{UNITS[match[2]]: int(match[1])}))
        elif word == "at":
            try:
                local = datetime.strptime(rest.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Europe/London"))
                self.clock.set(local.astimezone(UTC))
            except ValueError as exc:
                raise ConsoleError("write ':at 2026-12-01 18:00' (London time, not in the past)") from exc
        else:
            raise ConsoleError("write ':advance 2h' (m, h, d or w) or ':at 2026-12-01 18:00'")

    def _key(self) -> str:
        self._seq += 1
        return f"con:{self._run}:{self._seq}"

    def _incoming(self, line: str) -> Incoming:
        match = LINE.match(line)
        if not match:
            raise ConsoleError(HELP)
        name, op, rest = match["name"], match["op"], match["rest"]
        user = UserRef("console", name.lower(), name[:1].upper() + name[1:])
        now = self.clock.now()
        if op == "[":
            return self._press(user, rest.rstrip().removesuffix("]"), now)
        chat = ChatRef("console", user.user_id, "dm") if op == ">" else ChatRef("console", "group")
        thread = self._newest_thread(user.user_id) if op == "->" else None
        if op == "->" and thread is None:
            raise ConsoleError(f"{name} can't see any thread to reply in")
        command = parse_command(rest)
        if command:
            return Command(self._key(), chat, user, now, name=command[0], args=command[1], thread=thread)
        return Text(self._key(), chat, user, now, text=rest, thread=thread)

    def _visible(self, user_id: str) -> list[Shown]:
        return [s for s in reversed(self.sender.shown) if s.chat_id in ("group", user_id)]

    def _newest_thread(self, user_id: str) -> str | None:
        return next((s.thread for s in self._visible(user_id) if s.thread), None)

    def _press(self, user: UserRef, label: str, now: datetime) -> Incoming:
        for shown in self._visible(user.user_id):
            button = shown.buttons.get(label)
            if button is None:
                continue
            chat = ChatRef("console", shown.chat_id, "group" if shown.chat_id == "group" else "dm")
            if button.url == DM_LINK:  # "open a private chat" is the member saying hello there
                return Command(self._key(), ChatRef("console", user.user_id, "dm"), user, now, name="start")
            if (vote := parse_poll_option(button.data)) is not None:
                card, index = vote
                return PollVote(self._key(), chat, user, now, poll_id=card, option_ids=(index,), toggle=True)
            return ButtonPress(self._key(), chat, user, now, data=button.data, message_id=str(shown.message_id))
        raise ConsoleError(f"{user.display_name} can't see a [{label}] button")

    async def check(self) -> str:
        return "console: ready"

    async def close(self) -> None:
        return None
