"""Groups and members as the rest of the code sees them, and the membership rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from magbot.domain.settings import GroupSettings, default_group_settings

MemberStatus = Literal["active", "left", "removed"]

# After /setup, people may press "I'm a member" on the setup post for this long; after that,
# membership changes only by a group decision.
FOUNDING_WINDOW = timedelta(days=7)
MUTE_ANSWER_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Group:
    id: int
    platform: str
    chat_id: str
    setup_at: datetime | None
    # Typed once where the group is loaded (storage), so nobody restates a default.
    settings: GroupSettings = field(default_factory=default_group_settings)

    @property
    def is_set_up(self) -> bool:
        return self.setup_at is not None

    def founding_open(self, now: datetime) -> bool:
        """Before setup anyone who takes part is founding; after it, only within the window."""
        return self.setup_at is None or now - self.setup_at <= FOUNDING_WINDOW


@dataclass(frozen=True)
class Member:
    id: int
    group_id: int
    user_id: str
    name: str
    status: MemberStatus
    founding: bool
    joined_at: datetime
    dm_open: bool = False
    unreachable_told: bool = False
    muted_until: datetime | None = None
    mute_told_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def muted_at(self, now: datetime) -> bool:
        """A passed mute decision holds: he may not post, command or press in the group until `muted_until`."""
        return self.active and self.muted_until is not None and now < self.muted_until

    def mute_answer_due(self, now: datetime) -> bool:
        """His group messages while muted get one private answer a day, not one each (docs/DECISIONS.md)."""
        return self.mute_told_at is None or now - self.mute_told_at >= MUTE_ANSWER_EVERY


def member_list_text(members: list[Member]) -> str:
    """`/members`: names in the order people joined, founding members marked."""
    active = sorted((m for m in members if m.active), key=lambda m: (m.joined_at, m.id))
    if not active:
        return "No members yet. Run /setup in the group to start."
    lines = [f"{len(active)} member{'s' if len(active) != 1 else ''}:"]
    lines += [f"- {m.name}" for m in active]
    return "\n".join(lines)


def clean_name(raw: str, fallback: str = "Someone") -> str:
    """A display name fit for one line: no control characters, trimmed, at most 40 characters."""
    printable = "".join(ch for ch in raw if ch.isprintable()).strip()
    return (printable or fallback)[:40]
