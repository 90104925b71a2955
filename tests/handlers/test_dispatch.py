"""The dispatcher: exactly once, strangers refused, failures answered kindly, guided-flow plumbing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from magbot.app import App
from magbot.core.events import ButtonPress, ChatRef, Command, Text, UserRef
from magbot.core.router import STRANGER_LINE
from tests.story import story

GROUP = ChatRef("console", "group")


def command(key: str, user: str, name: str, args: str = "", chat: ChatRef = GROUP, at=None) -> Command:
    return Command(key, chat, UserRef("console", user, user.title()), at, name=name, args=args)


async def outbox_count(app: App) -> int:
    async with app.uow() as uow:
        return await uow.outbox.count()


async def test_the_same_event_twice_changes_nothing_the_second_time(app: App) -> None:
    await story(app).say("dave: /setup")
    event = command("k1", "dave", "members", at=app.clock.now())
    first = await app.dispatcher.dispatch(event)
    second = await app.dispatcher.dispatch(event)
    assert (first.duplicate, second.duplicate) == (False, True)
    assert await outbox_count(app) == 1
    # Replaying every kind of event is harmless too: a button press and a plain text.
    press = ButtonPress("k2", GROUP, UserRef("console", "sam", "Sam"), app.clock.now(), data="setup:join")
    assert not (await app.dispatcher.dispatch(press)).duplicate
    assert (await app.dispatcher.dispatch(press)).duplicate
    async with app.uow() as uow:
        group = await uow.groups.by_chat("console", "group")
        assert group is not None
        assert len(await uow.members.of_group(group.id)) == 2


async def test_a_stranger_gets_one_polite_line_in_private_and_nothing_in_the_group(app: App) -> None:
    await story(app).say("dave: /setup")
    assert await story(app).say("eve: /members", "eve: hello all") == []
    assert await story(app).say("eve> /members") == [f"[dm eve] {STRANGER_LINE}"]
    assert await story(app).say("eve> what is this") == [f"[dm eve] {STRANGER_LINE}"]


async def test_a_failing_handler_gets_an_apology_not_silence(app: App, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError(ctx.incoming.args)

    app.router.command("broken", broken, summary="")
    await story(app).say("dave: /setup")
    with caplog.at_level(logging.DEBUG, logger="magbot"):
        lines = await story(app).say("dave: /broken my secret words")
    assert lines == ["[group] Sorry, something went wrong on my side. Please try again in a minute, or type /help."]
    assert "secret words" not in caplog.text
    assert "RuntimeError" in caplog.text


async def test_odd_input_gets_a_friendly_answer(app: App) -> None:
    await story(app).say("dave: /setup")
    huge = "/members " + "x" * 5000
    assert "too long" in (await story(app).say(f"dave: {huge}"))[0] or "under" in story(app).transcript
    odd = await story(app).say("dave: /ｍembers", "dave: /members\u202e\u0000", "dave: /🙂")
    assert all(line.startswith("[group]") for line in odd)


async def test_guided_flow_step_survives_in_the_database_and_a_command_ends_it(app: App) -> None:
    seen: list[str] = []

    async def ask(ctx):  # type: ignore[no-untyped-def]
        from magbot.core.records import PendingInput

        await ctx.uow.pending.put(
            ctx.member.id,
            ctx.incoming.chat.chat_id,
            PendingInput("echo", "one", {}),
            ctx.now + timedelta(minutes=30),
        )
        return [ctx.reply("Say something")]

    async def echo(ctx):  # type: ignore[no-untyped-def]
        seen.append(ctx.incoming.text)
        await ctx.uow.pending.clear(ctx.member.id, ctx.incoming.chat.chat_id)
        return [ctx.reply("Got it")]

    app.router.command("ask", ask, summary="")
    app.router.flow("echo", echo)
    await story(app).say("dave: /setup")
    assert await story(app).say("dave: /ask", "dave: hello there") == [
        "[group] Say something",
        "[group] Got it",
    ]
    assert seen == ["hello there"]
    await story(app).say("dave: /ask", "dave: /members", "dave: not for the flow")
    assert seen == ["hello there"]


async def test_plain_text_in_a_group_is_left_alone(app: App) -> None:
    await story(app).say("dave: /setup")
    assert await story(app).say("dave: just chatting", "dave: about football") == []
    assert Text  # the type exists for platforms; nothing answers plain chat


async def test_a_member_who_blocks_the_bot_is_marked_unreachable(app: App) -> None:
    from magbot.core.events import BotBlocked

    await story(app).say("dave: /setup", "dave> /start")
    dm = ChatRef("console", "dave", "dm")
    await app.dispatcher.dispatch(BotBlocked("b1", dm, UserRef("console", "dave", "Dave"), app.clock.now()))
    async with app.uow() as uow:
        [dave] = await uow.members.active_for_user("console", "dave")
        assert not dave.dm_open


@pytest.mark.parametrize(
    "line",
    [
        "sam: /share Food\u202e bank\u200b on Tuesdays #food",
        "sam: /offer Fixing\u2066 bikes\u2069",
        "sam: /notice Small\u200f room\ufeff tonight",
    ],
)
async def test_every_members_text_is_cleaned_once_before_any_handler(app: App, line: str) -> None:
    """Invisible tricks (right-to-left overrides, zero-width spaces) never reach a post, whatever the command."""
    await story(app).say("dave: /setup", "sam [I'm a member]")
    posted = "\n".join(await story(app).say(line))
    assert posted and not any(ch in posted for ch in "\u202e\u200b\u2066\u2069\u200f\ufeff")


async def test_an_unknown_long_command_gets_an_answer_not_silence(app: App) -> None:
    await story(app).say("dave: /setup")
    said = await story(app).say("dave: /" + "x" * 40)
    assert said == [f"[group] I don't know /{'x' * 30}…. /help shows what I can do, for example /members."]
