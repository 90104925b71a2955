"""Activities on Telegram, as members use them from their phones: the post, presses editing it in place, the waiting
list moved up with a private message, the reminder the day before in private, and /calendar as a document."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, TOM, World, labels

HEADING = "Football, organised by Dave\nSaturday 28 November at 10:00, Pollok Park\n1 place, £3."


def edits_of(world: World, message_id: int) -> list[str]:
    return [str(p["text"]) for p in world.sent(GROUP, "editMessageText") if p["message_id"] == message_id]


async def test_football_signups_waiting_list_reminder_and_calendar(world: World) -> None:
    await world.setup_three()  # Monday 23 November 10:00, London
    world.say(DAVE, "/activity Football | saturday 10:00 | Pollok Park | 1 places | £3")
    await world.step()
    post = world.last_message(GROUP)
    assert post["text"] == f"{HEADING}\nNobody's in yet."
    assert labels(post) == ["I'm in", "Maybe", "Can't", "Call it off"]

    # Presses edit the same message (editMessageText on its id); the second "I'm in" waits.
    assert await world.press(SAM, "I'm in") == "You're in. See you there."
    toast = await world.press(TOM, "I'm in")
    assert toast == "It's full, so you're on the waiting list (number 1). I'll tell you if a place comes free."
    assert edits_of(world, post["message_id"]) == [
        f"{HEADING}\nIn (1 of 1): Sam",
        f"{HEADING}\nIn (1 of 1): Sam\nWaiting list: Tom",
    ]
    # Only the organiser can call it off; anyone else gets a pop-up and nothing is sent.
    sent = len(world.fake.sent_messages())
    assert await world.press(SAM, "Call it off") == "Only the organiser can call it off. To drop out, press Can't."
    assert len(world.fake.sent_messages()) == sent

    # Sam drops out: Tom moves up, and is told privately (nothing about it in the group but the edit).
    assert await world.press(SAM, "Can't") == "Thanks for letting us know."
    assert edits_of(world, post["message_id"])[-1] == f"{HEADING}\nIn (1 of 1): Tom\nCan't: 1"
    assert world.texts(TOM)[-1].startswith("Good news: a place came free, so you're in for Football")
    assert world.newest_with(GROUP, "I'm in")[0]["message_id"] == post["message_id"]

    # The day before, 24 hours ahead: the reminder, privately, to Tom only.
    group_before, sam_before = len(world.texts(GROUP)), len(world.texts(SAM))
    await world.at(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    assert world.texts(TOM)[-1] == "Reminder: Football tomorrow (Saturday 28 November) at 10:00, Pollok Park. " \
                                   "See you there!"
    assert len(world.texts(SAM)) == sam_before and len(world.texts(GROUP)) == group_before

    # /calendar in private: an .ics document with the meetings and the football.
    world.say(TOM, "/calendar", chat=TOM)
    await world.step()
    document = world.sent(TOM, "sendDocument")[-1]
    upload = world.fake.files[-1]
    assert upload.filename == "calendar.ics" and upload.method == "sendDocument"
    body = upload.content.decode() if isinstance(upload.content, bytes) else str(upload.content)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Football\r\n" in body
    assert "DTSTART:20261128T100000Z" in body and "LOCATION:Pollok Park\r\n" in body
    assert "calendar" in document["caption"]
