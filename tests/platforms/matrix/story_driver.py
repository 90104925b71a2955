"""Plays a console story (`tests/e2e/stories/*.txt`) on Matrix: real nio members and the bot against Synapse.

The lines are read by the console's own parser (`console_lines.parse_line`) and mean, on Matrix:

- `dave: text` a message in the group room (an encrypted room a host made, the bot with power 100, knocks
  allowed); `dave> text` in his private room with the bot (the one he made, Element's "start a chat", or the
  one the bot opened by inviting him, which he accepts as soon as he sees it);
- `dave [Label]` the press of that button on the newest message he can see that offers it: a reaction with that
  key on a card (pressing again what he already pressed takes his reaction away first, as Element does), an
  answer to a poll, or, for `Open a private chat with me` (a matrix.to link), starting a chat with the bot;
- `dave -> text` an `m.thread` reply in the newest thread he can see, `dave ^sam: text` an `m.in_reply_to`
  reply to Sam's newest group message, `:join-request tom` a knock, `:advance` / `:at` the scheduler's
  `run_until` on the bot's ManualClock, `# -- restart --` a new App and platform on the same database and store.

People are registered when the story first names them (unique localparts: the Synapse is shared) and join the
group room then, except one who first knocks. Nothing sleeps: after each line the driver syncs the bot until it
has handled the member's event, flushes the outbox, and syncs the witnesses until every event the bot made has
arrived (bounded by `DEADLINE`); only then is the next line played. When the bot has just opened a private
room, the outbox waits a second for it (RetryLater), so the clock moves on by that second once the room is ready.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from nio import Event, MegolmEvent, RoomMemberEvent

from magbot.app import App
from magbot.core.delivery import RatePolicy
from magbot.platforms.console_lines import ClockMove, ConsoleError, JoinAsk, Said, parse_line
from magbot.platforms.matrix import MatrixPlatform
from tests.platforms.matrix.conftest import DEADLINE, Bot, Member, make_bot, new_member
from tests.platforms.matrix.story_moves import Moves
from tests.platforms.matrix.story_render import Recorder, Sent, Transcript

KNOCK = {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}}
RESTART = "# -- restart --"


class StoryDriver:
    def __init__(self, homeserver: tuple[str, str], folder: Path, defaults: dict[str, str] | None = None) -> None:
        self.homeserver, self.folder, self.defaults = homeserver, folder, defaults
        self.recorder = Recorder()
        self.people: dict[str, Member] = {}  # the story's name (lower case) -> his client
        self.dms: dict[str, str] = {}  # name -> his private room with the bot
        self.owner: dict[str, str] = {}  # private room -> name
        self.knocked: set[str] = set()
        self._shown = 0  # how much of the recorder's log is in the transcript
        self._followed = 0  # how much of it the members have acted on (invites accepted)
        self._seen: dict[int, tuple[dict[str, Event], list[int]]] = {}  # per witness: id -> event, read so far

    # ---------------------------------------------------------------- set-up

    async def start(self) -> None:
        self.bot: Bot = await make_bot(self.homeserver, self.folder, defaults=self.defaults)
        self._watch()
        self.host = await new_member(self.homeserver, "Host", self.folder)
        bot_id = self.bot.user_id
        self.room = await self.host.create_room([bot_id], power={bot_id: 100}, initial_state=[KNOCK])
        await self.bot.join_room(self.host, self.room)
        client = self.bot.platform.session.client
        assert client is not None and client.rooms[self.room].encrypted  # every story runs end-to-end encrypted
        self.transcript = Transcript({self.bot.user_id: "@magbot", self.host.user_id: "@host"})
        self.transcript.rooms[self.room] = "[group]"
        self.moves = Moves(self)

    def _watch(self) -> None:
        client = self.bot.platform.session.client
        assert client is not None
        self.recorder.attach(client)
        # One chat at a time, as the console sends: each chat's order is the platform's own either way, and
        # this keeps the order across chats (and so the transcript) the same from run to run.
        self.bot.platform.sender.rate = RatePolicy(parallel_chats=1)  # type: ignore[misc]

    async def close(self) -> None:
        await self.bot.app.close()
        for member in (*self.people.values(), self.host):
            await member.c.close()

    async def person(self, name: str, *, join: bool = True) -> Member:
        """The story's `name`, registered on first use; he joins the group room unless he is to knock."""
        key = name.lower()
        if key not in self.people:
            member = await new_member(self.homeserver, key[:1].upper() + key[1:], self.folder)
            self.people[key] = member
            self.transcript.names[member.user_id] = "@" + key
            if join:
                await self.host.c.room_invite(self.room, member.user_id)
                await member.accept_invite(self.room)
        return self.people[key]

    # ---------------------------------------------------------------- playing

    async def play(self, text: str) -> str:
        for number, part in enumerate(text.split(RESTART)):
            if number:
                await self.restart()
            for raw in part.splitlines():
                line = raw.rstrip("\n")
                if line.strip() and not line.lstrip().startswith("#"):
                    await self.line(line)
        self.transcript.close()
        return "".join(f"{line}\n" for line in self.transcript.lines)

    async def line(self, line: str) -> None:
        try:
            parsed = parse_line(line, self.bot.clock.now())
            if isinstance(parsed, ClockMove):
                await self.bot.app.scheduler.run_until(self.bot.clock, parsed.target, self.settle)
                return
            if isinstance(parsed, JoinAsk):
                await self.moves.knock(parsed.name)
            else:
                await self.said(parsed)
        except ConsoleError as exc:
            self.transcript.note(f"(console) {exc}")
            return
        await self.settle()

    async def said(self, said: Said) -> None:
        member = await self.person(said.name)
        await member.sync()
        if said.where == "press":
            await self.moves.press(said.name.lower(), member, said.rest)
        elif said.where == "dm":
            room = await self.dm_of(said.name.lower(), member)
            await self.handled(await member.send(room, said.rest))
        else:
            await self.moves.in_group(said, member)

    async def dm_of(self, key: str, member: Member) -> str:
        """His private room with the bot: Element's "start a chat" when he has none yet."""
        if key not in self.dms:
            room = await member.open_dm(self.bot.user_id)
            await self.bot.join_room(member, room)
            self._private(key, room)
        return self.dms[key]

    def _private(self, key: str, room: str) -> None:
        self.dms[key], self.owner[room] = room, key
        self.transcript.rooms[room] = f"[dm {key}]"

    async def handled(self, event_id: str) -> None:
        await self.bot_until(lambda: any(i.key == f"mx:{event_id}" for i in self.bot.seen), "handle the event")

    async def bot_until(self, check: Any, what: str) -> None:
        end = time.monotonic() + DEADLINE
        while not check():
            if time.monotonic() > end:
                raise AssertionError(f"the bot did not {what}; results {self.bot.results[-3:]}")
            await self.bot.step(300)

    async def restart(self) -> None:
        """The process again: a new App and platform on the same database and encryption store."""
        bot = self.bot
        await bot.app.close()
        bot.app = App(bot.settings, bot.clock)
        await bot.app.prepare()
        bot.platform = MatrixPlatform(bot.settings.matrix, bot.app.uow, bot.settings.data_dir, clock=bot.clock)
        bot.app.add_platform(bot.platform)
        await bot.platform.start()
        self._watch()
        await bot.step()
        await self.settle()

    # ---------------------------------------------------------------- delivering

    async def settle(self) -> None:
        """The console's settle on Matrix: due scheduled sends, then everything delivered and received."""
        await self.bot.app.scheduler.tick()
        end = time.monotonic() + DEADLINE
        while True:
            wait = await self.bot.app.outbox.flush()
            await self._follow()
            if wait is None and await self._all_arrived():
                break
            if time.monotonic() > end:
                missing = [
                    (self.transcript.rooms.get(s.room_id, self.owner.get(s.room_id, s.room_id)), s.action)
                    for s in self.recorder.log[self._shown :] if not self._arrived(s)
                ]
                raise AssertionError(f"not delivered: outbox wait {wait}, missing {missing}")
            if wait is not None:
                await self.bot.step(100)
                if self._private_rooms_ready():
                    assert wait <= 5, f"the outbox waits {wait}s"
                    self.bot.clock.set(self.bot.clock.now() + timedelta(seconds=wait))
        self._show()

    async def _follow(self) -> None:
        """Members act on what the bot did: accept its invitations (to a private room, or to the group)."""
        for sent in self.recorder.log[self._followed :]:
            key = self.transcript.names.get(sent.user_id, "").lstrip("@")
            member = self.people.get(key)
            if sent.action in ("dm", "invite") and member is not None:
                await member.accept_invite(sent.room_id)
                if sent.action == "dm":
                    self._private(key, sent.room_id)
            self._followed += 1

    def _private_rooms_ready(self) -> bool:
        """Every private room the bot opened is in its client, with the person joined (so he can decrypt)."""
        client = self.bot.platform.session.client
        for sent in self.recorder.log[self._shown :]:
            if sent.action != "dm" or client is None:
                continue
            room = client.rooms.get(sent.room_id)
            if room is None or sent.user_id not in room.users or sent.user_id in room.invited_users:
                return False
        return True

    def witness(self, room_id: str) -> Member | None:
        member = self.host if room_id == self.room else self.people.get(self.owner.get(room_id, ""))
        if member is None or room_id not in member.c.rooms or room_id in member.left:
            return None
        return member

    def seen(self, member: Member) -> dict[str, Event]:
        """What `member` received, decrypted, by event id (an undecryptable event does not count)."""
        index, read = self._seen.setdefault(id(member), ({}, [0]))
        for _, event in member.events[read[0] :]:
            event_id = getattr(event, "event_id", None)
            if event_id and not isinstance(event, MegolmEvent):
                index[event_id] = event
        read[0] = len(member.events)
        return index

    def _arrived(self, sent: Sent) -> bool:
        member = self.witness(sent.room_id)
        if member is None or sent.action == "dm":
            return True
        if sent.action == "event":
            return sent.event_id in self.seen(member)
        membership = "invite" if sent.action == "invite" else "leave"
        return any(
            room == sent.room_id
            and isinstance(event, RoomMemberEvent)
            and event.state_key == sent.user_id
            and event.membership == membership
            for room, event in member.events
        )

    async def _all_arrived(self) -> bool:
        missing = [sent for sent in self.recorder.log[self._shown :] if not self._arrived(sent)]
        for member in {id(m): m for s in missing if (m := self.witness(s.room_id))}.values():
            await member.sync(200)
        return not missing

    def _reading_order(self, sent: Sent) -> tuple[int, str]:
        """The group first, then each private room by its owner's name: the outbox sends chats side by side, so
        the order between two chats is the network's, not the bot's. Within a room the order is kept."""
        return (0, "") if sent.room_id == self.room else (1, self.owner.get(sent.room_id, sent.room_id))

    def _show(self) -> None:
        for sent in sorted(self.recorder.log[self._shown :], key=self._reading_order):
            member = self.witness(sent.room_id)
            event = self.seen(member).get(sent.event_id) if member and sent.event_id else None
            self.transcript.show(sent, event.source if event is not None else None)
        self._shown = len(self.recorder.log)
        self.transcript.close()


async def play_matrix_story(
    homeserver: tuple[str, str], story: str, folder: Path, defaults: dict[str, str] | None = None
) -> str:
    """Play a story's text on Matrix and return its transcript."""
    driver = StoryDriver(homeserver, folder, defaults)
    await driver.start()
    try:
        return await driver.play(story)
    finally:
        await driver.close()
