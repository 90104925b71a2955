"""The one cleaning of members' texts: invisible tricks out, meaning kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.text import clean_member_text


def test_bidi_overrides_and_zero_width_spaces_go() -> None:
    assert clean_member_text("Food\u200b bank \u202eTuesday\u202c\ufeff") == "Food bank Tuesday"
    assert clean_member_text("a\u2066b\u2069c\u200fd\x07") == "abcd"


def test_line_breaks_and_emoji_sequences_stay() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_member_text(f"Line one\nLine two {family}") == f"Line one\nLine two {family}"


@given(st.text())
def test_cleaning_is_idempotent_and_leaves_no_format_character(text: str) -> None:
    import unicodedata

    once = clean_member_text(text)
    assert clean_member_text(once) == once
    assert all(ch in "\n\t\u200d\u200c" or unicodedata.category(ch) not in ("Cc", "Cf") for ch in once)
