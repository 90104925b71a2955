"""The outbox: nothing lost between "handled" and "sent", retries, order per chat, unreachable members."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.delivery import RatePolicy, RetryLater, Undeliverable
from magbot.core.events import ChatRef, Command, Post, UserRef
from magbot.core.ratelimit import RateLimiter
from magbot.core.sender import OutboxSender
from tests.conftest import START, settings_for, sqlite_url
from tests.fakes.sender import ScriptedSender

GROUP = ChatRef("console", "group")


def members_command(key: str, user: str, app: App, chat: ChatRef = GROUP) -> Command:
    return Command(key, chat, UserRef("console", user, user.title()), app.clock.now(), name="members")


async def test_a_crash_between_handled_and_sent_loses_nothing(tmp_path: Path) -> None:
    settings, clock = settings_for(sqlite_url(tmp_path), tmp_path), ManualClock(START)
    first = App(settings, clock=clock)
    await first.prepare()
    await first.dispatcher.dispatch(members_command("e1", "dave", first))  # handled and committed ...
    await first.uow.close()  # ... and the process dies before the sender ran (its connections with it)
    await first.engine.dispose()

    second = App(settings, clock=clock)
    sender = ScriptedSender()
    second.outbox = OutboxSender(second.uow, clock, [sender])
    await second.dispatcher.dispatch(members_command("e1", "dave", second))  # the platform redelivers
    await second.outbox.flush()
    await second.outbox.flush()
    assert sender.texts() == ["1 member:\n- Dave"]
    await second.close()


async def test_retry_after_and_server_errors_deliver_exactly_once(app: App, clock: ManualClock) -> None:
    sender = ScriptedSender(failures=[RetryLater(3), RuntimeError("502")])
    app.outbox = OutboxSender(app.uow, clock, [sender])
    await app.dispatcher.dispatch(members_command("e1", "dave", app))
    assert await app.outbox.flush() == 3  # told to wait three seconds
    assert sender.delivered == []
    clock.advance(timedelta(seconds=3))
    wait = await app.outbox.flush()  # the 502: back off
    assert wait is not None and wait >= 2
    clock.advance(timedelta(seconds=wait))
    assert await app.outbox.flush() is None
    assert len(sender.delivered) == 1


async def test_messages_to_one_chat_keep_their_order_and_a_dropped_one_does_not_block(
    app: App, clock: ManualClock
) -> None:
    sender = ScriptedSender(failures=[Undeliverable()])
    app.outbox = OutboxSender(app.uow, clock, [sender])
    async with app.uow() as uow:
        await uow.outbox.add([Post(GROUP, f"message {n}") for n in range(5)], clock.now())
    await app.outbox.flush()
    assert sender.texts() == ["message 1", "message 2", "message 3", "message 4"]


async def test_an_unreachable_member_is_told_once_and_gets_his_messages_when_he_opens_the_chat(
    app: App, clock: ManualClock
) -> None:
    from tests.story import story

    await story(app).say("dave: /setup")
    sender = ScriptedSender(unreachable={"dave"})
    app.outbox = OutboxSender(app.uow, clock, [sender])
    dm = ChatRef("console", "dave", "dm")
    async with app.uow() as uow:
        await uow.outbox.add([Post(dm, "private one"), Post(dm, "private two")], clock.now())
    await app.outbox.flush()
    await app.outbox.flush()
    told = [t for t in sender.texts() if "can't message you privately" in t]
    assert len(told) == 1 and "private one" not in sender.texts()
    async with app.uow() as uow:
        await uow.outbox.add([Post(dm, "private three")], clock.now())
    await app.outbox.flush()
    assert len([t for t in sender.texts() if "can't message you privately" in t]) == 1  # once only

    sender.unreachable.clear()
    await app.dispatcher.dispatch(Command("e9", dm, UserRef("console", "dave", "Dave"), clock.now(), name="start"))
    await app.outbox.flush()
    assert [t for t in sender.texts() if t.startswith("private")] == [
        "private one",
        "private two",
        "private three",
    ]


async def test_a_slow_send_pushes_the_next_one_to_that_chat_a_full_interval_past_its_answer(
    app: App, clock: ManualClock
) -> None:
    """Telegram counts when a request arrives; a request that took 0.4 s to get there must not let the next one
    follow 0.6 s behind it (CI's fault run caught two sends to the group 0.64 s apart on a loaded machine)."""
    slow = timedelta(seconds=0.4)
    sender = ScriptedSender(rate=RatePolicy(per_chat_interval=1.0), clock=clock, takes=slow)
    app.outbox = OutboxSender(app.uow, clock, [sender])
    async with app.uow() as uow:
        await uow.outbox.add([Post(GROUP, "first"), Post(GROUP, "second")], clock.now())
    assert await app.outbox.flush() == 1.0  # counted from the answer, not from when the send began
    assert sender.texts() == ["first"]
    clock.advance(timedelta(seconds=0.6))
    assert await app.outbox.flush() == 0.4  # 0.6 s after the answer (1.0 s after it began) is still too soon
    clock.advance(timedelta(seconds=0.4))
    assert await app.outbox.flush() is None
    assert sender.texts() == ["first", "second"]


def test_rate_limiter_spaces_messages_per_chat_per_group_and_overall() -> None:
    limiter = RateLimiter(RatePolicy(per_chat_interval=1.0, per_group_per_minute=20, overall_per_second=30))
    now = START
    assert limiter.wait_needed("g", True, now) == 0
    limiter.record("g", True, now)
    assert limiter.wait_needed("g", True, now + timedelta(seconds=0.25)) == 0.75
    for n in range(1, 20):
        limiter.record("g", True, now + timedelta(seconds=n))
    assert limiter.wait_needed("g", True, now + timedelta(seconds=21)) == 39  # 20 a minute in a group
    for n in range(30):
        limiter.record(f"dm{n}", False, now + timedelta(seconds=30))
    assert limiter.wait_needed("other", False, now + timedelta(seconds=30.5)) == 0.5  # 30 a second overall


async def test_a_process_killed_after_handling_loses_no_message(tmp_path: Path) -> None:
    """A real process handles an event, commits, and is killed (SIGKILL) before its sender runs."""
    import asyncio
    import signal
    import sys
    import textwrap

    url = sqlite_url(tmp_path)
    script = textwrap.dedent(f"""
        import asyncio, os, signal
        from datetime import UTC, datetime
        from magbot.app import App
        from magbot.config import Settings
        from magbot.core.clock import ManualClock
        from magbot.core.events import ChatRef, Command, UserRef

        async def main():
            clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
            app = App(Settings(database_url={url!r}, data_dir={str(tmp_path)!r}), clock=clock)
            await app.prepare()
            user = UserRef("console", "dave", "Dave")
            await app.dispatcher.dispatch(Command("e1", ChatRef("console", "group"), user, clock.now(), name="members"))
            os.kill(os.getpid(), signal.SIGKILL)  # handled and committed; nothing sent yet

        asyncio.run(main())
    """)
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", script, stderr=asyncio.subprocess.PIPE)
    _, errors = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == -signal.SIGKILL, errors[-500:]

    clock = ManualClock(START)
    restarted = App(settings_for(url, tmp_path), clock=clock)
    await restarted.prepare()
    sender = ScriptedSender()
    restarted.outbox = OutboxSender(restarted.uow, clock, [sender])
    await restarted.outbox.flush()
    assert sender.texts() == ["1 member:\n- Dave"]
    await restarted.close()


async def test_a_members_answer_goes_before_the_cards_edits_and_ten_edits_send_as_one(
    app: App, clock: ManualClock
) -> None:
    from magbot.core.events import Edit

    sender = ScriptedSender(rate=RatePolicy(per_chat_interval=1.0))
    app.outbox = OutboxSender(app.uow, clock, [sender])
    for n in range(10):  # ten presses' edits of one card, each saved by its own dispatch
        async with app.uow() as uow:
            await uow.outbox.add([Edit(GROUP, "rsvp:1", f"Coming ({n + 1})")], clock.now())
    await app.dispatcher.dispatch(members_command("e1", "dave", app))
    assert await app.outbox.flush() == 1.0  # one message a second in this chat
    clock.advance(timedelta(seconds=1))
    assert await app.outbox.flush() is None
    assert [getattr(m, "text", None) for _, m in sender.delivered] == ["1 member:\n- Dave", "Coming (10)"]
