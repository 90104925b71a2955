"""Routing tables: command name -> handler, button prefix -> handler, guided flow -> handler.

Features register their routes in `magbot/handlers/__init__.py`; the dispatcher only looks them up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from magbot.core.context import Context
from magbot.core.events import Outgoing, Reply

HandlerResult = Reply | list[Outgoing]
Handler = Callable[[Context], Awaitable[HandlerResult]]
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
    handler: Handler
    members_only: bool = True


@dataclass
class Router:
    commands: dict[str, CommandRoute] = field(default_factory=dict)
    buttons: dict[str, ButtonRoute] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)
    # Events that are not commands, texts or buttons (JoinRequest, MemberLeft, ...), by class name.
    events: dict[str, Handler] = field(default_factory=dict)

    def command(self, name: str, handler: Handler, **options: object) -> None:
        if name in self.commands:
            raise ValueError(f"command /{name} registered twice")
        self.commands[name] = CommandRoute(handler, **options)  # type: ignore[arg-type]

    def button(self, prefix: str, handler: Handler, *, members_only: bool = True) -> None:
        if prefix in self.buttons:
            raise ValueError(f"button prefix {prefix} registered twice")
        self.buttons[prefix] = ButtonRoute(handler, members_only)

    def flow(self, name: str, handler: Handler) -> None:
        self.flows[name] = handler

    def on(self, event_kind: str, handler: Handler) -> None:
        self.events[event_kind] = handler

    def button_route(self, data: str) -> ButtonRoute | None:
        return self.buttons.get(data.split(":", 1)[0])


def as_reply(result: HandlerResult) -> Reply:
    return result if isinstance(result, Reply) else Reply(out=list(result))
