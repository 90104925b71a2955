"""Offload rules: the command's words, card names, the header (never the member's words), expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.offload import (
    TEXT_LIMIT,
    Offload,
    expiry,
    header_card,
    header_text,
    offload_id_of_card,
    parse_args,
    post_card,
    reminder_of,
    title,
)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def offload(**changes: object) -> Offload:
    values: dict[str, object] = {
        "id": 4, "group_id": 1, "author_id": 2, "anonymous": False, "heavy": False, "mode": "listen",
        "status": "open", "body": None, "posts": 0, "kept": False, "created_at": T0, "expires_at": T0,
    }  # fmt: skip
    values.update(changes)
    return Offload(**values)  # type: ignore[arg-type]


def test_no_word_is_eaten_as_a_flag_heavy_is_asked_with_buttons() -> None:
    assert parse_args("") == ""
    assert parse_args("heavy day at work") == "heavy day at work"
    assert parse_args("Heavy: court next week") == "Heavy: court next week"
    assert parse_args("it's been  heavy\nlately") == "it's been heavy lately"


@given(st.text(max_size=5000))
def test_offload_words_never_crash_and_stay_within_the_limit(args: str) -> None:
    assert len(parse_args(args)) <= TEXT_LIMIT


def test_cards_name_the_offload_they_belong_to() -> None:
    assert header_card(12) == "offload:12" and post_card(12, 3) == "offload:12:3"
    assert [offload_id_of_card(c) for c in ("offload:12", "offload:12:3", "poll:12", "offload:x", None)] == [
        12, 12, None, None, None,
    ]  # fmt: skip


def test_the_header_says_whose_offload_the_mode_and_the_counts_but_never_the_words() -> None:
    named = header_text(offload(body="secret words", heavy=True), "Dave", hear=2)
    assert named == (
        "Dave's offload\nHeads up: heavy topic.\nHe'd like people to just listen. Reply in the thread.\nI hear you: 2"
    )
    anonymous = header_text(offload(anonymous=True, mode="advice", body="secret words"), None, 1, 3)
    assert anonymous.startswith("Someone wants to offload:\nAdvice is welcome.")
    assert "I pass replies on privately." in anonymous and anonymous.endswith("I hear you: 1 · Been there: 3")
    assert "secret" not in named + anonymous
    assert title("Dave") == "Dave's offload" and title(None) == "Someone's offload"


def test_expiry_and_the_reminder_quote() -> None:
    assert expiry(T0, timedelta(days=30)) == T0 + timedelta(days=30)
    assert reminder_of("short") == "short"
    assert reminder_of("x" * 100) == "x" * 39 + "…"
    assert reminder_of(None) == ""
