"""What one feature declares: its routes, scheduled jobs, privacy part and text observers, as one value.

Each handler module's `register()` fills in a `Feature` and returns it; `magbot/handlers/__init__.py` collects
them and builds the router, the job registry and the privacy parts from the list. Nothing is registered at
import, so what the bot does is exactly that list, and `check_unique` refuses two features claiming the same
command, button kind or prefix, flow, event, job kind or privacy part (a silent overwrite would hide one of them).

A members-only command or button is declared with a handler taking a `MemberContext`, a guided flow with one
taking a `FlowContext`, a job of a kind planned with a group with one taking that group's `GroupScope`; only
routes declared `members_only=False` (and events such as join requests) see the optional `Context`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast, overload

from magbot.core.context import MemberContext
from magbot.core.events import Outgoing, Reply
from magbot.core.jobs import GroupJobHandler, GroupPlanner, JobHandler, JobKind, Planner
from magbot.core.router import ButtonRoute, FlowHandler, Handler, MemberHandler, Where, for_flow, for_members
from magbot.core.wire import Press
from magbot.domain.members import Member
from magbot.storage.uow import UnitOfWork

P = TypeVar("P")
Collect = Callable[[UnitOfWork, Member], Awaitable[Any]]
# An erase may return messages: a card shown again without him (his sign-up or +1 gone).
Erase = Callable[[UnitOfWork, Member], Awaitable[Sequence[Outgoing] | None]]
# Sees a member's plain text in the group that no guided flow was waiting for (buddy "seen", offload replies).
TextObserver = Callable[[MemberContext], Awaitable[Reply | None]]


@dataclass(frozen=True)
class PrivacyPart:
    """One feature's share: what it shows in /mydata and how it erases for /forgetme."""

    name: str
    collect: Collect
    erase: Erase


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    where: Where = "any"
    members_only: bool = True
    summary: str = ""  # shown in /help and the platform's command menu
    example: str = ""  # shown when the command is used in the wrong place


@dataclass(frozen=True)
class MenuEntry:
    name: str
    summary: str
    where: Where


@dataclass(frozen=True)
class CommandMenu:
    """The commands features declared, in order: what /help lists (data, not the router)."""

    entries: tuple[MenuEntry, ...] = ()

    @classmethod
    def of(cls, features: Sequence[Feature]) -> CommandMenu:
        return cls(tuple(MenuEntry(c.name, c.summary, c.where) for f in features for c in f.commands))

    def __add__(self, other: CommandMenu) -> CommandMenu:
        return CommandMenu(self.entries + other.entries)

    def summary(self, name: str) -> str | None:
        return next((entry.summary for entry in self.entries if entry.name == name), None)


@dataclass
class Feature:
    """A builder: a feature's `register()` makes one, declares everything it does, and returns it."""

    name: str
    commands: list[CommandSpec] = field(default_factory=list)
    buttons: list[ButtonRoute] = field(default_factory=list)
    flows: list[tuple[str, Handler]] = field(default_factory=list)
    events: list[tuple[str, Handler]] = field(default_factory=list)  # by the Incoming's class name
    jobs: list[tuple[JobKind[Any], GroupJobHandler[Any]]] = field(default_factory=list)  # rows with a group
    global_jobs: list[tuple[JobKind[Any], JobHandler[Any]]] = field(default_factory=list)  # rows of no one group
    planners: list[Planner] = field(default_factory=list)
    group_planners: list[GroupPlanner] = field(default_factory=list)
    privacy: list[PrivacyPart] = field(default_factory=list)
    text_observers: list[TextObserver] = field(default_factory=list)

    @overload
    def command(
        self,
        name: str,
        handler: Handler,
        *,
        where: Where = "any",
        members_only: Literal[False],
        summary: str = "",
        example: str = "",
    ) -> None: ...

    @overload
    def command(
        self,
        name: str,
        handler: MemberHandler,
        *,
        where: Where = "any",
        members_only: Literal[True] = True,
        summary: str = "",
        example: str = "",
    ) -> None: ...

    def command(
        self, name: str, handler: MemberHandler, *, where: Where = "any", members_only: bool = True,
        summary: str = "", example: str = "",
    ) -> None:  # fmt: skip
        routed = _routed(handler, members_only)
        self.commands.append(CommandSpec(name, routed, where, members_only, summary, example))

    @overload
    def button(self, kind: type[Press], handler: Handler, *, members_only: Literal[False]) -> None: ...

    @overload
    def button(self, kind: type[Press], handler: MemberHandler, *, members_only: Literal[True] = True) -> None: ...

    def button(self, kind: type[Press], handler: MemberHandler, *, members_only: bool = True) -> None:
        self.buttons.append(ButtonRoute(kind, _routed(handler, members_only), members_only))

    def flow(self, name: str, handler: FlowHandler) -> None:
        self.flows.append((name, for_flow(handler)))

    @overload
    def on(self, event_kind: Literal["Text"], handler: MemberHandler) -> None: ...

    @overload
    def on(self, event_kind: str, handler: Handler) -> None: ...

    def on(self, event_kind: str, handler: MemberHandler) -> None:
        """An event by the Incoming's class name; "Text" (reached only from a member) is the members' fallback."""
        self.events.append((event_kind, _routed(handler, event_kind == "Text")))

    def job(self, kind: JobKind[P], handler: GroupJobHandler[P]) -> None:
        """A kind planned with a group: its handler runs in that group's scope."""
        self.jobs.append((kind, handler))

    def global_job(self, kind: JobKind[P], handler: JobHandler[P]) -> None:
        """A kind whose rows belong to no one group (housekeeping, the buddies' daily check)."""
        self.global_jobs.append((kind, handler))

    def plan_with(self, planner: Planner) -> None:
        self.planners.append(planner)

    def plan_each_group(self, planner: GroupPlanner) -> None:
        """One group's next occurrences: run at its setup, on its settings' change and after each of its jobs."""
        self.group_planners.append(planner)

    def holds(self, name: str, collect: Collect, erase: Erase) -> None:
        """What this feature stores about a member: shown by /mydata, erased by /forgetme."""
        self.privacy.append(PrivacyPart(name, collect, erase))

    def observe_texts(self, observer: TextObserver) -> None:
        self.text_observers.append(observer)

    def claims(self) -> Iterator[tuple[str, str]]:
        """Every name this feature takes that no other feature may take."""
        yield from (("command", f"/{c.name}") for c in self.commands)
        yield from (("button kind", b.kind.__name__) for b in self.buttons)
        # Kinds of one feature may share a prefix (the parse tells them apart); two features may not.
        yield from (("button prefix", f"{prefix}:") for prefix in dict.fromkeys(b.kind.prefix for b in self.buttons))
        yield from (("guided flow", name) for name, _ in self.flows)
        yield from (("event", kind) for kind, _ in self.events)
        yield from (("job kind", kind.name) for kind, _ in [*self.jobs, *self.global_jobs])
        yield from (("privacy part", part.name) for part in self.privacy)


def _routed(handler: MemberHandler, members_only: bool) -> Handler:
    # The overloads let only a `Handler` (one taking the optional Context) through with members_only=False.
    return for_members(handler) if members_only else cast(Handler, handler)


class DuplicateDeclaration(ValueError):
    """Two features (or one, twice) declared the same thing."""


def check_unique(features: Sequence[Feature]) -> None:
    """Raise, naming both features, when anything a feature claims is declared twice."""
    names = [feature.name for feature in features]
    if twice := next((name for name in names if names.count(name) > 1), None):
        raise DuplicateDeclaration(f"two features are named {twice}")
    owners: dict[tuple[str, str], str] = {}
    for feature in features:
        for claim in feature.claims():
            if (first := owners.get(claim)) is not None:  # names are unique: the same name is the same feature
                by = f"twice by {first}" if first == feature.name else f"by both {first} and {feature.name}"
                raise DuplicateDeclaration(f"{claim[0]} {claim[1]} is declared {by}")
            owners[claim] = feature.name
