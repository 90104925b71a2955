"""Use cases, one module per feature. `build_features()` is the one list of every route and scheduled job."""

from __future__ import annotations

from magbot.core.context import Context
from magbot.core.events import Command, Reply
from magbot.core.housekeeping import core_jobs
from magbot.core.jobs import Jobs
from magbot.core.router import Router, as_reply
from magbot.core.routing import choose_handler
from magbot.handlers import (
    activities,
    activity,
    admission,
    agenda,
    buddies,
    checkins,
    decisions,
    help_offers,
    meetings,
    membership,
    moderation,
    offload,
    polls,
    privacy,
    proposals,
    resources,
)


async def command_button(ctx: Context) -> Reply:
    """Buttons like "What can you do?" (`cmd:help`) run the command as if it had been typed."""
    press, name = ctx.incoming, ctx.pressed(membership.RunCommand).name
    assert ctx.router is not None
    as_command = Command(press.key, press.chat, press.sender, press.at, name=name)
    handler, refusal = await choose_handler(ctx.router, _with_incoming(ctx, as_command))
    if handler is None:
        return refusal
    return as_reply(await handler(ctx))


def _with_incoming(ctx: Context, incoming: Command) -> Context:
    return Context(incoming, ctx.uow, ctx.clock, ctx.policy, ctx.group, ctx.member, router=ctx.router)


def build_features() -> tuple[Router, Jobs]:
    """Every feature registers its commands, buttons, flows, events and scheduled jobs here."""
    router, jobs = Router(), core_jobs()
    membership.register(router)
    meetings.register(router, jobs)
    agenda.register(router)
    polls.register(router, jobs)
    decisions.register(router, jobs)
    proposals.register(router)
    admission.register(router)
    moderation.register(router)
    checkins.register(router)
    checkins.register_jobs(jobs)
    buddies.register(router)
    buddies.register_jobs(jobs)
    offload.register(router)
    offload.register_jobs(jobs)
    resources.register(router)
    help_offers.register(router, jobs)
    activities.register(router, jobs)
    activity.register(router)
    privacy.register(router)
    router.button(membership.RunCommand, command_button)
    return router, jobs


def build_router() -> Router:
    return build_features()[0]


def build_jobs() -> Jobs:
    return build_features()[1]
