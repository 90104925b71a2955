"""Telegram errors -> the outbox's vocabulary (RetryLater, Unreachable, Undeliverable), and safe log words.

python-telegram-bot raises `BadRequest` and `TimedOut` as subclasses of `NetworkError`, so the order of the
checks matters. Network errors and 5xx answers are re-raised as they are: the outbox backs off and retries.
Only the error's class and a fixed reason word are ever logged (a description can echo what we sent).
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from magbot.core.delivery import RetryLater, Undeliverable, Unreachable
from magbot.core.events import ChatRef

NOT_MODIFIED = "message is not modified"
CHAT_NOT_FOUND = "chat not found"
CANT_DELETE = "message can't be deleted"  # older than 48 hours (or not the bot's to delete)


def retry_seconds(exc: RetryAfter) -> float:
    # The public property: seconds in PTB 22 (with a warning that it will be a timedelta), a timedelta later.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_not_modified(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and NOT_MODIFIED in exc.message.lower()


def is_cant_delete(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and CANT_DELETE in exc.message.lower()


def reason(exc: BaseException) -> str:
    """A fixed word for the log: never the description text."""
    if isinstance(exc, TelegramError):
        text = exc.message.lower()
        for word in ("not found", "not modified", "blocked", "deactivated", "rights", "too long", "parse"):
            if word in text:
                return word.replace(" ", "_")
    return "other"


def delivery_error(exc: TelegramError, chat: ChatRef) -> Exception | None:
    """The delivery exception to raise for `exc`, or None to re-raise `exc` itself (retry with backoff)."""
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc), "telegram flood control")
    if isinstance(exc, Forbidden):
        return Unreachable(f"telegram forbidden ({reason(exc)})")
    if isinstance(exc, ChatMigrated):
        return Undeliverable("telegram group became a supergroup")
    if isinstance(exc, BadRequest):
        if chat.is_dm and CHAT_NOT_FOUND in exc.message.lower():
            return Unreachable("telegram private chat not found")
        return Undeliverable(f"telegram bad request ({reason(exc)})")
    return None
