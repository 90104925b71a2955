"""Issue 6's rules on Telegram: a vote without quorum fails, and the member a removal is about cannot vote on it."""

from __future__ import annotations

from datetime import timedelta

from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, TOM, World


async def test_a_vote_without_quorum_fails_and_changes_nothing(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/propose rule Phones on silent in meetings")
    await world.step()
    assert world.last_message_with(GROUP, "Group vote: Add a group rule")
    await world.at(world.clock.now() + timedelta(hours=48, minutes=1))  # nobody voted
    assert [t for t in world.texts(GROUP) if "Not passed: too few votes" in t]
    world.say(SAM, "/rules")
    await world.step()
    assert world.texts(GROUP)[-1].startswith("The group hasn't agreed any rules yet.")


async def test_the_member_up_for_removal_cannot_vote_and_is_removed_on_a_pass(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/propose remove Tom")
    await world.step()
    assert world.last_message_with(GROUP, "Group vote: Remove Tom from the group?")
    assert not [t for t in world.texts(TOM) if "Remove Tom" in t]  # no private ballot for him
    assert await world.press(TOM, "Yes") == "This vote is about you, so you don't vote on it."
    assert world.fake.calls_to("banChatMember") == []
    assert (await world.press(DAVE, "Yes") or "").startswith("Your vote is in: Yes.")
    await world.press(SAM, "Yes")
    assert [c["user_id"] for c in world.fake.calls_to("banChatMember")] == [TOM]
    assert str(TOM) not in await world.member_ids()
