"""What a story's transcript cannot show about secret ballots on Matrix: the group's ballot offers no vote
reactions, a reaction typed by hand on it counts for nothing, and nothing in the room tells who voted what.
(The ballots, the votes in private rooms and the result are in tests/e2e/stories/decisions.txt, played on Matrix
by test_stories.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from nio import Event, ReactionEvent, RedactionEvent

from tests.platforms.matrix.conftest import ENV, Bot, Member, Pred, group_with

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


def content_of(event: Event) -> dict[str, Any]:
    return dict((event.source or {}).get("content") or {})


def post(sender: str, room: str, contains: str = "") -> Pred:
    """A new m.room.message (not an edit) from `sender` in `room` whose body holds `contains`."""

    def pred(room_id: str, event: Event) -> bool:
        content = content_of(event)
        return (
            room_id == room
            and event.sender == sender
            and (event.source or {}).get("type") == "m.room.message"
            and (content.get("m.relates_to") or {}).get("rel_type") != "m.replace"
            and contains in str(content.get("body", ""))
        )

    return pred


def offered(member: Member, bot: Bot, room: str, label: str) -> list[str]:
    """The bot's cards in `room` that still offer `label` (its own reaction, not taken back), oldest first."""
    gone = {e.redacts for r, e in member.events if r == room and isinstance(e, RedactionEvent)}
    return [
        e.reacts_to
        for r, e in member.events
        if r == room
        and isinstance(e, ReactionEvent)
        and e.sender == bot.user_id
        and e.key == label
        and e.event_id not in gone
    ]


async def says(bot: Bot, member: Member, room: str, text: str, expect: str, where: str | None = None) -> Event:
    mark = member.mark()
    await member.send(room, text)
    return await bot.until(member, post(bot.user_id, where or room, expect), f"{expect!r} after {text!r}", mark)


async def private_room(bot: Bot, member: Member) -> str:
    dm = await member.open_dm(bot.user_id)
    await bot.join_room(member, dm)
    return dm


async def test_a_group_ballot_shows_nobody_who_voted_what(bot: Bot, make_member: Any) -> None:
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    dms = {m.name: await private_room(bot, m) for m in (dave, sam, tom)}
    for member in (sam, tom):
        await member.send(room, "hi")
    await says(bot, dave, room, "/setup", "Welcome to the group's space")

    ballot = await says(
        bot, dave, room, "/propose voting_hours 24", "Group vote: Change how long votes stay open to 24 hours?"
    )
    for member in (dave, sam, tom):
        await member.wait_for(
            post(bot.user_id, dms[member.name], "Group vote: Change how long votes stay open"), "his ballot"
        )
    assert "Vote in our private chat with me: https://matrix.to/#/" + bot.user_id in content_of(ballot)["body"]
    assert not [label for label in ("Yes", "No", "Abstain") if offered(dave, bot, room, label)]
    await sam.wait_until(lambda: bool(offered(sam, bot, dms["Sam"], "Abstain")), "see his ballot's reactions")
    presses = len(bot.seen)
    await sam.react(room, ballot.event_id, "Yes")  # a reaction typed by hand on the group's ballot
    await bot.step(1000)
    assert len(bot.seen) == presses  # not a card of buttons: nothing to press
    await dave.sync()
    mark = dave.mark()

    for member in (sam, tom):
        await member.sync()
        await member.react(dms[member.name], offered(member, bot, dms[member.name], "Yes")[-1], "Yes")
    closed = "Vote closed: Change how long votes stay open to 24 hours?"
    await bot.until(dave, post(bot.user_id, room, closed), "the result", mark)
    await dave.sync()
    seen = [e for r, e in dave.events[mark:] if r == room]
    assert not [e for e in seen if e.sender in (sam.user_id, tom.user_id)]  # the voters did nothing in the room
    texts = [str(content_of(e).get("body", "")) for e in seen]
    assert not [t for t in texts if "Sam" in t or "Tom" in t or "Your vote" in t], texts
