"""Kinds of scheduled job and their typed payloads, declared once per kind and read back in one place.

A feature declares a kind with the dataclass its rows carry:

    @dataclass(frozen=True)
    class PollToClose:
        poll_id: int

    POLL_CLOSE = JobKind("poll_close", PollToClose)

and plans rows through it (`await POLL_CLOSE.plan(uow, key, due, PollToClose(poll.id), ...)`). The scheduler
reads each due row back with `JobKind.read`, so a handler gets `job.payload.poll_id` as an int, never a dict.
Field types say how a value is stored: `int` is a row id (1 <= id < 2**63, so a bad row can't crash a query),
`str` and `bool` are themselves, `datetime` is ISO text. The JSON stays as it was, so rows planned before an
upgrade still run.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from magbot.core.events import Outgoing
from magbot.core.records import ScheduledJob
from magbot.core.scope import GroupScope
from magbot.core.wire import ID_LIMIT
from magbot.domain.members import Group
from magbot.storage.state_repo import PLAN_GROUP_KIND
from magbot.storage.uow import UnitOfWork

P = TypeVar("P")


@dataclass(frozen=True)
class NoPayload:
    """For kinds whose row needs nothing but its key, group and time."""


@dataclass(frozen=True)
class Due(Generic[P]):
    """A due row with its payload read."""

    id: int
    key: str
    kind: str
    group_id: int | None
    due_at: datetime
    payload: P


@dataclass(frozen=True)
class JobKind(Generic[P]):
    name: str
    payload: type[P]

    def __post_init__(self) -> None:
        unknown = {name for name, kind in _types(self.payload).items() if kind not in (int, str, bool, datetime)}
        if unknown:
            raise TypeError(f"{self.payload.__name__}: no way to store {sorted(unknown)}")

    async def plan(
        self,
        uow: UnitOfWork,
        key: str,
        due_at: datetime,
        payload: P,
        *,
        group_id: int | None = None,
        grace_seconds: int = 3600,
    ) -> bool:
        """Plan a row of this kind once (True when newly planned); `payload` is checked as it is written."""
        return await uow.schedule.plan(
            key, self.name, due_at, group_id=group_id, grace_seconds=grace_seconds, payload=encode(payload)
        )

    def read(self, job: ScheduledJob) -> Due[P] | None:
        """The row with its payload typed, or None when the stored payload is not one this kind writes."""
        payload = decode(self.payload, job.payload)
        if payload is None:
            return None
        return Due(job.id, job.key, job.kind, job.group_id, job.due_at, payload)


_TYPES: dict[type, dict[str, Any]] = {}  # payload class -> its fields' types, read once


def _types(cls: type) -> dict[str, Any]:
    if cls not in _TYPES:
        hints = typing.get_type_hints(cls)
        _TYPES[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return _TYPES[cls]


def encode(payload: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in _types(type(payload)).items():
        value = getattr(payload, name)
        if _read(kind, _write(value)) != value:
            raise ValueError(f"{type(payload).__name__}.{name} can't be stored as {kind.__name__}")
        out[name] = _write(value)
    return out


def decode(cls: type[P], raw: dict[str, Any]) -> P | None:
    values: dict[str, Any] = {}
    for name, kind in _types(cls).items():
        if name not in raw:
            return None
        value = _read(kind, raw[name])
        if value is None:
            return None
        values[name] = value
    return cls(**values)


def _write(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _read(kind: type, value: object) -> object | None:
    if kind is bool:
        return value if isinstance(value, bool) else None
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value < ID_LIMIT
        return value if ok else None
    if kind is str:
        return value if isinstance(value, str) else None
    if kind is datetime and isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
        return when if when.tzinfo is not None else None
    return None


JobHandler = Callable[[UnitOfWork, Due[P], datetime], Awaitable[list[Outgoing]]]  # rows of no one group
GroupJobHandler = Callable[[GroupScope, Due[P]], Awaitable[list[Outgoing]]]  # rows planned with a group
Planner = Callable[[UnitOfWork, datetime], Awaitable[None]]  # deployment-wide rows (housekeeping, buddies)
# One group's next occurrences: run when the group is set up, when its settings change and after each of its
# jobs ran (or was skipped), never by walking every group on every tick.
GroupPlanner = Callable[[UnitOfWork, Group, datetime], Awaitable[None]]
PLAN_GROUP = JobKind(PLAN_GROUP_KIND, NoPayload)  # a row the storage saves when a group is set up or changed


@dataclass(frozen=True)
class JobRoute:
    """A kind and its handler: one run in the row's group's scope, or one for the whole deployment."""

    kind: JobKind[Any]
    in_group: GroupJobHandler[Any] | None = None
    global_: JobHandler[Any] | None = None


@dataclass
class Jobs:
    """What features register: a handler per job kind, and planners that add upcoming rows. The scheduler
    (magbot/scheduler.py) only runs them."""

    handlers: dict[str, JobRoute] = field(default_factory=dict)
    planners: list[Planner] = field(default_factory=list)
    group_planners: list[GroupPlanner] = field(default_factory=list)

    def on(self, kind: JobKind[P], handler: JobHandler[P]) -> None:
        """A kind whose rows belong to no one group: its handler gets the unit of work and the time."""
        self._add(JobRoute(kind, global_=handler))

    def in_group(self, kind: JobKind[P], handler: GroupJobHandler[P]) -> None:
        """A kind whose rows are planned with a group: its handler runs in that group's `GroupScope`."""
        self._add(JobRoute(kind, in_group=handler))

    def _add(self, route: JobRoute) -> None:
        if route.kind.name in self.handlers:  # a silent replacement would stop the first feature's jobs running
            raise ValueError(f"job kind {route.kind.name} registered twice")
        self.handlers[route.kind.name] = route

    def plan_with(self, planner: Planner) -> None:
        self.planners.append(planner)

    def plan_each_group(self, planner: GroupPlanner) -> None:
        if not self.group_planners:
            self.in_group(PLAN_GROUP, self._plan_group)
        self.group_planners.append(planner)

    async def plan_group(self, uow: UnitOfWork, group: Group, now: datetime) -> None:
        """Plan one group's next occurrences (idempotent keys: planning twice adds nothing), in one statement."""
        async with uow.schedule.together():
            for planner in self.group_planners:
                await planner(uow, group, now)

    async def _plan_group(self, scope: GroupScope, job: Due[NoPayload]) -> list[Outgoing]:
        await self.plan_group(scope.uow, scope.group, scope.now)
        return []
