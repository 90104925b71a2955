"""Limits and shapes: splitting long texts, truncating poll texts, spoilers, keyboards, error mapping."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from magbot.core.context import DM_LINK
from magbot.core.delivery import RetryLater, Undeliverable, Unreachable
from magbot.core.events import Button, ChatRef
from magbot.platforms.telegram.errors import delivery_error
from magbot.platforms.telegram.render import (
    keyboard,
    poll_options,
    poll_question,
    render_text,
    split_text,
    truncate,
    utf16_len,
)

GROUP = ChatRef("telegram", "-100", "group")
DM = ChatRef("telegram", "5", "dm")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000), st.integers(min_value=20, max_value=500))
def test_split_keeps_every_line_and_respects_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(utf16_len(part) <= limit for part in parts)
    if utf16_len(text) <= limit:
        assert parts == [text]
    else:
        squeeze = lambda s: "".join(s.split())  # noqa: E731
        assert squeeze("".join(parts)) == squeeze(text)


def test_split_prefers_line_boundaries() -> None:
    text = "\n".join(["a" * 60] * 5)
    assert split_text(text, 130) == ["a" * 60 + "\n" + "a" * 60] * 2 + ["a" * 60]


def test_emoji_count_twice() -> None:
    assert utf16_len("🙂") == 2 and split_text("🙂" * 10, 10) == ["🙂" * 5, "🙂" * 5]


def test_truncate_cuts_at_a_word_with_an_ellipsis() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("one two three four five six", 15)
    assert cut == "one two three…" and utf16_len(cut) <= 15


def test_poll_limits() -> None:
    assert len(poll_question("x" * 1000)) == 300
    options = poll_options([f"{'long option ' * 20}" for _ in range(15)])
    assert len(options) == 12 and len(set(options)) == 12 and all(len(o) <= 100 for o in options)


def test_spoiler_is_escaped_html_and_plain_text_is_left_alone() -> None:
    spoiler = render_text("a <b> & c", spoiler=True)
    assert spoiler.text == "<tg-spoiler>a &lt;b&gt; &amp; c</tg-spoiler>" and spoiler.parse_mode == "HTML"
    plain = render_text("a <b> & c", spoiler=False)
    assert plain.text == "a <b> & c" and plain.parse_mode is None


def test_keyboard_buttons() -> None:
    rows = ((Button("Yes", "leave:yes:1"), Button("Chat", url=DM_LINK)), (Button("Site", url="https://x.org"),))
    markup = keyboard(rows, "mybot")
    assert markup is not None
    (yes, chat), (site,) = markup.inline_keyboard
    assert yes.callback_data == "leave:yes:1" and chat.url == "https://t.me/mybot?start=hi"
    assert site.url == "https://x.org"
    assert keyboard((), "mybot") is None


def test_error_mapping() -> None:
    wait = delivery_error(RetryAfter(timedelta(seconds=9)), GROUP)
    assert isinstance(wait, RetryLater) and wait.seconds == 9
    assert isinstance(delivery_error(Forbidden("Forbidden: bot was blocked by the user"), DM), Unreachable)
    assert isinstance(delivery_error(BadRequest("Bad Request: chat not found"), DM), Unreachable)
    assert isinstance(delivery_error(BadRequest("Bad Request: chat not found"), GROUP), Undeliverable)
    assert isinstance(delivery_error(BadRequest("Bad Request: message to edit not found"), GROUP), Undeliverable)
    assert delivery_error(TimedOut(), GROUP) is None and delivery_error(NetworkError("Bad Gateway"), GROUP) is None
