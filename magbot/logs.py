"""Logging that never carries what members wrote, their names, or a token, whichever library logs.

magbot's own log lines hold ids and event kinds only (tests read them). Third-party libraries are another matter:
python-telegram-bot logs an unparseable answer at ERROR with the whole body (names, message texts), httpx logs
request URLs (Telegram's carry the bot token), nio and aiohttp log events and tracebacks whose text may quote
content. So every line from a logger outside `magbot` is cut down, where it is written, to one line: the logger,
and the type of the error if there was one. Nothing of its message, its arguments or its traceback is kept.
"""

from __future__ import annotations

import json
import logging
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Libraries quieted to warnings: their INFO/DEBUG lines are request-by-request chatter (and URLs with the token).
QUIET = ("httpx", "httpcore", "telegram", "nio", "apscheduler", "aiosqlite", "aiohttp", "asyncio")


def is_ours(name: str) -> bool:
    return name == "magbot" or name.startswith("magbot.")


class NoThirdPartyBodies(logging.Filter):
    """Rewrites a third-party record to `<library> reported a problem[: ErrorType]`, with no text from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_ours(record.name) or getattr(record, "cut_by_magbot", False):  # one record passes every handler
            return True
        record.cut_by_magbot = True
        error = record.exc_info[1] if record.exc_info and record.exc_info[1] is not None else None
        said = "reported a problem" if record.levelno >= logging.WARNING else "logged a line (its text is not kept)"
        record.msg = said + (f": {type(error).__name__}" if error is not None else "")
        record.args = ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line (`log.format = "json"`): time, level, logger, message, and the frames of an error.

    It formats what the records already hold, so third-party records arrive cut by NoThirdPartyBodies like any
    other; magbot's own messages are key=value text inside `message`, ids and kinds only.
    """

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:  # magbot's own only: the filter has removed third-party ones
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, form: str = "text") -> None:
    """Log to stderr at `level`, as key=value text or JSON lines; third-party libraries at WARNING at most, and
    never with their bodies."""
    logging.basicConfig(stream=sys.stderr, level=level, format=LOG_FORMAT)
    if form == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    guard_handlers()
    for name in QUIET:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET too; an operator's stricter choice stays
            logger.setLevel(logging.WARNING)


def guard_handlers(root: logging.Logger | None = None) -> None:
    """Put the filter on every handler of the root logger (records from every library propagate to them)."""
    for handler in (root or logging.getLogger()).handlers:
        if not any(isinstance(f, NoThirdPartyBodies) for f in handler.filters):
            handler.addFilter(NoThirdPartyBodies())
