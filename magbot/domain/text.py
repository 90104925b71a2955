"""One cleaning for every text a member sends, applied once where an event enters (the dispatcher).

Invisible characters can make one text look like another: right-to-left overrides turn "gpj.exe" round, a
zero-width space splits a word so a search or a flag cannot match it. They are taken out of every member's words
and name. Characters that carry meaning stay: line breaks and tabs, the zero-width joiner that builds emoji like
a family, and the zero-width non-joiner some scripts need.
"""

from __future__ import annotations

import unicodedata

KEPT = {"\n", "\t", "\u200d", "\u200c"}  # line break, tab, zero-width joiner (emoji), non-joiner (scripts)


def clean_member_text(text: str) -> str:
    """Without control and invisible format characters (Unicode categories Cc and Cf), except those in KEPT."""
    return "".join(ch for ch in text if ch in KEPT or unicodedata.category(ch) not in ("Cc", "Cf"))
