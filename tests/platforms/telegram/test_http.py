"""The sends' transport (magbot/platforms/telegram/http.py): PTB's Bot over aiohttp, against the fake Bot API.
What PTB builds arrives whole (a form, a multipart upload), answers come back parsed, and a failed exchange is
PTB's own error, naming no URL (the token is in it)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from magbot.platforms.telegram.client import UpdatesClient
from magbot.platforms.telegram.http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegramServer

GROUP = -1001234567890


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        server.add_chat(GROUP, title="Thistle MAG")
        yield server


def bot_on(fake: FakeTelegramServer, request: AiohttpRequest) -> Bot:
    return Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot", request=request)


async def test_the_platforms_bot_sends_on_aiohttp_and_gets_its_updates_on_their_own_connection(
    fake: FakeTelegramServer,
) -> None:
    client = UpdatesClient.create(fake.token, base_url=f"{fake.url}/bot")
    assert isinstance(client.bot.request, AiohttpRequest)
    assert not isinstance(client.bot._request[0], AiohttpRequest)  # getUpdates: the long poll's own pool


async def test_a_form_and_a_file_arrive_whole_and_the_answers_are_parsed(fake: FakeTelegramServer) -> None:
    async with bot_on(fake, AiohttpRequest()) as bot:
        sent = await bot.send_message(GROUP, "<b>Tuesday</b> & more", parse_mode="HTML")
        assert sent.text == "Tuesday & more" and sent.chat.id == GROUP
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + (3).to_bytes(4, "big") + (2).to_bytes(4, "big")
        photo = await bot.send_photo(GROUP, InputFile(png, filename="weeks.png"), caption="Weeks")
        assert photo.caption == "Weeks"
        with pytest.raises(BadRequest):  # an error answer is PTB's own error, as over httpx
            await bot.send_message(GROUP, "")
    (upload,) = fake.files
    assert upload.content == png and upload.filename == "weeks.png"


async def test_an_answer_too_slow_is_timed_out(fake: FakeTelegramServer) -> None:
    fake.latency = 1.0
    async with bot_on(fake, AiohttpRequest(timeout=0.1)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(GROUP, "hello")


async def test_a_server_not_there_is_a_network_error_that_names_no_url(fake: FakeTelegramServer) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    with pytest.raises(NetworkError) as raised:
        await request.post(f"http://127.0.0.1:{port}/bot{fake.token}/sendMessage")
    assert fake.token not in str(raised.value) and str(port) not in str(raised.value)
    await request.shutdown()
