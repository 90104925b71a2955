"""Private chats on Matrix: a member's /mydata arrives as an encrypted file that he can decrypt and read.

(A stranger's one polite line is in tests/e2e/stories/membership.txt, played on Matrix by test_stories.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from nio import DownloadResponse, Event, RoomEncryptedFile
from nio.crypto.attachments import decrypt_attachment

from magbot.core.events import ChatRef, Command
from tests.platforms.matrix.conftest import ENV, Bot, group_with, set_up

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")


def file_from(sender: str, room: str):
    def pred(room_id: str, event: Event) -> bool:
        return room_id == room and event.sender == sender and isinstance(event, RoomEncryptedFile)

    return pred


async def test_mydata_in_a_private_chat_arrives_as_an_encrypted_file(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    group = await group_with(bot, alice)
    await set_up(bot, alice, group)

    dm = await alice.open_dm(bot.user_id)  # Element's "start a chat": is_direct invite
    await bot.join_room(alice, dm)
    mark = alice.mark()
    await alice.send(dm, "/mydata")
    file = await bot.until(alice, file_from(bot.user_id, dm), "the data file", mark)

    command = next(i for i in bot.seen if isinstance(i, Command) and i.name == "mydata")
    assert command.chat == ChatRef("matrix", alice.user_id, "dm")  # addressed by the person, not the room
    assert isinstance(file, RoomEncryptedFile) and file.body == "my-data.json"
    download = await alice.c.download(file.url)
    assert isinstance(download, DownloadResponse), download
    data = json.loads(decrypt_attachment(download.body, file.key["k"], file.hashes["sha256"], file.iv))
    assert data["groups"][0]["membership"]["name"] == "Alice"
    assert alice.texts(dm, bot.user_id, mark)[0].startswith("Here is everything I hold about you")
