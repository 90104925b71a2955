"""Activities: reading `/activity <what> | <when> | <where> [| ...]`, and who is in, maybe, out or waiting.

Pure rules only: no storage, no platform. Times are read in the group's own time zone and handed back in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.limits import ACTIVITY_PLACE, ACTIVITY_WHAT, TextLimit
from magbot.domain.timewords import TimeProblem, problem_text, read_time

MAX_WHAT = ACTIVITY_WHAT.letters
MAX_PLACE = ACTIVITY_PLACE.letters
MAX_PLACES = 200
MAX_COST_PENCE = 100_000
REMIND_BEFORE = timedelta(hours=24)
POST_AHEAD = timedelta(days=4)  # a weekly activity is posted this long before it starts
ACTIVITY_EXAMPLE = "/activity Football | saturday 10:00 | Pollok Park | 10 places | £3 | guests"
WHEN_HELP = "saturday 10:00, tomorrow 7pm or 28/11 19:00"
ANSWERS = ("in", "maybe", "cant")

_PLACES = re.compile(r"^(\d{1,4})\s*(places?|spaces?|spots?)?$")
_COST = re.compile(r"^£\s*(\d{1,4})(?:\.(\d{2}))?$")


class ActivityError(ValueError):
    """Input that does not make an activity; the message is for members and carries an example."""


@dataclass(frozen=True)
class ActivitySpec:
    what: str
    starts_at: datetime
    place: str
    places: int | None = None
    cost_pence: int | None = None
    guests: bool = False
    weekly: bool = False
    closes_at: datetime | None = None


def clean(text: str, limit: TextLimit, name: str, again: str = "") -> str:
    """What or where, tidied; too long is refused saying the limit and how far over (`again`: how to resend)."""
    tidy = " ".join(text.replace("|", "/").split())
    if not tidy:
        raise ActivityError(f"Please say {name}. For example: {ACTIVITY_EXAMPLE}")
    if refusal := limit.refusal(tidy, again or f"Please shorten it. For example: {ACTIVITY_EXAMPLE}"):
        raise ActivityError(refusal)
    return tidy


def parse_start(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When an activity starts: `saturday 10:00`, `tomorrow 18:00` -> UTC; ActivityError otherwise."""
    when = read_time(text, now, zone)
    if isinstance(when, TimeProblem):
        raise ActivityError(problem_text(when, WHEN_HELP))
    return when


def parse_places(text: str) -> int:
    match = _PLACES.match(text.strip().lower())
    if not match or not 1 <= int(match[1]) <= MAX_PLACES:
        raise ActivityError(f"How many places? Write a number from 1 to {MAX_PLACES}, like 10 places.")
    return int(match[1])


def parse_cost(text: str) -> int:
    """`£3`, `£3.50`, `free` -> pence."""
    word = text.strip().lower()
    if word == "free":
        return 0
    match = _COST.match(word)
    pence = int(match[1]) * 100 + int(match[2] or 0) if match else -1
    if not 0 <= pence <= MAX_COST_PENCE:
        raise ActivityError("Write the cost like £3 or £3.50 (or free).")
    return pence


def _weekly_words(when: str) -> tuple[bool, str]:
    """`every week saturday 10:00`, `weekly sat 10am`, `every saturday 10:00`: weekly, and the first time."""
    words = when.split()
    lowered = [word.lower() for word in words]
    if lowered[:2] == ["every", "week"]:
        return True, " ".join(words[2:])
    if lowered[:1] == ["weekly"] or (lowered[:1] == ["every"] and len(words) > 1):
        return True, " ".join(words[1:])
    return False, when


def parse_activity(args: str, now: datetime, zone: ZoneInfo) -> ActivitySpec:
    """The one-line form. Every problem raises ActivityError with a friendly example."""
    parts = [p.strip() for p in args.split("|")]
    if len(parts) < 3:
        raise ActivityError(f"Please give what, when and where, split by |. For example: {ACTIVITY_EXAMPLE}")
    weekly, when = _weekly_words(parts[1])
    spec = ActivitySpec(
        clean(parts[0], ACTIVITY_WHAT, "what it is"),
        parse_start(when, now, zone),
        clean(parts[2], ACTIVITY_PLACE, "where"),
        weekly=weekly,
    )
    for extra in parts[3:]:
        word = extra.lower()
        if word == "":
            continue
        if word in ("guests", "guests welcome", "+guests"):
            spec = replace(spec, guests=True)
        elif word in ("every week", "weekly"):
            spec = replace(spec, weekly=True)
        elif word.startswith("closes"):
            closes = parse_start(word.removeprefix("closes"), now, zone)
            spec = replace(spec, closes_at=closes)
        elif word.startswith("£") or word == "free":
            spec = replace(spec, cost_pence=parse_cost(word))
        elif word[:1].isdecimal():
            spec = replace(spec, places=parse_places(word))
        else:
            raise ActivityError(
                "I didn't get the part after the place. It can be: 10 places, £3, guests, every week, "
                f"closes friday 18:00. For example: {ACTIVITY_EXAMPLE}"
            )
    if spec.closes_at is not None and spec.closes_at > spec.starts_at:
        raise ActivityError("Sign-up should close before it starts. For example: closes friday 18:00")
    return spec


def cost_text(pence: int | None) -> str:
    if pence is None:
        return ""
    if pence == 0:
        return "free"
    return f"£{pence // 100}" + (f".{pence % 100:02d}" if pence % 100 else "")


# ---------------------------------------------------------------- who is in


@dataclass(frozen=True)
class SignUp:
    member_id: int
    status: str  # in, maybe, cant, waiting
    guests: int = 0
    seq: int = 0  # the order of pressing: the waiting list goes by it


@dataclass(frozen=True)
class Change:
    signups: tuple[SignUp, ...]
    status: str  # the presser's status afterwards
    moved_in: tuple[int, ...] = ()  # members moved from the waiting list into a place


def taken(signups: tuple[SignUp, ...] | list[SignUp]) -> int:
    return sum(1 + s.guests for s in signups if s.status == "in")


def _fill(signups: list[SignUp], places: int | None) -> tuple[int, ...]:
    """Move the first waiting into free places, in order, while they fit."""
    moved: list[int] = []
    for index, s in sorted(enumerate(signups), key=lambda pair: pair[1].seq):
        if s.status == "waiting" and (places is None or taken(signups) + 1 <= places):
            signups[index] = replace(s, status="in")
            moved.append(s.member_id)
    return tuple(moved)


def press(signups: tuple[SignUp, ...], member_id: int, answer: str, places: int | None) -> Change:
    """`answer` is in, maybe, cant or guest (a +1 guest toggles). Frees and fills places as it goes."""
    rows = list(signups)
    mine = next((i for i, s in enumerate(rows) if s.member_id == member_id), None)
    current = rows[mine] if mine is not None else None
    seq = max((s.seq for s in rows), default=0) + 1
    if answer == "guest":
        if current is None or current.status != "in":
            return Change(signups, current.status if current else "none")
        wants = 0 if current.guests else 1
        if wants and places is not None and taken(rows) + 1 > places:
            return Change(signups, "full")
        rows[mine] = replace(current, guests=wants)  # type: ignore[index]
        moved = _fill(rows, places)
        return Change(tuple(rows), "guest" if wants else "no guest", moved)
    if current is not None and (current.status == answer or (answer == "in" and current.status == "waiting")):
        return Change(signups, current.status)
    if answer == "in":
        full = places is not None and taken(rows) + 1 > places
        status = "waiting" if full or any(s.status == "waiting" for s in rows) else "in"
    else:
        status = answer
    new = SignUp(member_id, status, 0, seq)
    if mine is None:
        rows.append(new)
    else:
        rows[mine] = new
    moved = _fill(rows, places)
    return Change(tuple(rows), status, moved)


def waiting_position(signups: tuple[SignUp, ...], member_id: int) -> int:
    waiting = sorted((s for s in signups if s.status == "waiting"), key=lambda s: s.seq)
    return next((n for n, s in enumerate(waiting, 1) if s.member_id == member_id), 0)


@dataclass(frozen=True)
class Activity:
    """An activity as stored; `card` names its post in the group."""

    id: int
    group_id: int
    organiser_id: int | None
    series_id: int | None
    what: str
    place: str
    starts_at: datetime
    places: int | None
    cost_pence: int | None
    guests: bool
    closes_at: datetime | None
    status: str

    @property
    def card(self) -> str:
        return f"activity:{self.id}"

    def closed_for_signups(self, now: datetime) -> bool:
        return now >= (self.closes_at or self.starts_at)


@dataclass(frozen=True)
class Series:
    """A weekly activity: each week's one is made from it, a few days ahead."""

    id: int
    group_id: int
    organiser_id: int | None
    what: str
    place: str
    weekday: int
    at: str
    places: int | None
    cost_pence: int | None
    guests: bool
