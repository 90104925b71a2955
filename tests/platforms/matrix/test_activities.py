"""Activities on Matrix, in an encrypted room: the post, reactions editing it in place, the waiting list moved up
with a private message, the reminder the day before in private, and /calendar as an encrypted .ics file."""

from __future__ import annotations

from typing import Any

import pytest
from nio import DownloadResponse, RoomEncryptedFile
from nio.crypto.attachments import decrypt_attachment

from tests.platforms.matrix.conftest import ENV, Bot, group_with
from tests.platforms.matrix.test_feature_stories import Story, edit, local, next_monday_morning, post
from tests.platforms.matrix.test_private_chat import file_from

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


async def test_football_waiting_list_reminder_and_calendar(bot: Bot, make_member: Any) -> None:
    monday = next_monday_morning(bot.clock.now())
    bot.clock.set(monday)
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    story = Story(bot)
    tom_dm = await story.private_room(tom)
    await story.set_up(room, dave, sam, tom)

    card = await story.says(dave, room, "/activity Football | saturday 10:00 | Pollok Park | 1 places", "Football,")
    await story.press(sam, room, "I'm in", edit(bot.user_id, room, card.event_id, "In (1 of 1): Sam"), "Sam in")
    await story.press(tom, room, "I'm in", edit(bot.user_id, room, card.event_id, "Waiting list: Tom"), "Tom waits")

    # Sam drops out: the card is edited and Tom, first on the waiting list, is told in private.
    mark = tom.mark()
    await story.press(sam, room, "Can't", edit(bot.user_id, room, card.event_id, "In (1 of 1): Tom"), "Tom moved")
    await tom.wait_for(post(bot.user_id, tom_dm, "Good news: a place came free"), "Tom told privately", mark)

    # Friday 10:00, a day ahead: the reminder goes to Tom's private chat.
    mark = tom.mark()
    await bot.at(local(monday, 4, 10))
    await tom.wait_for(post(bot.user_id, tom_dm, "Reminder: Football tomorrow"), "the reminder", mark)

    # /calendar in private: an encrypted file that reads as iCalendar.
    mark = tom.mark()
    await tom.send(tom_dm, "/calendar")
    file = await bot.until(tom, file_from(bot.user_id, tom_dm), "the calendar file", mark)
    assert isinstance(file, RoomEncryptedFile) and file.body == "calendar.ics"
    download = await tom.c.download(file.url)
    assert isinstance(download, DownloadResponse), download
    body = decrypt_attachment(download.body, file.key["k"], file.hashes["sha256"], file.iv).decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Football\r\n" in body
