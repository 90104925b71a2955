"""Outgoing -> Bot API shapes: message parts within Telegram's length limits, spoilers, inline keyboards.

Text goes out plain (no parse mode) so nothing a member wrote can break the formatting; only a spoiler
is sent as HTML, with everything inside escaped. Lengths are counted as Telegram counts them: in UTF-16
code units, after entity parsing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode, PollLimit

from magbot.core.context import DM_LINK
from magbot.core.events import Button

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CAPTION = int(MessageLimit.CAPTION_LENGTH)
MAX_TOAST = 200  # answerCallbackQuery text
MAX_TOPIC_NAME = 128
ELLIPSIS = "…"


@dataclass(frozen=True)
class Rendered:
    text: str
    parse_mode: str | None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` (UTF-16 units), at a word boundary when one is near, with an ellipsis."""
    if utf16_len(text) <= limit:
        return text
    cut = text
    while utf16_len(cut) > limit - 1:
        cut = cut[: max(0, len(cut) - max(1, (utf16_len(cut) - limit + 1) // 2))]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long message on line boundaries; a single overlong line is split on spaces, then anywhere."""
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _fit_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    parts.append(current)
                current = piece
    if current.strip():
        parts.append(current)
    return parts


def _fit_line(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while utf16_len(line) > limit:
        head = line
        while utf16_len(head) > limit:
            head = head[: len(head) - max(1, (utf16_len(head) - limit) // 2)]
        space = head.rfind(" ")
        if space > len(head) // 2:
            head = head[:space]
        pieces.append(head)
        line = line[len(head) :].lstrip(" ")
    pieces.append(line)
    return pieces


def render_text(text: str, spoiler: bool) -> Rendered:
    if spoiler:
        return Rendered(f"<tg-spoiler>{html.escape(text, quote=False)}</tg-spoiler>", ParseMode.HTML)
    return Rendered(text, None)


def dm_link(bot_username: str) -> str:
    """The deep link that opens a member's private chat with the bot and sends /start hi."""
    return f"https://t.me/{bot_username}?start=hi"


def keyboard(rows: Sequence[Sequence[Button]], bot_username: str) -> InlineKeyboardMarkup | None:
    """Inline keyboard: data buttons become callback buttons, DM_LINK the deep link, other urls url buttons."""
    markup: list[list[InlineKeyboardButton]] = []
    for row in rows:
        line = [_button(b, bot_username) for b in row]
        kept = [b for b in line if b is not None]
        if kept:
            markup.append(kept)
    return InlineKeyboardMarkup(markup) if markup else None


def _button(button: Button, bot_username: str) -> InlineKeyboardButton | None:
    label = truncate(button.label, 64) or "…"
    if button.url == DM_LINK:
        return InlineKeyboardButton(label, url=dm_link(bot_username)) if bot_username else None
    if button.url:
        return InlineKeyboardButton(label, url=button.url)
    if button.data:
        return InlineKeyboardButton(label, callback_data=button.data)
    return None


def poll_question(question: str) -> str:
    return truncate(question.strip(), int(PollLimit.MAX_QUESTION_LENGTH)) or "?"


def poll_options(options: Sequence[str]) -> list[str]:
    """At most 12 options of at most 100 characters each; a shortened option stays unique."""
    chosen: list[str] = []
    for option in list(options)[: int(PollLimit.MAX_OPTION_NUMBER)]:
        text = truncate(option.strip(), int(PollLimit.MAX_OPTION_LENGTH)) or "-"
        base, number = truncate(text, int(PollLimit.MAX_OPTION_LENGTH) - 4), 1
        while text in chosen:
            number += 1
            text = f"{base} {number}"
        chosen.append(text)
    return chosen
