"""Check-ins and buddies: moods, the midweek round's time, the weekly summary, and when a buddy goes quiet.

Pure rules; no storage. A check-in is kept as a mood (1 Rough .. 5 Great) and a time, never the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.group_settings import weekday_index
from magbot.domain.limits import CHECKIN_WORDS

MOODS: tuple[str, ...] = ("Rough", "Not great", "Okay", "Good", "Great")
ROUGH = 1
WORDS_LIMIT = CHECKIN_WORDS.letters  # said up front, and refused beyond: never cut
CHART_WEEKS = 8


def mood_label(mood: int) -> str:
    """The button label for a mood number (1..5)."""
    return MOODS[mood - 1]


def delete_label(checkin: CheckIn, zone: ZoneInfo) -> str:
    """A check-in's button under `Delete one`: `Tue 01 Dec 18:30, Good (shared)`."""
    shared = " (shared)" if checkin.shared else ""
    return f"{checkin.at.astimezone(zone):%a %d %b %H:%M}, {mood_label(checkin.mood)}{shared}"


def parse_mood(raw: str) -> int | None:
    """A mood number from button data, or None when it is not 1..5."""
    return int(raw) if raw.isdecimal() and 1 <= int(raw) <= len(MOODS) else None


def mood_from_words(raw: str) -> tuple[int | None, str]:
    """`/checkin Okay` or `/checkin not great, long week` -> (the mood, the words after it); (None, all of it)
    when the words don't start with a mood (any case; "ok" is Okay, a number 1-5 too)."""
    text = " ".join(raw.split())
    lowered = text.lower()
    names = {label.lower(): n for n, label in enumerate(MOODS, 1)} | {"ok": 3}
    names |= {str(n): n for n in range(1, len(MOODS) + 1)}
    for name in sorted(names, key=len, reverse=True):  # "not great" before "great"
        rest = lowered.removeprefix(name)
        if rest != lowered and (not rest or not rest[0].isalnum()):
            return names[name], text[len(name) :].strip(" ,.:;-!")
    return None, text


@dataclass(frozen=True)
class CheckIn:
    id: int
    group_id: int
    member_id: int
    mood: int
    shared: bool
    at: datetime


def tidy_words(raw: str) -> str:
    """The few words a member adds, as one paragraph (whole: `CHECKIN_WORDS.refusal` says when too long)."""
    return " ".join(raw.split())


def shared_text(name: str, mood: int, words: str) -> str:
    """The group post for a shared check-in."""
    line = f"{name} checked in: {mood_label(mood)}"
    return f'{line}\n"{words}"' if words else line


def round_time(setting: str) -> tuple[int, time]:
    """The check-in time setting ("Wednesday 19:00") as (weekday, local time)."""
    day, _, clock = setting.strip().partition(" ")
    hours, _, minutes = clock.strip().partition(":")
    return weekday_index(day), time(int(hours), int(minutes or 0))


def summary(checkins: list[CheckIn], weeks: int = CHART_WEEKS) -> str:
    """One line for /mycheckins."""
    if not checkins:
        return f"No check-ins in the last {weeks} weeks. /checkin whenever you like."
    counts = {mood: sum(1 for c in checkins if c.mood == mood) for mood in range(1, len(MOODS) + 1)}
    common = max(counts, key=lambda mood: (counts[mood], mood))
    times = "once" if len(checkins) == 1 else f"{len(checkins)} times"
    latest = max(checkins, key=lambda c: (c.at, c.id))
    return (
        f"You checked in {times} in the last {weeks} weeks. "
        f"Most often: {mood_label(common)}. Latest: {mood_label(latest.mood)}."
    )


# ---------------------------------------------------------------- buddies


@dataclass(frozen=True)
class BuddyPair:
    id: int
    group_id: int
    first_id: int
    second_id: int
    status: str  # "asked" (the second has not answered) or "active"
    since: datetime
    first_seen: datetime
    second_seen: datetime
    first_nudged: bool
    second_nudged: bool

    def other(self, member_id: int) -> int:
        return self.second_id if member_id == self.first_id else self.first_id

    def involves(self, member_id: int) -> bool:
        return member_id in (self.first_id, self.second_id)


def quiet_for(last_seen: datetime, now: datetime, period: timedelta) -> bool:
    """True when someone has not checked in or posted for the whole buddy period."""
    return now - last_seen >= period


def nudges_due(pair: BuddyPair, now: datetime, period: timedelta) -> list[tuple[int, int]]:
    """(who to tell, who went quiet) for each side that went quiet and was not yet told about this silence."""
    if pair.status != "active":
        return []
    due: list[tuple[int, int]] = []
    if not pair.first_nudged and quiet_for(pair.first_seen, now, period):
        due.append((pair.second_id, pair.first_id))
    if not pair.second_nudged and quiet_for(pair.second_seen, now, period):
        due.append((pair.first_id, pair.second_id))
    return due


def nudge_text(name: str) -> str:
    return f"You haven't heard from {name} in a while. Maybe drop him a message."


def find_by_name(names: dict[int, str], wanted: str) -> int | None:
    """A member id by name: exact (any case) first, then a unique start ("dav" -> Dave)."""
    key = wanted.strip().lstrip("@").lower()
    if not key:
        return None
    exact = [mid for mid, name in names.items() if name.lower() == key]
    if len(exact) == 1:
        return exact[0]
    starts = [mid for mid, name in names.items() if name.lower().startswith(key)]
    return starts[0] if len(starts) == 1 else None
