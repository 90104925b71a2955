"""Found by the fault suite: a named (native) poll that Telegram accepted, but whose answer never reached the bot
(the connection dropped, or the bot was killed before it kept the poll's id), is sent again; the first copy stays
in the chat, and the bot, which never learnt that copy's id, does not count the votes given on it. Telegram has no
idempotency key and a poll answer names neither chat nor message, so the bot cannot tie them to the poll.

Marked xfail (strict) while that holds: the test states what members would expect, and fails loudly once magbot
counts those votes (or stops leaving a second poll), so the mark is then removed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bench.faults_fake import FaultyTelegram
from magbot.core.clock import ManualClock
from tests.platforms.telegram.conftest import BOT_USERNAME, DAVE, GROUP, SAM, World, world  # noqa: F401 (the world fixture, on this module's fake)


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FaultyTelegram]:
    async with FaultyTelegram(bot_username=BOT_USERNAME, clock=lambda: clock.now().timestamp()) as server:
        yield server


@pytest.mark.xfail(strict=True, reason="a vote on the first copy of a resent native poll is not counted")
async def test_a_vote_on_a_poll_whose_answer_was_dropped_still_counts(world: World, fake: FaultyTelegram) -> None:  # noqa: F811
    await world.setup_group()
    fake.force("sendPoll", "drop-after")  # Telegram posts the poll; the bot hears a reset connection
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | named")
    await world.step()
    for _ in range(5):  # the outbox tries again after its back-off, on the test's clock
        if (wait := await world.flush()) is None:
            break
        world.clock.advance(timedelta(seconds=wait))
    assert len(fake.polls) == 2  # the members now see the poll twice
    first = next(iter(fake.polls.values()))  # and answer the one above
    fake.inject_poll_answer(first.id, SAM, [1])
    await world.step()
    async with world.app.uow() as uow:
        group = await uow.groups.by_chat("telegram", str(GROUP))
        assert group is not None
        (poll,) = await uow.polls.open_in_group(group.id)
        assert await uow.polls.votes(poll.id) != []
