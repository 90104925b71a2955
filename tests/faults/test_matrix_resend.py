"""Found by the fault suite on Matrix (a reply seen twice in 30 SIGKILL runs): the sender forgets an outbox row's
txn id (`mx:tx:<id>`, its own transaction) as soon as the homeserver accepted the event, before the outbox deletes
the row (the next transaction). A process killed between the two sends the row again after its restart under a
fresh txn id, which Synapse cannot dedupe, so the room shows the message twice.

The test plays that restart: one row sent, its txn id forgotten as the sender does, and the row sent again (what a
new process does with a row still in the outbox). Fixed: the txn base now lives until the row is gone (pruned by
`MatrixState.tx_base` once the outbox no longer holds it), so the second send reuses it and Synapse dedupes.
"""

from __future__ import annotations

from typing import Any

import pytest

from magbot.core.delivery import Places
from magbot.core.events import ChatRef, Post
from tests.platforms.matrix import conftest as mx
from tests.platforms.matrix.conftest import ENV, Bot, group_with, set_up

# The Matrix tests' fixtures, for this module too (a conftest's fixtures reach only its own folder).
bot, homeserver, make_member = mx.bot, mx.homeserver, mx.make_member

pytestmark = [pytest.mark.matrix, pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")]


async def test_a_row_sent_again_after_a_kill_is_posted_once(bot: Bot, make_member: Any) -> None:
    alice = await make_member("Alice")
    room = await group_with(bot, alice)
    await set_up(bot, alice, room)
    await bot.step()
    message = Post(ChatRef("matrix", room), "Once only, please.")
    mark = alice.mark()
    await bot.platform.sender.send(4242, message, Places())  # accepted; the process dies before the row goes
    await bot.platform.sender.send(4242, message, Places())  # the next process sends the same row
    await alice.wait_until(lambda: "Once only, please." in alice.texts(room, bot.user_id, mark), "the message")
    await alice.sync(1000)
    assert alice.texts(room, bot.user_id, mark).count("Once only, please.") == 1
