"""The bot says in the group, in one plain line, which admin right it lacks (issue 17): at /setup always, at
start only when what is missing changed; a bot that is no admin and has privacy mode on says it cannot see
members' messages."""

from __future__ import annotations

from tests.fakes.telegram_objects import MemberState
from tests.platforms.telegram.conftest import DAVE, GROUP, World


def rights_lines(world: World) -> list[str]:
    return [t for t in world.texts(GROUP) if "I need the right to" in t]


def withhold(world: World, *rights: str) -> None:
    bot = world.fake.state.bot_id
    world.fake.state.set_member(GROUP, bot, MemberState("administrator", permissions=dict.fromkeys(rights, False)))


async def test_setup_names_the_missing_rights_in_one_line(world: World) -> None:
    withhold(world, "can_delete_messages", "can_restrict_members")
    await world.setup_group()
    assert rights_lines(world) == [
        "I can't do everything the group decides here: I need the right to delete messages and ban users. "
        "A group admin can give it in the group's settings: Administrators, then me."
    ]


async def test_a_forum_needs_the_topics_right_and_all_rights_say_nothing(world: World) -> None:
    await world.setup_group()
    assert rights_lines(world) == []
    world.fake.state.chat(GROUP).is_forum = True
    withhold(world, "can_manage_topics")
    await world.restart()
    await world.step()
    assert rights_lines(world) == [
        "I can't do everything the group decides here: I need the right to manage topics. "
        "A group admin can give it in the group's settings: Administrators, then me."
    ]
    await world.restart()  # nothing changed: not said again
    await world.step()
    assert len(rights_lines(world)) == 1


async def test_no_admin_with_privacy_mode_cannot_see_messages(world: World) -> None:
    world.fake.state.set_member(GROUP, world.fake.state.bot_id, MemberState("member"))
    world.say(DAVE, "/setup")
    await world.step()
    (line,) = rights_lines(world)
    assert line.startswith("I can't do everything the group decides here: I need the right to see members' messages")
    assert "delete messages, ban users and invite users via link" in line
