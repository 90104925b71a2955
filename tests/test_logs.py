"""No library's log line carries a member's words, a name or a token: PTB's body dumps and tracebacks included."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web

from magbot.logs import NoThirdPartyBodies, guard_handlers

BODY = '{"ok": true, "result": {"first_name": "Sam", "text": "How are you doing, Sam?"'  # cut short: not JSON


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A handler on the root logger, guarded as `configure_logging` guards stderr's (pytest's own stay as they are)."""
    out, root = io.StringIO(), logging.getLogger()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(NoThirdPartyBodies())
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def test_a_library_line_keeps_its_logger_and_error_type_and_nothing_of_its_text(captured: io.StringIO) -> None:
    try:
        raise ValueError(f"Can not load invalid JSON data: {BODY}")
    except ValueError:
        logging.getLogger("telegram.request").exception('Can not load invalid JSON data: "%s"', BODY)
    logging.getLogger("nio.rooms").warning("Message from %s: %s", "Sam", "drinking again")
    lines = captured.getvalue().splitlines()
    assert lines == ["ERROR telegram.request reported a problem: ValueError", "WARNING nio.rooms reported a problem"]


def test_our_own_lines_are_kept_as_they_are(captured: io.StringIO) -> None:
    logging.getLogger("magbot.core.dispatch").warning("event kind=%s id=%d", "Command", 7)
    assert captured.getvalue() == "WARNING magbot.core.dispatch event kind=Command id=7\n"


def test_the_filter_goes_on_once() -> None:
    root = logging.Logger("probe")
    root.addHandler(logging.NullHandler())
    guard_handlers(root)
    guard_handlers(root)
    assert sum(isinstance(f, NoThirdPartyBodies) for f in root.handlers[0].filters) == 1


async def test_ptb_reading_a_truncated_answer_logs_no_name_or_text(captured: io.StringIO) -> None:
    """The real python-telegram-bot against a server whose answer is cut off mid-body, as a proxy may do."""
    from telegram import Bot
    from telegram.error import TelegramError

    async def truncated(request: web.Request) -> web.Response:
        return web.Response(text=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", truncated)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    logging.getLogger("telegram").setLevel(logging.DEBUG)  # the worst case: an operator turned it all on
    try:
        bot = Bot("123:secret-token", base_url=f"http://127.0.0.1:{port}/bot")
        with pytest.raises(TelegramError):
            await bot.get_me()
    finally:
        logging.getLogger("telegram").setLevel(logging.NOTSET)
        await runner.cleanup()
    logged = captured.getvalue()
    assert "telegram" in logged  # it did log
    for secret in ("Sam", "How are you", "secret-token"):
        assert secret not in logged


def test_a_library_info_line_does_not_read_like_a_fault(captured: io.StringIO) -> None:
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    try:
        logging.getLogger("alembic.runtime.migration").info("Running upgrade %s -> %s", "0006", "0007")
    finally:
        logging.getLogger("alembic.runtime.migration").setLevel(logging.NOTSET)
    assert captured.getvalue() == "INFO alembic.runtime.migration logged a line (its text is not kept)\n"


JSON_RUN = f"""
import logging
from magbot.logs import configure_logging
configure_logging("INFO", "json")
try:
    raise ValueError("Can not load invalid JSON data: " + {BODY!r})
except ValueError:
    logging.getLogger("telegram.request").exception("Can not load invalid JSON data: %s", {BODY!r})
logging.getLogger("httpx").warning("HTTP Request: POST https://api.telegram.org/bot123:SECRET/sendMessage")
logging.getLogger("aiohttp.server").error("Error handling request %s", "Sam")
logging.getLogger("magbot.core.dispatch").info("event kind=%s out=%d", "Command", 1)
"""


def test_json_logs_are_one_object_a_line_with_every_library_still_cut() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", JSON_RUN], capture_output=True, text=True, timeout=60,
                          cwd=root, check=True)
    lines = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("ERROR", "telegram.request", "reported a problem: ValueError"),
        ("WARNING", "httpx", "reported a problem"),
        ("ERROR", "aiohttp.server", "reported a problem"),
        ("INFO", "magbot.core.dispatch", "event kind=Command out=1"),
    ]
    assert all("time" in line and "error" not in line for line in lines)
    assert "Sam" not in done.stderr and "SECRET" not in done.stderr
