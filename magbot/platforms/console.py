"""The terminal platform: one group, the bot, and members you speak for, one line each (see `console_lines`).

It is a faithful simulator of what members meet on Telegram and Matrix: the same handlers, storage, scheduler
and outbox; moving the clock runs everything due on the way, each at its own moment; members' group messages
have ids that can be replied to (and flagged, and hidden); and, as on Telegram, the bot cannot write privately
to someone until he has written to it privately once or pressed `Open a private chat with me`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from magbot.core.clock import ManualClock, as_utc
from magbot.core.context import DM_LINK
from magbot.core.events import (
    ButtonPress,
    ChatRef,
    Command,
    Incoming,
    JoinRequest,
    MessageRef,
    PollVote,
    Text,
    UserRef,
)
from magbot.core.platform import Dispatch
from magbot.core.wire import parse_poll_option
from magbot.platforms.console_lines import ClockMove, ConsoleError, JoinAsk, Said, parse_command, parse_line
from magbot.platforms.console_render import ConsoleSender, Shown

if TYPE_CHECKING:
    from magbot.app import App

__all__ = ["ConsoleError", "ConsolePlatform", "parse_command"]

CLOCK_KEY = "console:clock"  # where the console's time is kept, so a second run goes on from it
DM_OPEN_KEY = "console:dm-open:"  # + user id: he has opened his private chat (about him: erased by /forgetme)
GROUP = ChatRef("console", "group")


class ConsolePlatform:
    name = "console"

    def __init__(
        self, app: App, out: TextIO, clock: ManualClock, files_dir: Path | str, *, every_dm_open: bool = False
    ) -> None:
        self._app = app
        self._out = out
        self.clock = clock
        self.sender = ConsoleSender(out, Path(files_dir), every_dm_open=every_dm_open)
        self._run = uuid.uuid4().hex[:8]
        self._seq = 0
        self._newest_said: dict[str, str] = {}  # user id -> his newest group message's id, for `^name:` replies
        self._loaded = False
        self._clock_kept: datetime | None = None  # the time last written under CLOCK_KEY by this run

    async def play(self, lines: Iterable[str]) -> None:
        await self.run(self._app.dispatcher.dispatch, asyncio.Event(), lines)

    async def _play_line(self, raw: str) -> bool:
        """One line; False at `:quit`."""
        line = raw.rstrip("\n")
        if line.strip() == ":quit":
            return False
        if not line.strip() or line.lstrip().startswith("#"):
            return True
        try:
            await self.feed(line)
        except ConsoleError as exc:
            self._out.write(f"(console) {exc}\n")
        return True

    async def feed(self, line: str) -> None:
        parsed = parse_line(line, self.clock.now())
        if isinstance(parsed, ClockMove):
            await self._app.scheduler.run_until(self.clock, parsed.target, self.settle)
            return
        incoming = self._join_request(parsed) if isinstance(parsed, JoinAsk) else await self._incoming(parsed)
        result = await self._app.dispatcher.dispatch(incoming)
        if result.toast:
            self._out.write(f"[toast {incoming.sender.user_id}] {result.toast}\n")
        await self.settle()

    async def settle(self) -> None:
        """Run due scheduled sends, print everything the outbox holds, and keep the console's time."""
        await self._app.scheduler.tick()
        await self._app.outbox.flush()
        if self._clock_kept != self.clock.now():  # most lines leave the clock where it was: nothing to write
            async with self._app.uow() as uow:
                await uow.state.put(CLOCK_KEY, self.clock.now().isoformat())
            self._clock_kept = self.clock.now()

    async def resume_clock(self) -> datetime | None:
        """Carry on from this database's own time when it is later than the clock's: never back in time.

        Returns the time moved to, or None when the clock was already at or past it.
        """
        async with self._app.uow() as uow:
            stored = await uow.state.get(CLOCK_KEY)
        if stored is None or as_utc(datetime.fromisoformat(stored)) <= self.clock.now():
            return None
        self.clock.set(as_utc(datetime.fromisoformat(stored)))
        return self.clock.now()

    async def _load(self) -> None:
        """Who has opened his private chat already (kept in the database across runs and restarts)."""
        if self._loaded:
            return
        async with self._app.uow() as uow:
            self.sender.dm_open.update(key.removeprefix(DM_OPEN_KEY) for key in await uow.state.keys(DM_OPEN_KEY))
        self._loaded = True

    async def _open_dm(self, user_id: str) -> None:
        if user_id in self.sender.dm_open:
            return
        self.sender.dm_open.add(user_id)
        async with self._app.uow() as uow:
            await uow.state.put(DM_OPEN_KEY + user_id, "1", subject=("console", user_id))

    def _key(self) -> str:
        self._seq += 1
        return f"con:{self._run}:{self._seq}"

    def _join_request(self, ask: JoinAsk) -> Incoming:
        user = UserRef("console", ask.name.lower(), ask.name[:1].upper() + ask.name[1:])
        return JoinRequest(self._key(), GROUP, user, self.clock.now())

    async def _incoming(self, said: Said) -> Incoming:
        user = UserRef("console", said.user_id, said.display_name)
        now = self.clock.now()
        if said.where == "press":
            return await self._press(user, said.rest, now)
        if said.where == "dm":
            await self._open_dm(user.user_id)  # writing to the bot opens the private chat, as on Telegram
            chat = ChatRef("console", user.user_id, "dm")
            return _said(self._key(), chat, user, now, said.rest)
        thread, reply_to = None, None
        if said.where == "thread" and (thread := self._newest_thread(user.user_id)) is None:
            raise ConsoleError(f"{said.display_name} can't see any thread to reply in")
        if said.where == "reply":
            if (target := self._newest_said.get(said.reply_to)) is None:
                raise ConsoleError(f"there's no message from {said.reply_to.capitalize()} in the group to reply to")
            reply_to = MessageRef(GROUP, target)
        message_id = self.sender.new_message_id()
        self.sender.authors[message_id] = said.display_name
        if thread is None:
            self._newest_said[user.user_id] = message_id
        return _said(self._key(), GROUP, user, now, said.rest, thread, reply_to, message_id)

    def _visible(self, user_id: str) -> list[Shown]:
        return [s for s in reversed(self.sender.shown) if s.chat_id in ("group", user_id)]

    def _newest_thread(self, user_id: str) -> str | None:
        return next((s.thread for s in self._visible(user_id) if s.thread), None)

    async def _press(self, user: UserRef, label: str, now: datetime) -> Incoming:
        for shown in self._visible(user.user_id):
            button = shown.buttons.get(label)
            if button is None:
                continue
            chat = ChatRef("console", shown.chat_id, "group" if shown.chat_id == "group" else "dm")
            if button.url == DM_LINK:  # "open a private chat" is the member saying hello there
                await self._open_dm(user.user_id)
                return Command(self._key(), ChatRef("console", user.user_id, "dm"), user, now, name="start")
            if (vote := parse_poll_option(button.data)) is not None:
                card, index = vote
                return PollVote(self._key(), chat, user, now, poll_id=card, option_ids=(index,), toggle=True)
            return ButtonPress(self._key(), chat, user, now, data=button.data, message_id=str(shown.message_id))
        raise ConsoleError(f"{user.display_name} can't see a [{label}] button")

    async def run(self, dispatch: Dispatch, stop: asyncio.Event, lines: Iterable[str] = ()) -> None:
        """The console's receive loop: its lines (a keyboard or a piped story) until they end or `stop` is set.

        Lines are dispatched by the app's own dispatcher (the same one `dispatch` is); the console needs the app
        for its scheduler and outbox too, since it moves time and prints deliveries itself.
        """
        await self._load()
        for line in lines:
            if stop.is_set():
                return
            if not await self._play_line(line):
                return

    async def check(self) -> str:
        return "console: ready"

    async def close(self) -> None:
        return None


def _said(
    key: str,
    chat: ChatRef,
    user: UserRef,
    now: datetime,
    words: str,
    thread: str | None = None,
    reply_to: MessageRef | None = None,
    message_id: str = "",
) -> Incoming:
    if command := parse_command(words):
        return Command(key, chat, user, now, command[0], command[1], reply_to, thread, message_id)
    return Text(key, chat, user, now, words, reply_to, thread, message_id)
