"""Use cases, one module per feature. `features()` is the one list of what the bot does; `build_features()`
builds the router and the scheduled jobs from it (nothing registers itself at import)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from magbot.core.context import Context
from magbot.core.events import Command, Reply
from magbot.core.feature import CommandMenu, Feature, check_unique
from magbot.core.housekeeping import HOUSEKEEPING, housekeeping, plan_housekeeping
from magbot.core.jobs import Jobs
from magbot.core.router import Handler, Router, as_reply, choose_handler
from magbot.handlers import (
    activities,
    admission,
    agenda,
    buddies,
    checkins,
    decisions,
    flows,
    help_offers,
    meetings,
    membership,
    moderation,
    mutes,
    notices,
    offload,
    own_content,
    polls,
    privacy,
    proposals,
    resources,
    texts,
)


def run_as_command(router: Router) -> Handler:
    """Buttons like "What can you do?" (`cmd:help`) run the command as if it had been typed, through `router`."""

    async def command_button(ctx: Context) -> Reply:
        press, name = ctx.incoming, ctx.pressed(membership.RunCommand).name
        as_command = Command(press.key, press.chat, press.sender, press.at, name=name)
        # Routed as the command (its place and members-only checks), answered from the press (its thread).
        handler, refusal = await choose_handler(router, dataclasses.replace(ctx, incoming=as_command, press=None))
        return as_reply(await handler(ctx)) if handler else refusal

    return command_button


def features(router: Router) -> list[Feature]:
    """Every feature, in the order /help lists their commands and texts reach their observers."""
    made = [
        membership.register(),
        meetings.register(),
        notices.register(),
        agenda.register(),
        polls.register(),
        decisions.register(),
        mutes.register(),
        proposals.register(),
        admission.register(),
        moderation.register(),
        checkins.register(),
        buddies.register(),
        offload.register(),
        resources.register(),
        help_offers.register(),
        activities.register(),
        own_content.register(),
        flows.register(),
    ]
    made.append(texts.register([observer for feature in made for observer in feature.text_observers]))
    made.append(privacy.register([part for feature in made for part in feature.privacy]))
    commands = Feature("command buttons")
    commands.button(membership.RunCommand, run_as_command(router))
    chores = Feature("housekeeping")
    chores.global_job(HOUSEKEEPING, housekeeping)
    chores.plan_with(plan_housekeeping)
    return [membership.register_help(CommandMenu.of(made)), *made, commands, chores]


def assemble(declared: Sequence[Feature], router: Router) -> Jobs:
    """Put every feature's routes into `router` and return its jobs; any name declared twice raises first."""
    check_unique(declared)
    jobs = Jobs()
    for feature in declared:
        for c in feature.commands:
            router.command(
                c.name, c.handler, where=c.where, members_only=c.members_only, summary=c.summary, example=c.example
            )
        for button in feature.buttons:
            router.button(button.kind, button.handler, members_only=button.members_only)
        for name, handler in feature.flows:
            router.flow(name, flows.with_way_out(handler))  # every conversation can be left
        for kind, handler in feature.events:
            router.on(kind, handler)
        for job_kind, job_handler in feature.jobs:
            jobs.in_group(job_kind, job_handler)
        for global_kind, global_handler in feature.global_jobs:
            jobs.on(global_kind, global_handler)
        for planner in feature.planners:
            jobs.plan_with(planner)
        for group_planner in feature.group_planners:
            jobs.plan_each_group(group_planner)
    return jobs


def build_features() -> tuple[Router, Jobs]:
    router = Router()
    return router, assemble(features(router), router)


def build_router() -> Router:
    return build_features()[0]


def build_jobs() -> Jobs:
    return build_features()[1]
