"""Routing: the tables (command name -> handler, button kind -> handler, guided flow -> handler) and the choice of
the handler for an event, or the friendly refusal when there is none (`choose_handler`).

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

from magbot.core.context import Context, FlowContext, MemberContext, open_dm_button
from magbot.core.events import ButtonPress, Command, Outgoing, Reply, Text
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


# ---------------------------------------------------------------- choosing a handler

STRANGER_LINE = (
    "Hello. This is the private space of a closed group, so I can't help you here. "
    "If you know someone in the group, ask them about joining."
)
MEMBERS_ONLY_TOAST = "These buttons are for group members."
NOT_IN_USE = "That button is no longer in use."
MAX_ARGS = 2000

Choice = tuple[Handler | None, Reply]
NOTHING: Choice = (None, Reply())


async def choose_handler(router: Router, ctx: Context) -> Choice:
    incoming = ctx.incoming
    if isinstance(incoming, Command):
        if ctx.member is not None:  # a new command ends any guided conversation in this chat
            await ctx.uow.pending.clear(ctx.member.id, incoming.chat.chat_id)
        return _command(router, ctx, incoming)
    if isinstance(incoming, ButtonPress):
        return _button(router, ctx, incoming)
    if isinstance(incoming, Text):
        return await _text(router, ctx)
    handler = router.events.get(type(incoming).__name__)
    return (handler, Reply()) if handler else NOTHING


def _stranger(ctx: Context) -> Choice:
    # A stranger gets one polite line in a private chat, and nothing at all in a group.
    return (None, Reply([ctx.reply(STRANGER_LINE)])) if ctx.in_dm else NOTHING


def _command(router: Router, ctx: Context, command: Command) -> Choice:
    route = router.commands.get(command.name)
    if route is None:
        if ctx.member is None:
            return _stranger(ctx)
        known = "/help shows what I can do, for example /members."
        shown = command.name if len(command.name) <= 30 else command.name[:30] + "…"
        return None, Reply([ctx.reply(f"I don't know /{shown}. {known}")])
    wrong_place = (route.where == "group" and ctx.in_dm) or (route.where == "dm" and not ctx.in_dm)
    if ctx.member is None and (route.members_only or wrong_place):
        return _stranger(ctx)  # even where a command may be open to him, a wrong-place hint is not for strangers
    if len(command.args) > MAX_ARGS:
        return None, Reply([ctx.reply(f"That's a bit long for me. Please keep it under {MAX_ARGS} characters.")])
    if wrong_place and ctx.in_dm:
        return None, Reply([ctx.reply(f"/{command.name} works in the group chat. {route.example}".strip())])
    if wrong_place:
        text = f"Let's do /{command.name} in private. Open our private chat and type /{command.name} there."
        return None, Reply([ctx.reply(text, buttons=(open_dm_button(),))])
    return route.handler, Reply()


def _button(router: Router, ctx: Context, press: ButtonPress) -> Choice:
    found = router.button_route(press.data)
    if found is None:  # unknown, stale or forged: nothing of it reaches a handler
        return None, Reply(toast=NOT_IN_USE)
    route, ctx.press = found
    if route.members_only and ctx.member is None:
        return None, Reply(toast=MEMBERS_ONLY_TOAST)
    return route.handler, Reply()


async def _text(router: Router, ctx: Context) -> Choice:
    if ctx.member is None:
        return _stranger(ctx)
    ctx.pending = await ctx.uow.pending.get(ctx.member.id, ctx.incoming.chat.chat_id, ctx.now)
    if ctx.pending is not None and ctx.pending.flow in router.flows:
        return router.flows[ctx.pending.flow], Reply()
    fallback = router.events.get("Text")  # e.g. a reply inside an offload thread
    if fallback is not None:
        return fallback, Reply()
    if ctx.in_dm:
        return None, Reply([ctx.reply("Type /help to see what I can do.")])
    return NOTHING
