"""The unit of work: one session, one transaction, every repository. It alone commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from magbot.storage.activities_repo import Activities
from magbot.storage.decisions_repo import Decisions, Flags, GroupRules
from magbot.storage.delivery_repo import Cards, ProcessedEvents
from magbot.storage.help_offers_repo import HelpOffers
from magbot.storage.meetings_repo import Meetings
from magbot.storage.member_posts_repo import MemberPosts
from magbot.storage.membership_repo import Groups, Members
from magbot.storage.outbox_repo import Outbox
from magbot.storage.polls_repo import Polls
from magbot.storage.resources_repo import Resources
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
    ) -> None:
        self._sessions, self._turn, self._background, self._holding = sessions, turn, background, False
        self._riders = riders if riders is not None else {}

    async def __aenter__(self) -> UnitOfWork:
        if self._turn is not None:
            await self._turn.acquire(self._background)
            self._holding = True
        try:
            self.session = self._sessions()
            await self.session.begin()
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

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                riding = dict(self._riders)  # one registered meanwhile waits for the next commit
                for write in riding.values():
                    await write(self)
                await self.session.commit()
                for name, write in riding.items():
                    if self._riders.get(name) is write:
                        del self._riders[name]
            else:
                await self.session.rollback()
        finally:
            try:
                await self.session.close()
            finally:
                self._release()

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
            self._lane = False
            self._riders: dict[str, Rider] = {}
            self.background = UnitOfWorkFactory(sessions, lane_of=self)
        else:  # the background lane of `lane_of`: the same queue, the same riders
            self._turn, self._lane, self.background = lane_of._turn, True, self
            self._riders = lane_of._riders

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self._turn, self._lane, self._riders)

    def ride(self, name: str, write: Rider) -> None:
        """A small write that need not commit at once goes with the next transaction that commits, whichever
        it is (it replaces one of the same name still waiting), instead of a transaction of its own. Only for
        writes whose delay or loss in a crash is harmless, such as the Telegram offset (receive.py)."""
        self._riders[name] = write

    @property
    def riding(self) -> bool:
        return bool(self._riders)
