"""Features are declared, not self-registered: the bot is the list `features()` returns. Anything two features
(or one, twice) declare under one name is refused at build with both names; every declared privacy part reaches
/mydata; /help lists what it listed before; plain texts reach the observers features declared."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from magbot.app import App
from magbot.core.context import Context
from magbot.core.dispatch import Dispatcher
from magbot.core.events import Outgoing, Post, Reply
from magbot.core.feature import CommandMenu, DuplicateDeclaration, Feature, TextObserver, check_unique
from magbot.core.jobs import Due, JobKind, NoPayload
from magbot.core.router import Router
from magbot.core.wire import Const, Press
from magbot.domain.members import Member
from magbot.handlers import assemble, build_features, features, membership, texts
from magbot.storage.uow import UnitOfWork
from tests.story import story


async def nothing(ctx: Context) -> Reply:
    return Reply()


async def no_job(uow: UnitOfWork, job: Due[NoPayload], now: datetime) -> list[Outgoing]:
    return []


async def collect_nothing(uow: UnitOfWork, member: Member) -> None:
    return None


async def erase_nothing(uow: UnitOfWork, member: Member) -> None:
    return None


@dataclass(frozen=True)
class PingPress(Press, prefix="ping", shape=(Const("a"),)):
    """`ping:a`"""


@dataclass(frozen=True)
class PongPress(Press, prefix="ping", shape=(Const("b"),)):
    """`ping:b`: the same prefix as PingPress."""


@dataclass(frozen=True)
class OtherPing(Press, prefix="ping", shape=(Const("c"),)):
    """`ping:c`: a third kind under the same prefix, for another feature."""


# What each kind of name looks like when a newcomer declares it again, and the feature that has it already.
CLAIMS: dict[str, tuple[str, Callable[[Feature], None]]] = {
    "command /help": ("help", lambda f: f.command("help", nothing)),
    "button kind RunCommand": ("command buttons", lambda f: f.button(membership.RunCommand, nothing)),
    "guided flow suggest": ("agenda", lambda f: f.flow("suggest", nothing)),
    "event JoinRequest": ("admission", lambda f: f.on("JoinRequest", nothing)),
    "job kind housekeeping": ("housekeeping", lambda f: f.job(JobKind("housekeeping", NoPayload), no_job)),
    "privacy part polls": ("polls", lambda f: f.holds("polls", collect_nothing, erase_nothing)),
}


@pytest.mark.parametrize("claim", list(CLAIMS))
def test_a_name_another_feature_declared_is_refused_naming_both(claim: str) -> None:
    router = Router()
    owner, declare = CLAIMS[claim]
    newcomer = Feature("newcomer")
    declare(newcomer)
    with pytest.raises(DuplicateDeclaration, match=rf"^{claim} is declared by both {owner} and newcomer$"):
        assemble([*features(router), newcomer], router)
    assert router.commands == {}  # refused before anything was routed


def test_two_features_of_one_name_are_refused() -> None:
    with pytest.raises(DuplicateDeclaration, match=r"^two features are named membership$"):
        assemble([*features(Router()), Feature("membership")], Router())


def test_a_prefix_is_one_features_own() -> None:
    first, second = Feature("first"), Feature("second")
    first.button(PingPress, nothing)
    first.button(PongPress, nothing)  # one feature's kinds may share a prefix: the parse tells them apart
    check_unique([first])
    second.button(OtherPing, nothing)
    with pytest.raises(DuplicateDeclaration, match=r"^button prefix ping: is declared by both first and second$"):
        check_unique([first, second])


def test_one_feature_declaring_a_thing_twice_is_refused() -> None:
    feature = Feature("twice")
    feature.flow("echo", nothing)
    feature.flow("echo", nothing)
    with pytest.raises(DuplicateDeclaration, match=r"^guided flow echo is declared twice by twice$"):
        check_unique([feature])


def test_building_twice_gives_two_bots_nothing_left_behind() -> None:
    first, first_jobs = build_features()
    second, second_jobs = build_features()  # an import-time registry would refuse or double this
    assert list(first.commands) == list(second.commands) and len(first.commands) == len(HELP_ALL) + 2
    assert list(first_jobs.handlers) == list(second_jobs.handlers)
    assert len(first_jobs.planners) == len(second_jobs.planners)


PARTS = {
    "membership",
    "meetings_and_agenda",
    "polls",
    "decisions",
    "checkins",
    "buddies",
    "offloads",
    "resources",
    "help_offers",
    "activities",
}


async def test_every_declared_privacy_part_is_in_mydata(app: App) -> None:
    declared = [part.name for feature in features(Router()) for part in feature.privacy]
    assert len(declared) == len(set(declared)) and set(declared) == PARTS
    await story(app).say("dave: /setup", "dave> /mydata")
    data = json.loads((Path(app.settings.data_dir) / "files" / "my-data.json").read_text())
    held = data["groups"][0]
    assert next(iter(held)) == "membership" and set(held) == PARTS


HELP_ALL = (
    "help members leave meeting remind notice suggest agenda withdraw poll endpoll polls decisions settings propose "
    "rules invite flag checkin mycheckins buddy offload forget share resources offer need activity activities "
    "calendar cancel mydata forgetme"
).split()


async def test_help_lists_the_commands_it_always_did(app: App) -> None:
    lines = await story(app).say("dave: /setup", "dave: /help all", "dave: /help")
    listed = [part.split(" - ")[0].removeprefix("/") for part in lines[1].removeprefix("[group] ").split(" / ")]
    assert listed == HELP_ALL
    common = ["checkin", "offload", "suggest", "meeting", "poll", "members", "mydata"]
    assert [f"/{name} -" in lines[2] for name in common] == [True] * len(common)
    menu = CommandMenu.of(features(Router()))
    assert [entry.name for entry in menu.entries if entry.summary] == HELP_ALL


async def test_a_command_button_runs_the_command(app: App) -> None:
    lines = await story(app).say("dave: /setup", "dave> /start", "dave [What can you do?]")
    assert lines[-1].startswith("[dm dave] I'm the group's bot.") and "/help all lists everything." in lines[-1]


async def test_the_text_fallback_runs_every_observer_in_order(app: App) -> None:
    seen: list[str] = []

    def observer(name: str, answer: str | None) -> TextObserver:
        async def observe(ctx: Context) -> Reply | None:
            seen.append(name)
            return Reply([Post(ctx.incoming.chat, answer)]) if answer else None

        return observe

    fallback = texts.register([observer("first", None), observer("second", "two"), observer("third", "three")])
    router = Router()
    assemble([fallback], router)
    app.dispatcher = Dispatcher(app.uow, router, app.clock, app.policy, on_outbox=app.wake_outbox)
    lines = await story(app).say("dave: hello", "dave> hello")
    assert seen == ["first", "second", "third"]  # one answering does not hide the text from the next
    assert lines == ["[group] two", "[group] three", "[dm dave] Type /help to see what I can do."]
