"""A /forgetme's burst of redactions and edits reaches the members on the real Synapse, all of it.

/forgetme takes back a dozen of the bot's group posts at once (their buttons already taken back, as a flow's
questions are once answered) and redraws a card or two: more events than one sync gives a client by default
(Synapse: 10 per room). The server has every one; a client gets the rest by filling the gap from `/messages`,
as Element does and as the members' clients here now do (conftest `Member._gap`). Without that, the first
redactions looked as if they never arrived (the forgetme story's five "missing" events, docs/DECISIONS.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from nio import RedactionEvent, RoomGetEventResponse, RoomMessageText, SyncResponse

from magbot.core.events import Button, ChatRef, Delete, Edit, Post
from tests.platforms.matrix.conftest import ENV, Bot, group_with, message_from

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")

POSTS = 12  # more than Synapse's default timeline of 10 events per sync


async def test_every_redaction_and_edit_of_a_burst_reaches_the_member(bot: Bot, make_member: Any) -> None:
    alice, bob = await make_member("Alice"), await make_member("Bob")
    room = await group_with(bot, alice, bob)
    group = ChatRef("matrix", room)
    skip = ((Button("Skip", "flow:skip"),),)
    await bot.send(Post(group, "Founding members: Dave, Sam, Tom.", card="setup"))
    setup = await alice.wait_for(message_from(bot.user_id, room, "Founding members"), "the setup card")
    for n in range(POSTS):  # each question asked, then answered (its button taken back), as a flow does
        await bot.send(Post(group, f"Question {n} for Sam?", buttons=skip, card=f"q:{n}"))
        await alice.sync()  # a few events at a time: no gap before the burst
        await bot.send(Edit(group, f"q:{n}", f"Question {n} for Sam?"))
        await alice.sync()
    await alice.wait_until(lambda: _edits(alice.events) == POSTS, "every question answered")
    questions = [
        e.event_id for _, e in alice.events if isinstance(e, RoomMessageText) and e.body.startswith("Question")
    ]
    assert len(questions) == POSTS
    mark = alice.mark()
    await bob.sync()

    # /forgetme: every question goes and the setup card is redrawn, in one flush, before Alice syncs again.
    redrawn = Edit(group, "setup", "Founding members: Dave, Tom.")
    await bot.send(*(Delete(group, card=f"q:{n}") for n in range(POSTS)), redrawn)
    await alice.sync()  # as the story's members sync: a gap filled from /messages
    raw = await bob.c.sync(timeout=0, since=bob.next_batch)  # Bob's client does not fill it
    assert isinstance(raw, SyncResponse) and raw.rooms.join[room].timeline.limited  # the gap is real
    assert len(raw.rooms.join[room].timeline.events) < POSTS + 1

    redacted = {e.redacts for _, e in alice.events[mark:] if isinstance(e, RedactionEvent)}
    assert redacted == set(questions)
    assert any("Dave, Tom." in getattr(e, "body", "") for _, e in alice.events[mark:])
    for event_id in questions:  # and on the server each is gone (its content stripped), not merely unsent
        fetched = await alice.c.room_get_event(room, event_id)
        assert isinstance(fetched, RoomGetEventResponse)
        assert fetched.event.source.get("unsigned", {}).get("redacted_because"), event_id
    assert setup.event_id not in redacted


def _edits(events: list[tuple[str, Any]]) -> int:
    return sum(1 for _, e in events if isinstance(e, RoomMessageText) and e.body.startswith("* Question"))
