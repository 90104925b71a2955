"""A real App with the Matrix platform, and real nio member clients, against the loopback Synapse of CI.

Skipped unless `MAGBOT_TEST_HOMESERVER` is set (`eval "$(bash .ci/synapse.sh start)"`). Nothing sleeps: the
bot's `step()` is one sync (a long-poll that the homeserver ends as soon as something happens) + dispatch +
saved token, then one outbox flush; members wait for what they expect with bounded syncs of their own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    Event,
    MessageDirection,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessagesResponse,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)

from magbot.app import App
from magbot.config import MatrixSettings, Settings
from magbot.core.clock import ManualClock
from magbot.core.dispatch import DispatchResult
from magbot.core.events import Incoming, Outgoing
from magbot.platforms.matrix import MatrixPlatform
from tests.conftest import START, sqlite_url
from tests.matrix_admin import homeserver_from_env, register_user, unique_localpart

ENV = homeserver_from_env()
pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")

MEGOLM = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
DEADLINE = 15.0
Pred = Callable[[str, Event], bool]


class Member:
    """A person on Element, played by a real nio client with its own encryption store."""

    def __init__(self, client: AsyncClient, name: str) -> None:
        self.c, self.name = client, name
        self.events: list[tuple[str, Event]] = []
        self.left: set[str] = set()
        self.next_batch: str | None = None

    @property
    def user_id(self) -> str:
        return str(self.c.user_id)

    async def sync(self, timeout_ms: int = 0) -> None:
        since = self.next_batch
        response = await self.c.sync(timeout=timeout_ms, since=since)
        assert isinstance(response, SyncResponse), response
        self.next_batch = response.next_batch
        for room_id, info in response.rooms.join.items():
            gap = await self._gap(room_id, info.timeline, since)
            self.events += [(room_id, event) for event in [*gap, *info.timeline.events]]
        for room_id, info in response.rooms.leave.items():
            self.left.add(room_id)
            self.events += [(room_id, event) for event in info.timeline.events]
        await self.c.send_to_device_messages()
        if self.c.should_upload_keys:
            await self.c.keys_upload()
        if self.c.should_query_keys:
            await self.c.keys_query()
        if self.c.should_claim_keys:
            await self.c.keys_claim(self.c.get_users_for_key_claiming())

    async def _gap(self, room_id: str, timeline: Any, since: str | None) -> list[Event]:
        """What a limited timeline left out, oldest first, as Element fills it (`/messages` back to `since`).

        Synapse's default filter gives at most 10 events per room per sync: a burst of more (the redactions
        and edits of a /forgetme) would otherwise look as if its first events never arrived."""
        if not (timeline.limited and timeline.prev_batch and since):
            return []
        older: list[Event] = []
        start = timeline.prev_batch
        while True:
            page = await self.c.room_messages(room_id, start, end=since, direction=MessageDirection.back, limit=100)
            assert isinstance(page, RoomMessagesResponse), page
            older += page.chunk
            if not page.chunk or not page.end or page.end == start:
                return list(reversed(older))
            start = page.end

    async def wait_for(self, pred: Pred, what: str, since: int = 0) -> Event:
        """The first event (from index `since` of what this member saw) matching `pred`, syncing until it comes."""
        end = time.monotonic() + DEADLINE
        while True:
            for room_id, event in self.events[since:]:
                if pred(room_id, event):
                    return event
            if time.monotonic() > end:
                raise AssertionError(f"{self.name} never saw {what}; saw {describe(self.events[since:])}")
            await self.sync(1000)

    async def wait_until(self, check: Callable[[], bool], what: str) -> None:
        end = time.monotonic() + DEADLINE
        while not check():
            if time.monotonic() > end:
                raise AssertionError(f"{self.name}: {what} did not happen")
            await self.sync(1000)

    def mark(self) -> int:
        return len(self.events)

    async def send(self, room_id: str, text: str, **extra: Any) -> str:
        """A message; `Forbidden` when the server refuses it (his power level is below the room's send level)."""
        return await self.send_event(room_id, "m.room.message", {"msgtype": "m.text", "body": text, **extra})

    async def send_event(self, room_id: str, kind: str, content: dict[str, Any]) -> str:
        response = await self.c.room_send(room_id, kind, content, ignore_unverified_devices=True)
        _refused(response)
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """An encrypted reaction, as Element sends it (nio's room_send would send it in clear)."""
        room = self.c.rooms[room_id]
        if not room.members_synced:
            await self.c.joined_members(room_id)
        if self.c.should_query_keys:
            await self.c.keys_query()
        if self.c.olm.should_share_group_session(room_id):
            await self.c.share_group_session(room_id, ignore_unverified_devices=True)
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        kind, encrypted = self.c.encrypt(room_id, "m.reaction", content)
        method, path, data = Api.room_send(self.c.access_token, room_id, kind, encrypted, str(uuid.uuid4()))
        response = await self.c._send(RoomSendResponse, method, path, data, (room_id,))
        _refused(response)
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def create_room(self, invite: list[str], power: dict[str, int] | None = None, **extra: Any) -> str:
        override = {"users": dict(power)} if power else None  # room v12: the creator may not be listed
        response = await self.c.room_create(
            invite=invite,
            initial_state=[MEGOLM, *extra.pop("initial_state", [])],
            power_level_override=override,
            **extra,
        )
        assert isinstance(response, RoomCreateResponse), response
        await self.wait_until(lambda: response.room_id in self.c.rooms, "see the new room")
        return str(response.room_id)

    async def open_dm(self, bot_id: str) -> str:
        return await self.create_room([bot_id], is_direct=True, preset=RoomPreset.trusted_private_chat)

    async def accept_invite(self, room_id: str) -> None:
        await self.wait_until(lambda: room_id in self.c.invited_rooms, "get the invite")
        await self.c.join(room_id)
        await self.wait_until(lambda: room_id in self.c.rooms, "join")

    def texts(self, room_id: str, sender: str, since: int = 0) -> list[str]:
        """Bodies of the m.room.message events `sender` posted in the room (edits included, as sent)."""
        out = []
        for rid, event in self.events[since:]:
            content = (event.source or {}).get("content", {})
            if rid == room_id and event.sender == sender and (event.source or {}).get("type") == "m.room.message":
                out.append(str(content.get("body", "")))
        return out


def describe(events: list[tuple[str, Event]]) -> list[tuple[str, Any, Any]]:
    """What a member saw, for assertion messages."""
    return [(type(e).__name__, (e.source or {}).get("type"), (e.source or {}).get("content")) for _, e in events]


def joined(user_id: str, room: str) -> Pred:
    return membership_of(user_id, room, "join")


def membership_of(user_id: str, room: str, membership: str) -> Pred:
    """His membership event in `room` with that membership ("join", "leave", ...)."""

    def pred(room_id: str, event: Event) -> bool:
        return (
            room_id == room
            and isinstance(event, RoomMemberEvent)
            and event.state_key == user_id
            and event.membership == membership
        )

    return pred


def message_from(sender: str, room: str, contains: str = "") -> Pred:
    def pred(room_id: str, event: Event) -> bool:
        source = event.source or {}
        body = str(source.get("content", {}).get("body", ""))
        kind = source.get("type")
        return room_id == room and event.sender == sender and kind == "m.room.message" and contains in body

    return pred


class Forbidden(Exception):
    """The homeserver refused a member's event (M_FORBIDDEN): he may not send it in that room."""


def _refused(response: object) -> None:
    if getattr(response, "status_code", None) == "M_FORBIDDEN":
        raise Forbidden(str(response))


@dataclass
class Bot:
    """The app under test: a real App on a temp SQLite file, with the Matrix platform."""

    app: App
    platform: MatrixPlatform
    settings: Settings
    clock: ManualClock
    timeline_limit: int | None = 50
    seen: list[Incoming] = field(default_factory=list)
    results: list[DispatchResult] = field(default_factory=list)

    @property
    def user_id(self) -> str:
        return self.settings.matrix.user_id

    async def dispatch(self, incoming: Incoming) -> DispatchResult:
        self.seen.append(incoming)
        result = await self.app.dispatcher.dispatch(incoming)
        self.results.append(result)
        return result

    async def step(self, timeout_ms: int = 0) -> int:
        count = await self.platform.sync_once(self.dispatch, timeout_ms)
        await self.app.outbox.flush()
        return count

    async def until(self, member: Member, pred: Pred, what: str, since: int = 0) -> Event:
        """Let the bot sync and send until `member` sees what `pred` describes."""
        end = time.monotonic() + DEADLINE
        while True:
            await self.step(500)
            await member.sync(0)
            for room_id, event in member.events[since:]:
                if pred(room_id, event):
                    return event
            if time.monotonic() > end:
                seen = describe(member.events[since:])
                raise AssertionError(f"{member.name} never saw {what}; bot results {self.results[-3:]}; saw {seen}")

    async def join_room(self, member: Member, room_id: str) -> None:
        """The bot accepts the invite; the member sees it join (so his next messages are encrypted for it)."""
        end = time.monotonic() + DEADLINE
        while room_id not in (self.platform.session.client.rooms if self.platform.session.client else {}):
            assert time.monotonic() < end, "bot never joined"
            await self.step(500)
        await member.wait_for(joined(self.user_id, room_id), "the bot join")

    async def send(self, *messages: Outgoing) -> None:
        """Put messages in the outbox as a handler would, and flush."""
        async with self.app.uow() as uow:
            await uow.outbox.add(list(messages), self.clock.now())
        await self.app.outbox.flush()

    async def restart(self) -> MatrixPlatform:
        """A new platform (new nio client) on the same database and encryption store."""
        await self.platform.close()
        self.platform = MatrixPlatform(
            self.settings.matrix,
            self.app.uow,
            self.settings.data_dir,
            timeline_limit=self.timeline_limit,
            clock=self.clock,
        )
        self.app.platforms.clear()
        self.app.add_platform(self.platform)
        return self.platform

    async def restart_app(self) -> None:
        """The whole process again: a new App (engine, dispatcher, scheduler, outbox) and a new platform on the
        same database and encryption store, then the first (full-state) sync."""
        await self.app.close()
        self.app = App(self.settings, self.clock)
        await self.app.prepare()
        self.platform = MatrixPlatform(
            self.settings.matrix,
            self.app.uow,
            self.settings.data_dir,
            timeline_limit=self.timeline_limit,
            clock=self.clock,
        )
        self.app.add_platform(self.platform)
        await self.step()

    async def at(self, when: datetime) -> None:
        """The console's `:at` / `:advance`: move the clock, run what came due, send it."""
        self.clock.set(when)
        await self.app.scheduler.tick()
        await self.app.outbox.flush()


async def group_with(bot: Bot, creator: Member, *others: Member, **extra: Any) -> str:
    """`creator` makes an encrypted room giving the bot admin power and invites it and `others`; all are in."""
    room = await creator.create_room([bot.user_id, *(m.user_id for m in others)], power={bot.user_id: 100}, **extra)
    for member in others:
        await member.accept_invite(room)
    await bot.join_room(creator, room)
    for member in others:
        await member.wait_for(joined(bot.user_id, room), "the bot join")
        await creator.wait_for(joined(member.user_id, room), "the member join")
    return room


async def set_up(bot: Bot, creator: Member, room: str) -> Event:
    """/setup in the room: the creator becomes a founding member. Returns the setup card."""
    mark = creator.mark()
    await creator.send(room, "/setup")
    return await bot.until(creator, message_from(bot.user_id, room, "Welcome to the group's space"), "setup", mark)


@pytest.fixture
def homeserver() -> tuple[str, str]:
    assert ENV is not None
    return ENV


async def new_member(homeserver: tuple[str, str], name: str, folder: Path) -> Member:
    """A newly registered person (unique localpart: the Synapse is shared) with his own encryption store."""
    hs, secret = homeserver
    user = await register_user(hs, secret, unique_localpart(name), "pw", displayname=name)
    store = folder / f"member-{user.user_id}"
    store.mkdir()
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False, max_limit_exceeded=0)
    client = AsyncClient(hs, user.user_id, device_id=user.device_id, store_path=str(store), config=config)
    client.restore_login(user_id=user.user_id, device_id=user.device_id, access_token=user.access_token)
    member = Member(client, name)
    await member.sync()
    return member


@pytest.fixture
async def make_member(homeserver: tuple[str, str], tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    made: list[Member] = []

    async def make(name: str) -> Member:
        member = await new_member(homeserver, name, tmp_path)
        made.append(member)
        return member

    yield make
    for member in made:
        await member.c.close()


async def make_bot(
    homeserver: tuple[str, str],
    tmp_path: Path,
    timeline_limit: int | None = 50,
    defaults: dict[str, str] | None = None,
) -> Bot:
    hs, secret = homeserver
    localpart = unique_localpart("magbot")
    user = await register_user(hs, secret, localpart, "bot-password", displayname="magbot")
    settings = Settings(
        platforms=("matrix",),
        data_dir=str(tmp_path / "data"),
        database_url=sqlite_url(tmp_path),
        matrix=MatrixSettings(homeserver=hs, user_id=user.user_id, password="bot-password", store_key="test-store-key"),
        defaults=dict(defaults or {}),
    )
    clock = ManualClock(START)  # a fixed instant: no test reads the machine's date
    app = App(settings, clock)
    await app.prepare()
    platform = MatrixPlatform(settings.matrix, app.uow, settings.data_dir, timeline_limit=timeline_limit, clock=clock)
    app.add_platform(platform)
    bot = Bot(app, platform, settings, clock, timeline_limit)
    await bot.step()  # log in, first sync: from now on
    return bot


@pytest.fixture
async def bot(homeserver: tuple[str, str], tmp_path: Path) -> AsyncIterator[Bot]:
    made = await make_bot(homeserver, tmp_path)
    yield made
    await made.app.close()
