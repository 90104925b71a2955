"""The unit of work: one session, one transaction, every repository. It alone commits.

On a SQLite file the transaction is begun on the driver of a connection held for all units of work
(storage/direct.py, `DriverLine`): the hot statements run there, and the session, bound to that connection, joins
the transaction only if the work needs it (then it commits for both). Elsewhere the session begins at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from types import TracebackType
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from magbot.storage.activities_repo import Activities
from magbot.storage.decisions_repo import Decisions, Flags, GroupRules
from magbot.storage.delivery_repo import Cards, ProcessedEvents
from magbot.storage.direct import DriverLine, LazySession
from magbot.storage.help_offers_repo import HelpOffers
from magbot.storage.meetings_repo import Meetings
from magbot.storage.member_posts_repo import MemberPosts
from magbot.storage.membership_repo import Groups, Members
from magbot.storage.outbox_repo import Outbox
from magbot.storage.polls_repo import Polls
from magbot.storage.resources_repo import Resources
from magbot.storage.sqlite_inline import InlineConnection
from magbot.storage.state_repo import PendingInputs, PlatformState, Schedule
from magbot.storage.support_repo import Buddies, CheckIns, Offloads
from magbot.storage.turn import Turn

Rider = Callable[["UnitOfWork"], Awaitable[None]]


class UnitOfWork:
    """`async with uow_factory() as uow:` commits on a clean exit and rolls back on an exception; the riders
    waiting then (`UnitOfWorkFactory.ride`) are written in it first, and let go once it committed."""

    session: AsyncSession
    groups: Groups
    members: Members
    events: ProcessedEvents
    outbox: Outbox
    cards: Cards
    member_posts: MemberPosts
    pending: PendingInputs
    schedule: Schedule
    state: PlatformState
    checkins: CheckIns
    buddies: Buddies
    offloads: Offloads
    polls: Polls
    decisions: Decisions
    rules: GroupRules
    flags: Flags
    meetings: Meetings
    activities: Activities
    resources: Resources
    help_offers: HelpOffers

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        turn: Turn | None = None,
        background: bool = False,
        riders: dict[str, Rider] | None = None,
        line: DriverLine | None = None,
    ) -> None:
        self._sessions, self._turn, self._background, self._holding = sessions, turn, background, False
        self._riders = riders if riders is not None else {}
        self._line = line
        self._driver: InlineConnection | None = None

    async def __aenter__(self) -> UnitOfWork:
        if self._turn is not None:
            await self._turn.acquire(self._background)
            self._holding = True
        try:
            await self._begin()
        except BaseException:
            self._release()
            raise
        self.groups = Groups(self.session)
        self.members = Members(self.session)
        self.events = ProcessedEvents(self.session)
        self.outbox = Outbox(self.session)
        self.cards = Cards(self.session)
        self.member_posts = MemberPosts(self.session)
        self.pending = PendingInputs(self.session)
        self.schedule = Schedule(self.session)
        self.state = PlatformState(self.session)
        self.checkins = CheckIns(self.session)
        self.buddies = Buddies(self.session)
        self.offloads = Offloads(self.session)
        self.polls = Polls(self.session)
        self.decisions = Decisions(self.session)
        self.rules = GroupRules(self.session)
        self.flags = Flags(self.session)
        self.meetings = Meetings(self.session)
        self.activities = Activities(self.session)
        self.resources = Resources(self.session)
        self.help_offers = HelpOffers(self.session)
        return self

    async def _begin(self) -> None:
        held = await self._line.begin() if self._line is not None else None
        if held is None:
            self.session = self._sessions()
            await self.session.begin()
            return
        connection, self._driver = held
        # Made only if the work needs it (most on the hot path do not); typed as the session it stands for.
        lazy = LazySession(partial(self._sessions, bind=connection), connection, self._driver)
        self.session = cast(AsyncSession, lazy)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                riding = dict(self._riders)  # one registered meanwhile waits for the next commit
                for write in riding.values():
                    await write(self)
                await self._commit()
                for name, write in riding.items():
                    if self._riders.get(name) is write:
                        del self._riders[name]
            else:
                await self._rollback()
        finally:
            try:
                await self.session.close()
            finally:
                self._release()

    async def _commit(self) -> None:
        if self._driver is None or self.session.in_transaction():
            await self.session.commit()  # on the driver's connection it commits the hot statements' work too
        else:
            try:
                await self._driver.commit()
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
            if self._driver is not None and self._driver.in_transaction:
                await self._driver.rollback()
        except BaseException:
            if self._line is not None:
                await self._line.drop()  # a connection whose transaction may still be open is not reused
            raise

    def _release(self) -> None:
        if self._turn is not None and self._holding:
            self._holding = False
            self._turn.release()


class UnitOfWorkFactory:
    """On SQLite every transaction takes the write lock (BEGIN IMMEDIATE): this process's transactions then
    queue here, in order, rather than in SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and
    lets a newcomer overtake, so a member's dispatch could wait behind a tick's and the sender's many short
    transactions for half a second. `background` is the same database for work no member waits on (the
    scheduler, the outbox sender): its transactions let members' dispatches go first (storage/turn.py)."""

    background: UnitOfWorkFactory
    _turn: Turn | None

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lane_of: UnitOfWorkFactory | None = None) -> None:
        self.sessions = sessions
        if lane_of is None:
            bind = sessions.kw.get("bind")
            self._turn = Turn() if bind is not None and bind.dialect.name == "sqlite" else None
            self._line = DriverLine(bind) if bind is not None and DriverLine.serves(bind) else None
            self._lane = False
            self._riders: dict[str, Rider] = {}
            self.background = UnitOfWorkFactory(sessions, lane_of=self)
        else:  # the background lane of `lane_of`: the same queue, the same riders, the same connection
            self._turn, self._lane, self.background = lane_of._turn, True, self
            self._riders, self._line = lane_of._riders, lane_of._line

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self._turn, self._lane, self._riders, self._line)

    async def settled(self) -> None:
        """Once a checkpoint of a SQLite file in flight is over (one that reads the whole file waits for it)."""
        if self._line is not None:
            await self._line.settled()

    async def close(self) -> None:
        """Let the held connection go (before the engine is disposed), a checkpoint in flight finished first."""
        if self._line is not None:
            await self._line.settled()
            await self._line.drop()

    def ride(self, name: str, write: Rider) -> None:
        """A small write that need not commit at once goes with the next transaction that commits, whichever
        it is (it replaces one of the same name still waiting), instead of a transaction of its own. Only for
        writes whose delay or loss in a crash is harmless, such as the Telegram offset (receive.py)."""
        self._riders[name] = write

    @property
    def riding(self) -> bool:
        return bool(self._riders)
