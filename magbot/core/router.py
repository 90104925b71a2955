"""Routing tables: command name -> handler, button kind -> handler, guided flow -> handler.

Features register their routes in `magbot/handlers/__init__.py`; the dispatcher only looks them up. A button
press is parsed here, once, against the kinds registered under its prefix (`magbot/core/wire.py`).

The tables hold `Handler`s, called with the event's `Context`. A members-only route's own handler takes a
`MemberContext` (group and member known), a guided flow's a `FlowContext`: `for_members` and `for_flow` wrap them
so that context is made when the route runs, which routing allows only after the membership check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from magbot.core.context import Context, FlowContext, MemberContext
from magbot.core.events import Outgoing, Reply
from magbot.core.wire import Press

HandlerResult = Reply | list[Outgoing]
Handler = Callable[[Context], Awaitable[HandlerResult]]  # open to strangers: group and member may be None
MemberHandler = Callable[[MemberContext], Awaitable[HandlerResult]]
FlowHandler = Callable[[FlowContext], Awaitable[HandlerResult]]
Where = Literal["group", "dm", "any"]


@dataclass(frozen=True)
class CommandRoute:
    handler: Handler
    where: Where = "any"
    members_only: bool = True
    summary: str = ""  # shown in the platform's command menu (Telegram setMyCommands)
    example: str = ""  # shown when the command is used in the wrong place


@dataclass(frozen=True)
class ButtonRoute:
    kind: type[Press]
    handler: Handler
    members_only: bool = True


@dataclass
class Router:
    commands: dict[str, CommandRoute] = field(default_factory=dict)
    buttons: dict[str, list[ButtonRoute]] = field(default_factory=dict)  # by prefix: the kinds sharing it
    flows: dict[str, Handler] = field(default_factory=dict)
    # Events that are not commands, texts or buttons (JoinRequest, MemberLeft, ...), by class name.
    events: dict[str, Handler] = field(default_factory=dict)

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        where: Where = "any",
        members_only: bool = True,
        summary: str = "",
        example: str = "",
    ) -> None:
        if name in self.commands:
            raise ValueError(f"command /{name} registered twice")
        self.commands[name] = CommandRoute(handler, where, members_only, summary, example)

    def button(self, kind: type[Press], handler: Handler, *, members_only: bool = True) -> None:
        routes = self.buttons.setdefault(kind.prefix, [])
        if any(route.kind is kind for route in routes):
            raise ValueError(f"button kind {kind.__name__} registered twice")
        routes.append(ButtonRoute(kind, handler, members_only))

    def flow(self, name: str, handler: Handler) -> None:
        if name in self.flows:  # two features answering one conversation would eat each other's answers
            raise ValueError(f"guided flow {name} registered twice")
        self.flows[name] = handler

    def on(self, event_kind: str, handler: Handler) -> None:
        if event_kind in self.events:
            raise ValueError(f"event {event_kind} registered twice")
        self.events[event_kind] = handler

    def button_route(self, data: str) -> tuple[ButtonRoute, Press] | None:
        """The route and the typed press for this data, or None when no registered kind could have made it."""
        for route in self.buttons.get(data.split(":", 1)[0], []):
            if (press := route.kind.parse(data)) is not None:
                return route, press
        return None


def for_members(handler: MemberHandler) -> Handler:
    """A members-only route's handler, as the tables hold it: called with its member's context."""

    async def run(ctx: Context) -> HandlerResult:
        return await handler(ctx.as_member())

    return run


def for_flow(handler: FlowHandler) -> Handler:
    """A guided flow's step, as the tables hold it: called with the member's context and his waiting step."""

    async def step(ctx: Context) -> HandlerResult:
        return await handler(ctx.as_flow())

    return step


def as_reply(result: HandlerResult) -> Reply:
    return result if isinstance(result, Reply) else Reply(out=list(result))
