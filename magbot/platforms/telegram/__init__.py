"""The Telegram platform, on python-telegram-bot's bare `Bot` (the only package that imports `telegram`).

- platform.py: TelegramPlatform (the Platform protocol: start, run, poll_once, check, close)
- client.py: PTB's Bot plus getUpdates as raw JSON (each update parsed on its own)
- receive.py: update -> dispatch -> callback answer, and the getUpdates offset confirmed after the commit
- webhook.py: webhook mode (aiohttp server, secret header, 200 only after the commit)
- translate.py: Update -> Incoming, with natural event keys
- sender.py, render.py, errors.py: Outgoing -> Bot API calls, limits, error mapping for the outbox
- state.py: the offset, poll origins and send progress, kept in the database
- poll_copies.py: a named poll sent twice after a lost answer: its other copy recognised, each man counted once
"""

import os

# Opt in to PTB's future time type now: RetryAfter.retry_after as a timedelta, and no deprecation warning
# on every 429. Only this package uses PTB, and errors.retry_seconds reads either form.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from magbot.platforms.telegram.platform import TelegramPlatform
from magbot.platforms.telegram.sender import TELEGRAM_RATE, TelegramSender
from magbot.platforms.telegram.translate import translate

__all__ = ["TELEGRAM_RATE", "TelegramPlatform", "TelegramSender", "translate"]
