"""The fake Telegram Bot API, driven by a real python-telegram-bot ``Bot``: PTB must accept every answer."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    TelegramObject,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

GROUP, ALICE, BOB = -1001234567890, 1001, 1002
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="vote:yes")]])


@pytest.fixture
async def srv() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token=DEFAULT_TOKEN, bot_username="magbot_test_bot") as server:
        server.start_bot(ALICE)  # Alice has opened her private chat with the bot; Bob has not
        yield server


@pytest.fixture
async def bot(srv: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=f"{srv.url}/bot", base_file_url=f"{srv.url}/file/bot") as made:
        yield made


def assert_fully_known(obj: Any) -> None:
    """Every field we sent is one PTB knows: nothing landed in ``api_kwargs`` anywhere in the tree."""
    if isinstance(obj, tuple | list):
        for item in obj:
            assert_fully_known(item)
    elif isinstance(obj, TelegramObject) and not isinstance(obj, Bot):
        assert not obj.api_kwargs, f"{type(obj).__name__} has unknown fields {obj.api_kwargs}"
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if not name.startswith("_") and name != "api_kwargs":
                    assert_fully_known(getattr(obj, name, None))


async def updates(bot: Bot, **kwargs: Any) -> tuple[Update, ...]:
    received = await bot.get_updates(**kwargs)
    assert_fully_known(received)
    return received


async def test_get_me_token_and_unknown_method(srv: FakeTelegramServer, bot: Bot) -> None:
    assert bot.username == "magbot_test_bot" and bot.id == srv.bot_id
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("42:wrong", base_url=f"{srv.url}/bot"):
            pass
    with pytest.raises(EndPointNotFound):  # Telegram answers 404 "Not Found"
        await bot.do_api_request("noSuchMethod")
    assert srv.calls[-1].method == "noSuchMethod"


async def test_send_with_keyboard_then_edit(srv: FakeTelegramServer, bot: Bot) -> None:
    first = await bot.send_message(GROUP, "<b>Vote</b> &amp; go", parse_mode="HTML", reply_markup=KEYBOARD)
    reply = await bot.send_message(
        GROUP, "plain", protect_content=True, reply_parameters=ReplyParameters(first.message_id)
    )
    assert_fully_known((first, reply))
    assert (first.text, first.entities[0].type, first.reply_markup) == ("Vote & go", "bold", KEYBOARD)
    assert first.from_user.id == srv.bot_id and first.chat.type == "supergroup"
    assert reply.message_id == first.message_id + 1 and reply.reply_to_message.message_id == first.message_id
    assert reply.has_protected_content

    edited = await bot.edit_message_text("Closed", GROUP, first.message_id)
    assert_fully_known(edited)
    assert edited.text == "Closed" and edited.reply_markup is None and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Closed", GROUP, first.message_id)
    await bot.edit_message_reply_markup(GROUP, first.message_id, reply_markup=KEYBOARD)
    assert srv.get_message(GROUP, first.message_id)["reply_markup"] == KEYBOARD.to_dict()

    sent = srv.sent_messages(GROUP)
    assert [c.method for c in sent] == ["sendMessage", "sendMessage", "editMessageText", "editMessageReplyMarkup"]
    assert sent[0].params["parse_mode"] == "HTML" and sent[0].params["reply_markup"] == KEYBOARD.to_dict()
    assert sent[1].params["protect_content"] is True
    assert sent[1].params["reply_parameters"] == {"message_id": first.message_id}


async def test_html_is_checked_like_telegram(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "" at byte offset 2'):
        await bot.send_message(ALICE, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ALICE, "<b></b>", parse_mode="HTML")


async def test_telegrams_limits_are_enforced(srv: FakeTelegramServer, bot: Bot) -> None:
    """What a bot gets wrong and Telegram refuses: lengths counted in UTF-16 after parsing, callback data of at
    most 64 bytes, keyboard buttons that do nothing, polls of one option, over-long pop-ups."""
    assert await bot.send_message(GROUP, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(GROUP, "😀" * 2049)  # 4098 UTF-16 units
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(GROUP, "pick", reply_markup=too_long)
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(GROUP, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go")]]))
    with pytest.raises(BadRequest, match=r"(?i)poll_answers_invalid"):
        await bot.send_poll(GROUP, "Lunch?", ["Pizza"], is_anonymous=False)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(GROUP, b"x", filename="x.txt", caption="y" * 1025)
    srv.inject_callback_query(ALICE, "vote:yes", GROUP, 1)
    (press,) = await updates(bot)
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await press.callback_query.answer("z" * 201)
    assert not srv.sent_messages()[1:]  # only the first one went


async def test_poll_answer_reaches_ptb(srv: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_poll(GROUP, "Lunch?", ["Pizza", "Soup"], is_anonymous=False)
    assert_fully_known(sent)
    poll = sent.poll
    assert poll.options[0].persistent_id and not poll.is_closed and poll.allows_revoting
    srv.inject_poll_answer(poll.id, ALICE, [1], first_name="Alice")

    state, answer = await updates(bot)  # the poll's new state (no names), then who voted what
    assert state.poll.id == poll.id and state.poll.question == "Lunch?" and state.poll.total_voter_count == 1
    assert answer.poll_answer.user.id == ALICE and answer.poll_answer.option_ids == (1,)
    assert answer.poll_answer.option_persistent_ids == (poll.options[1].persistent_id,)
    srv.inject_poll_answer(poll.id, ALICE, [], poll_update="after")  # taken back; the state may come second
    retracted, state = await updates(bot, offset=answer.update_id + 1)
    assert retracted.poll_answer.option_ids == () and state.poll.total_voter_count == 0

    stopped = await bot.stop_poll(GROUP, sent.message_id)
    assert_fully_known(stopped)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [0, 0]
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await bot.stop_poll(GROUP, sent.message_id)


async def test_callback_query_reaches_ptb(srv: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(GROUP, "Pick", reply_markup=KEYBOARD)
    srv.inject_callback_query(ALICE, "vote:yes", GROUP, sent.message_id, first_name="Alice")
    srv.inject_callback_query(ALICE, "vote:yes", GROUP, 999)

    known, unknown = await updates(bot)
    query = known.callback_query
    assert query.data == "vote:yes" and query.from_user.first_name == "Alice"
    assert isinstance(query.message, Message) and query.message.reply_markup == KEYBOARD
    assert not unknown.callback_query.message.is_accessible  # PTB 22.8 parses it as a Message, date 0
    assert await query.answer("Thanks")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()


async def test_chat_join_request_reaches_ptb(srv: FakeTelegramServer, bot: Bot) -> None:
    srv.inject_chat_join_request(GROUP, BOB, "Bob")
    (update,) = await updates(bot)
    request = update.chat_join_request
    assert (request.from_user.id, request.user_chat_id, request.chat.id) == (BOB, BOB, GROUP)
    assert await request.approve()
    assert srv.member_status(GROUP, BOB) == "member"
    with pytest.raises(BadRequest, match=r"(?i)user_already_participant"):
        await request.approve()


async def test_member_updates_and_blocking(srv: FakeTelegramServer, bot: Bot) -> None:
    srv.inject_chat_member_update(GROUP, BOB, new_status="member", first_name="Bob")
    assert await updates(bot) == ()  # chat_member is opt-in, as on Telegram, and is now dropped
    srv.inject_chat_member_update(GROUP, BOB, old_status="member", new_status="left")
    (left,) = await updates(bot, allowed_updates=["chat_member", "my_chat_member", "message"])
    assert left.chat_member.new_chat_member.status == "left"

    srv.inject_my_chat_member(ALICE, ALICE, new_status="kicked", first_name="Alice")
    (blocked,) = await updates(bot, offset=left.update_id + 1)
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(ALICE, "hello?")


async def test_admin_methods_parse(srv: FakeTelegramServer, bot: Bot) -> None:
    srv.inject_message(GROUP, ALICE, "hi", first_name="Alice")
    assert await bot.restrict_chat_member(GROUP, ALICE, ChatPermissions(can_send_messages=False))
    assert srv.member_status(GROUP, ALICE) == "restricted"
    assert await bot.ban_chat_member(GROUP, ALICE)
    assert srv.member_status(GROUP, ALICE) == "kicked"
    assert await bot.unban_chat_member(GROUP, ALICE, only_if_banned=True)
    assert srv.member_status(GROUP, ALICE) == "left"
    srv.set_member_status(GROUP, BOB, "administrator")
    with pytest.raises(BadRequest, match=r"(?i)user is an administrator"):
        await bot.ban_chat_member(GROUP, BOB)

    with pytest.raises(BadRequest, match=r"(?i)the chat is not a forum"):  # magbot then uses reply threads
        await bot.create_forum_topic(GROUP, "Agenda")
    srv.add_chat(GROUP, is_forum=True)
    topic = await bot.create_forum_topic(GROUP, "Agenda")
    in_topic = await bot.send_message(GROUP, "item", message_thread_id=topic.message_thread_id)
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(GROUP, "lost", message_thread_id=9999)
    chat = await bot.get_chat(GROUP)
    assert_fully_known((topic, in_topic, chat))
    assert chat.is_forum
    assert await bot.delete_forum_topic(GROUP, topic.message_thread_id)
    assert srv.get_message(GROUP, in_topic.message_id) is None  # the topic went with everything in it


async def test_uploads_are_recorded(srv: FakeTelegramServer, bot: Bot) -> None:
    doc = await bot.send_document(GROUP, b"a,b\n1,2\n", filename="report.csv", caption="<i>Report</i>",
                                  parse_mode="HTML")  # fmt: skip
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")
    photo = await bot.send_photo(GROUP, png, filename="chart.png")
    assert_fully_known((doc, photo))
    assert (doc.document.file_name, doc.caption) == ("report.csv", "Report")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    assert [(f.method, f.filename, f.content) for f in srv.files] == [
        ("sendDocument", "report.csv", b"a,b\n1,2\n"),
        ("sendPhoto", "chart.png", png),
    ]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # int retry_after
async def test_injected_failures(srv: FakeTelegramServer, bot: Bot) -> None:
    srv.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(GROUP, "x")
    assert flood.value.retry_after in (7, dtm.timedelta(seconds=7))
    for status in (500, 502):
        srv.fail_next("sendMessage", status)
        with pytest.raises(NetworkError):
            await bot.send_message(GROUP, "x")
    srv.start_bot(BOB)
    srv.fail_next("sendMessage", 403, chat_id=BOB)
    await bot.send_message(ALICE, "not affected")
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(BOB, "x")
    assert [c.params["chat_id"] for c in srv.sent_messages()] == [ALICE]


async def test_a_bot_cannot_write_first_in_private(srv: FakeTelegramServer, bot: Bot) -> None:
    """Telegram's rule: 403 to anyone who has not written to the bot privately; his /start opens the chat."""
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(BOB, "welcome")
    srv.inject_message(GROUP, BOB, "hello all", first_name="Bob")  # writing in a group is not enough
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(BOB, "welcome")
    srv.inject_message(BOB, BOB, "/start", first_name="Bob")
    assert (await bot.send_message(BOB, "welcome")).chat.type == "private"
    srv.forbid_dm(BOB)  # he blocked the bot meanwhile
    with pytest.raises(Forbidden):
        await bot.send_message(BOB, "welcome")


async def test_get_updates_offset_limit_and_commands(srv: FakeTelegramServer, bot: Bot) -> None:
    first = srv.inject_message(GROUP, ALICE, "/agenda@magbot_test_bot now", first_name="Alice")
    for text in ("two", "three"):
        srv.inject_message(GROUP, ALICE, text)
    got = await updates(bot, limit=2)
    assert [u.update_id for u in got] == [first["update_id"], first["update_id"] + 1]
    assert got[0].message.entities[0].type == "bot_command" and got[0].message.entities[0].length == 23
    assert len(await updates(bot)) == 3  # nothing is confirmed without an offset
    assert [u.message.text for u in await updates(bot, offset=got[1].update_id + 1)] == ["three"]
    assert await updates(bot, offset=got[1].update_id + 2) == ()
    assert srv.pending_updates == []


async def test_long_poll_wakes_on_inject(srv: FakeTelegramServer, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.wait_for(srv.wait_for_long_poll(), 5)
    assert not poll.done()
    srv.inject_message(ALICE, ALICE, "hello", first_name="Alice")
    (update,) = await asyncio.wait_for(poll, 5)
    assert update.message.text == "hello" and update.message.chat.type == "private"


async def test_second_long_poll_terminates_first(srv: FakeTelegramServer, bot: Bot) -> None:
    # A Bot serialises its getUpdates calls (pool of one connection): a second instance polls alongside.
    async with Bot(DEFAULT_TOKEN, base_url=f"{srv.url}/bot") as twin:
        older = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.wait_for(srv.wait_for_long_poll(), 5)
        newer = asyncio.create_task(twin.get_updates(timeout=30))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getupdates request"):
            await asyncio.wait_for(older, 5)
        srv.inject_message(ALICE, ALICE, "hi")
        assert len(await asyncio.wait_for(newer, 5)) == 1


async def test_json_form_and_query_parameters(srv: FakeTelegramServer) -> None:
    base = f"{srv.url}/bot{DEFAULT_TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/sendMessage", json={"chat_id": ALICE, "text": "json"}) as resp:
            assert (await resp.json())["result"]["text"] == "json"
        form = {"chat_id": str(GROUP), "text": "123", "protect_content": "true"}
        async with http.post(f"{base}/sendmessage", data=form) as resp:
            assert (await resp.json())["result"]["has_protected_content"] is True
        async with http.get(f"{base}/getMe") as resp:
            assert (await resp.json())["result"]["username"] == "magbot_test_bot"
    assert [c.params["text"] for c in srv.sent_messages()] == ["json", "123"]


async def test_webhook_push(srv: FakeTelegramServer, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        update = srv.inject_message(GROUP, ALICE, "via hook")
        assert await srv.push_webhook() == 200
    finally:
        await runner.cleanup()
    assert received == [("s3cret", update)] and srv.pending_updates == []
    assert Update.de_json(received[0][1], bot).message.text == "via hook"


async def test_ptb_application_polls_the_fake(srv: FakeTelegramServer) -> None:
    seen: asyncio.Queue[Update] = asyncio.Queue()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("welcome")
        await seen.put(update)

    app = Application.builder().token(DEFAULT_TOKEN).base_url(f"{srv.url}/bot").build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0)
        await asyncio.wait_for(srv.wait_for_long_poll(), 5)
        srv.inject_message(ALICE, ALICE, "/start", first_name="Alice")
        update = await asyncio.wait_for(seen.get(), 5)
        await app.updater.stop()
        await app.stop()
    assert update.message is not None and update.message.text == "/start"
    (reply,) = srv.sent_messages(ALICE)
    assert reply.params["text"] == "welcome" and srv.pending_updates == []
