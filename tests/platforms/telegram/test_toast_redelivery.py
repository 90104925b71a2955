"""Issue 12: a press handled and committed, then the process dies before answerCallbackQuery. Telegram sends
the press again (its offset was never confirmed); the dispatcher sees a duplicate and, before this fix,
answered it with no pop-up. The pop-up is now kept with the event key until the press was answered."""

from __future__ import annotations

from sqlalchemy import select

from magbot.storage.models import ProcessedEventRow
from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, World


async def kept_toasts(world: World) -> list[str]:
    async with world.app.uow() as u:
        return [t for t in await u.session.scalars(select(ProcessedEventRow.toast)) if t]


async def test_a_press_redelivered_after_a_crash_gets_its_pop_up(world: World) -> None:
    world.say(DAVE, "/setup")
    await world.step()
    world.fake.inject_callback_query(
        SAM, "setup:join", GROUP, world.last_message(GROUP)["message_id"], first_name="Sam"
    )
    (update,) = await world.platform.poller.fetch(0)
    incoming = await world.platform.receiver.incoming(update)
    assert incoming is not None
    first = await world.dispatch(incoming)  # committed; the process dies before the answer and the offset
    assert first.toast == "Welcome, you're in." and await kept_toasts(world) == [first.toast]
    await world.restart()
    await world.step()  # Telegram sends the press again
    assert world.results[-1].duplicate
    answers = [a for a in world.fake.answered if a.call.method == "answerCallbackQuery"]
    assert [a.call.params.get("text") for a in answers] == ["Welcome, you're in."]
    assert await kept_toasts(world) == []  # answered: not kept any longer
    assert await world.member_ids() == {str(DAVE), str(SAM)}
