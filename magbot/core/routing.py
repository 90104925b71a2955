"""Choosing the handler for an event, or the friendly refusal when there is none."""

from __future__ import annotations

from magbot.core.context import Context, open_dm_button
from magbot.core.events import ButtonPress, Command, Reply, Text
from magbot.core.router import Handler, Router

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
        return None, Reply(
            [ctx.reply(f"That's a bit long for me. Please keep it under {MAX_ARGS} characters.")]
        )
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
