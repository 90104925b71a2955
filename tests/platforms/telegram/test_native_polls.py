"""A named poll is a native Telegram poll: its answers name neither chat nor card, so the bot keeps where it sent
each poll, and votes given before and after a restart count the same. (The console stories, played on Telegram by
test_txt_stories.py, show the rest of every feature.)"""

from __future__ import annotations

from datetime import timedelta

from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, STRANGER, World


async def test_a_named_poll_is_a_native_poll_whose_answers_count_across_a_restart(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | named | closes 2h")
    await world.step()
    (sent_poll,) = world.sent(GROUP, "sendPoll")
    assert sent_poll["question"] == "Tea or coffee?" and sent_poll["is_anonymous"] is False
    (poll,) = world.fake.polls.values()
    world.fake.inject_poll_answer(poll.id, DAVE, [0])
    world.fake.inject_poll_answer(poll.id, STRANGER, [0], first_name="Stranger")  # not counted
    await world.step()
    await world.restart_app()
    world.fake.inject_poll_answer(poll.id, SAM, [1])
    await world.step()
    await world.at(world.clock.now() + timedelta(hours=2, minutes=1))
    assert world.fake.calls_to("stopPoll")[-1]["message_id"] == poll.message_id and poll.is_closed
    assert world.texts(GROUP)[-1].splitlines() == [
        "Poll closed: Tea or coffee?",
        "- Tea: 1 (Dave)",
        "- Coffee: 1 (Sam)",
        "2 people voted.",
    ]
