"""Every command on the menu, typed bare or with only part of its words, completes as a conversation (PRODUCT.md
"Conversations"): a question with `Cancel` whose next message is taken, buttons, or a complete answer such as a
listing. Never only an example of the command's words, after which the member's next line would be ignored.

The walk reads the router's commands, so a command added later is checked too.
"""

from __future__ import annotations

import re

from magbot.app import App
from magbot.core.router import CommandRoute
from magbot.domain.limits import NOTICE, OFFER_OR_NEED, RESOURCE, SUGGESTION
from magbot.handlers.flows import NOTHING_OPEN
from tests.story import story

SETUP = ("dave: /setup", "sam [I'm a member]", "tom [I'm a member]")
BUTTONS = re.compile(r"\[[^\]]+\]$")
# Commands with part of their words: each must ask for the rest (or offer buttons), not print the example.
PARTS = (
    "/propose rule", "/propose mute", "/propose mute Sam", "/propose remove", "/propose quorum",
    "/activity Pool night", "/activity Pool night | friday 19:00", "/poll Football on Saturday?",
    "/poll Curry? | Yes", "/checkin Okay", "/share #travel",
)  # fmt: skip


def _only_an_example(name: str, lines: list[str]) -> bool:
    """The reply shows how to type the command with its words ("For example: /poll ...") and asks nothing."""
    example = re.compile(rf"(for example|like):? /{re.escape(name)}\b", re.IGNORECASE)
    return any(example.search(line) for line in lines) and not any(BUTTONS.search(line) for line in lines)


async def _verdict(app: App, typed: str, speaker: str) -> str | None:
    """Why `typed` does not complete as a conversation, or None when it does."""
    name = typed.split()[0].lstrip("/")
    lines = await story(app).say(f"{speaker} {typed}")
    if not lines:
        return "silence"
    if lines[-1].endswith("[Cancel]"):  # a question: the way out must end it, so the next message is its answer
        stopped = await story(app).say(f"{speaker} cancel")
        open_step = stopped and not stopped[-1].endswith(NOTHING_OPEN)  # its own stop line, or the usual one
        return None if open_step else f"asked, but its step was not open: {stopped}"
    await story(app).say(f"{speaker} cancel")  # nothing should be open; this only keeps the walk clean
    if _only_an_example(name, lines):
        return f"only an example: {lines[-1][:120]}"
    return None


def _places(route: CommandRoute) -> tuple[str, ...]:
    """Where to type it: the group, and privately where it works privately (`tom:` and `tom>`)."""
    return {"group": ("tom:",), "dm": ("tom>",)}.get(route.where, ("tom:", "tom>"))


async def test_every_member_command_typed_bare_completes_as_a_conversation(app: App) -> None:
    await story(app).say(*SETUP)
    commands = {name: route for name, route in app.router.commands.items() if name != "setup"}
    assert {"notice", "suggest", "share", "offer", "need", "poll", "activity", "propose", "invite"} <= set(commands)
    failures = []
    for name, route in sorted(commands.items()):
        for speaker in _places(route):
            if (why := await _verdict(app, f"/{name}", speaker)) is not None:
                failures.append(f"{speaker} /{name}: {why}")
    assert failures == []


async def test_commands_with_only_part_of_their_words_ask_for_the_rest(app: App) -> None:
    await story(app).say(*SETUP)
    failures = []
    for typed in PARTS:
        lines = await story(app).say(f"tom: {typed}")
        if not lines or not BUTTONS.search(lines[-1]):
            failures.append(f"{typed}: {lines}")
        await story(app).say("tom: cancel")
    assert failures == []


def test_an_example_alone_is_caught() -> None:
    """The check itself: the old answer of `/poll Football?` fails it; a listing that names another command and a
    question with buttons pass."""
    assert _only_an_example("poll", ["[group] Write the question and the options, like: /poll Football? | Yes | No"])
    assert not _only_an_example("agenda", ["[group] No suggestions yet. For example: /suggest Dealing with it"])
    assert not _only_an_example("poll", ["[group] Or do it in one go, like: /poll Football? | Yes | No [Cancel]"])


async def test_a_too_long_answer_is_refused_and_the_question_stays_open(app: App) -> None:
    await story(app).say(*SETUP)
    for command, what in (("/suggest", SUGGESTION), ("/notice", NOTICE), ("/offer", OFFER_OR_NEED),
                          ("/need", OFFER_OR_NEED), ("/share", RESOURCE)):  # fmt: skip
        await story(app).say(f"tom: {command}")
        refused = await story(app).say("tom: " + "x" * (what.letters + 3))
        assert refused == [
            f"[group] That's 3 letters too long: {what.what.lower()} can be up to {what.letters} letters. "
            "Nothing was posted. Send a shorter one here, or press Cancel. [Cancel]"
        ], command
        taken = await story(app).say("tom: Fixing bikes on Saturdays")
        assert "Fixing bikes on Saturdays" in taken[0], command  # the next, shorter message is the answer


async def test_poll_and_activity_steps_say_how_far_over(app: App) -> None:
    await story(app).say(*SETUP)
    await story(app).say("tom: /poll Curry? | Yes")
    assert await story(app).say("tom: " + "n" * 102) == [
        "[group] That's 2 letters too long: each answer of a poll can be up to 100 letters. Nothing was posted. "
        "Send a shorter one here, or press Done. [Done] [Cancel]"
    ]
    assert await story(app).say("tom: No") == ["[group] Got it: No. Next one, or press Done. [Done] [Cancel]"]
    await story(app).say("tom: cancel", "tom: /activity Pool night | friday 19:00")
    assert await story(app).say("tom: " + "p" * 101) == [
        "[group] That's 1 letter too long: where it is can be up to 100 letters. Nothing was posted. "
        "Send a shorter one here, or press Cancel. [Cancel]"
    ]
