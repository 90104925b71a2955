"""Found by the fault suite: a named (native) poll that Telegram accepted, but whose answer never reached the bot
(the connection dropped, or the bot was killed before it kept the poll's id), is sent again; the first copy stays
in the chat. A poll answer names neither chat nor message, only the poll's id, which the bot never learnt for
that copy. Now the bot marks the poll "in doubt" before it sends it again and recognises the other copy by the
`poll` update Telegram sends with each vote (its question and options): every man's answer counts, once,
whichever copy he pressed, in whichever order Telegram delivers the two updates (poll_copies.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bench.faults_fake import FaultyTelegram
from magbot.core.clock import ManualClock
from magbot.platforms.telegram.poll_copies import DOUBT, VOTER, WAITING
from tests.fakes.telegram_objects import PollState
from tests.platforms.telegram import conftest as tg
from tests.platforms.telegram.conftest import BOT_USERNAME, DAVE, GROUP, SAM, TOM, World

world = tg.world  # the Telegram tests' world fixture, on this module's fake (a conftest reaches only its folder)


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FaultyTelegram]:
    async with FaultyTelegram(bot_username=BOT_USERNAME, clock=lambda: clock.now().timestamp()) as server:
        yield server


async def sent_twice(world: World, fake: FaultyTelegram) -> tuple[PollState, PollState]:
    """Dave's named poll, whose first sendPoll Telegram posted while the bot heard a reset connection."""
    await world.setup_three()
    fake.force("sendPoll", "drop-after")
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | named | closes 2h")
    await world.step()
    for _ in range(5):  # the outbox tries again after its back-off, on the test's clock
        if (wait := await world.flush()) is None:
            break
        world.clock.advance(timedelta(seconds=wait))
    first, second = fake.polls.values()  # the members now see the poll twice
    return first, second


async def votes(world: World) -> list[tuple[str, int]]:
    """(voter's user id, option) of the group's open poll."""
    async with world.app.uow() as uow:
        group = await uow.groups.by_chat("telegram", str(GROUP))
        assert group is not None
        (poll,) = await uow.polls.open_in_group(group.id)
        names = {m.id: m.user_id for m in await uow.members.of_group(group.id)}
        return sorted((names[member], option) for member, option in await uow.polls.votes(poll.id))


async def state_keys(world: World, prefix: str) -> list[str]:
    async with world.app.uow() as uow:
        return await uow.state.keys(prefix)


@pytest.mark.parametrize("order", ["before", "after"])
async def test_a_vote_on_a_poll_whose_answer_was_dropped_still_counts(
    world: World, fake: FaultyTelegram, order: str
) -> None:
    first, second = await sent_twice(world, fake)
    fake.inject_poll_answer(first.id, SAM, [1], poll_update=order)  # the poll's state before or after the answer
    fake.inject_poll_answer(second.id, TOM, [0], poll_update=order)
    await world.step()
    assert await votes(world) == [(str(SAM), 1), (str(TOM), 0)]
    assert await state_keys(world, WAITING) == []  # nothing left waiting once it counted
    world.fake.inject_poll_answer(first.id, DAVE, [0], poll_update="none")  # the copy is known from now on
    await world.step()
    assert await votes(world) == [(str(DAVE), 0), (str(SAM), 1), (str(TOM), 0)]


async def test_a_man_who_voted_on_both_copies_counts_once_with_his_last_choice(
    world: World, fake: FaultyTelegram
) -> None:
    first, second = await sent_twice(world, fake)
    fake.inject_poll_answer(first.id, SAM, [0])
    fake.inject_poll_answer(second.id, SAM, [1])  # he changed his mind, on the other copy
    await world.step()
    assert await votes(world) == [(str(SAM), 1)]
    fake.inject_poll_answer(first.id, SAM, [])  # takes back his old answer on the first: Coffee still stands
    await world.step()
    assert await votes(world) == [(str(SAM), 1)]
    fake.inject_poll_answer(second.id, SAM, [])  # takes back the answer that counted
    await world.step()
    assert await votes(world) == []
    await world.at(world.clock.now() + timedelta(hours=2, minutes=1))
    assert world.texts(GROUP)[-1].splitlines()[-1] == "Nobody voted."
    assert second.is_closed and not first.is_closed  # the copy that was never heard of cannot be stopped
    assert await state_keys(world, DOUBT) == [] and await state_keys(world, VOTER) == []


async def test_an_answer_kept_until_its_copy_is_known_does_not_undo_a_newer_one(
    world: World, fake: FaultyTelegram
) -> None:
    first, second = await sent_twice(world, fake)
    fake.inject_poll_answer(first.id, SAM, [0], poll_update="none")  # kept: that copy is not known yet
    fake.inject_poll_answer(second.id, SAM, [1])  # then he answers Coffee on the other
    await world.step()
    assert await votes(world) == [(str(SAM), 1)]
    fake.inject_poll_answer(first.id, TOM, [0])  # Tom's vote brings the first copy's state: Sam's Tea is let go
    await world.step()
    assert await votes(world) == [(str(SAM), 1), (str(TOM), 0)] and await state_keys(world, WAITING) == []


async def test_an_answer_given_while_its_poll_was_being_sent_counts(world: World, fake: FaultyTelegram) -> None:
    """Telegram posted the poll, the bot has its answer but has not kept the id yet, and Sam votes meanwhile
    (the outbox sends while updates are handled): his answer is kept, and let go by the poll's next state."""
    await world.setup_three()
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | named")
    await world.step()
    (poll,) = fake.polls.values()
    async with world.app.uow() as uow:  # the moment between sendPoll's answer and the id kept
        mark = await uow.state.get(f"tg:poll:{poll.id}:map")
        assert mark is not None
        card = json.loads(mark)["card"]
        await uow.state.delete(f"tg:poll:{poll.id}:map")
        await uow.state.put(DOUBT + card, mark)
    fake.inject_poll_answer(poll.id, SAM, [1], poll_update="none")
    await world.step()
    assert await state_keys(world, WAITING) != []
    async with world.app.uow() as uow:  # the sender carries on: the id kept, the mark gone
        await uow.state.put(f"tg:poll:{poll.id}:map", mark)
        await uow.state.delete(DOUBT + card)
    fake.inject_poll_answer(poll.id, TOM, [0], poll_update="before")
    await world.step()
    assert await votes(world) == [(str(SAM), 1), (str(TOM), 0)] and await state_keys(world, WAITING) == []


async def test_an_answer_kept_for_an_unknown_copy_is_erased_by_forgetme(world: World, fake: FaultyTelegram) -> None:
    first, _ = await sent_twice(world, fake)
    fake.inject_poll_answer(first.id, SAM, [1], poll_update="none")  # its poll's state has not come yet
    await world.step()
    assert len(await state_keys(world, WAITING)) == 1 and await votes(world) == []
    world.say(SAM, "/forgetme", chat=SAM)
    await world.step()
    button = next(b for row in world.last_message(SAM)["reply_markup"]["inline_keyboard"] for b in row)
    fake.inject_callback_query(SAM, button["callback_data"], SAM, world.last_message(SAM)["message_id"])
    await world.step()
    assert await state_keys(world, WAITING) == []


async def test_a_poll_sent_once_leaves_nothing_in_doubt(world: World, fake: FaultyTelegram) -> None:
    await world.setup_three()
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | named")
    await world.step()
    assert await state_keys(world, DOUBT) == []
    (poll,) = fake.polls.values()
    fake.inject_poll_answer(poll.id, SAM, [0], poll_update="after")
    await world.step()
    assert await votes(world) == [(str(SAM), 0)] and await state_keys(world, VOTER) == []
