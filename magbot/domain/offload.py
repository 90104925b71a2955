"""Offload threads: what the header says, the author's reply mode, the heavy-topic note, and expiry.

An offload's words are never written into the header: the header (title, mode, support counts) is edited in
place, and the words go in the thread's first message, so no edit ever needs them again. A named offload's
words are dropped once posted; an anonymous one keeps them only to remind its author which thread a relayed
reply came from, until expiry or /forget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from magbot.domain.limits import OFFLOAD

MODES = {"listen": "Just listen", "advice": "Advice welcome"}
SUPPORT = {"hear": "I hear you", "been": "Been there"}
TEXT_LIMIT = OFFLOAD.letters  # refused beyond, never cut (domain/limits.py)


@dataclass(frozen=True)
class Offload:
    id: int
    group_id: int
    author_id: int
    anonymous: bool
    heavy: bool
    mode: str  # "" until the author chose, then "listen" or "advice"
    status: str  # "draft" until posted, then "open"
    body: str | None
    posts: int  # messages the bot posted inside the thread (cards offload:<id>:1 ..)
    kept: bool
    created_at: datetime
    expires_at: datetime

    @property
    def card(self) -> str:
        return header_card(self.id)


def header_card(offload_id: int) -> str:
    return f"offload:{offload_id}"


def post_card(offload_id: int, n: int) -> str:
    return f"offload:{offload_id}:{n}"


def offload_id_of_card(card: str | None) -> int | None:
    """The offload a card belongs to (its header or any message the bot posted in its thread)."""
    parts = (card or "").split(":")
    if len(parts) >= 2 and parts[0] == "offload" and parts[1].isdecimal():
        return int(parts[1])
    return None


def parse_args(args: str) -> str:
    """`/offload [first words]` -> the words, on one line. No word is taken as a flag: whether the topic is
    heavy is asked with buttons. Too long is refused by the caller, never cut."""
    return " ".join(args.split())


def title(name: str | None) -> str:
    """The thread's title: "<name>'s offload", or "Someone's offload" when anonymous."""
    return f"{name}'s offload" if name else "Someone's offload"


def header_text(offload: Offload, name: str | None, hear: int = 0, been: int = 0) -> str:
    """The header's text; `name` is None for an anonymous offload."""
    lines = [f"{name}'s offload" if name else "Someone wants to offload:"]
    if offload.heavy:
        lines.append("Heads up: heavy topic.")
    who = "He'd" if name else "They'd"
    if offload.mode == "listen":
        lines.append(f"{who} like people to just listen. Reply in the thread.")
    else:
        lines.append("Advice is welcome. Reply in the thread.")
    if not name:
        lines.append("I pass replies on privately.")
    counts = [f"{label}: {n}" for label, n in ((SUPPORT["hear"], hear), (SUPPORT["been"], been)) if n]
    if counts:
        lines.append(" · ".join(counts))
    return "\n".join(lines)


def expiry(created_at: datetime, retention: timedelta) -> datetime:
    return created_at + retention


def reminder_of(body: str | None) -> str:
    """A short quote of an anonymous offload's first words, to tell its author which thread a reply is in."""
    words = " ".join((body or "").split())
    return words if len(words) <= 40 else words[:39] + "…"
