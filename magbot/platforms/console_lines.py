"""What a console line says: who speaks, where, and how; or a clock move. Pure parsing, no bot.

`dave: text` in the group, `dave> text` in Dave's private chat, `dave [Okay]` presses a button, `dave -> text`
replies in the newest thread he can see, `dave ^sam: text` replies in the group to Sam's newest message,
`:advance 2h` / `:at 2026-12-01 18:00` move the clock, `:join-request tom` is a stranger asking to join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

LINE = re.compile(r"^(?P<name>[A-Za-z][\w'.-]{0,30})\s*(?P<op>->|:|>|\[|\^)\s?(?P<rest>.*)$")
REPLY_TO = re.compile(r"^(?P<target>[A-Za-z][\w'.-]{0,30})\s*:\s?(?P<rest>.*)$")
DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
CONSOLE_ZONE = ZoneInfo("Europe/London")  # `:at` and `--start` are London time, as the group's meetings are
HELP = (
    "Lines: 'dave: text' (group), 'dave> text' (private), 'dave [Label]', 'dave -> text' (thread), "
    "'dave ^sam: text' (reply to Sam), ':advance 2h', ':at 2026-12-01 18:00', ':join-request tom', ':quit'"
)

Where = Literal["group", "dm", "press", "thread", "reply"]


class ConsoleError(ValueError):
    """A line the console cannot read; shown to the person at the keyboard."""


@dataclass(frozen=True)
class Said:
    """A member's line: his name, how he spoke, the words (or the button label), and whom he replied to."""

    name: str
    where: Where
    rest: str
    reply_to: str = ""

    @property
    def user_id(self) -> str:
        return self.name.lower()

    @property
    def display_name(self) -> str:
        return self.name[:1].upper() + self.name[1:]


@dataclass(frozen=True)
class ClockMove:
    target: datetime


@dataclass(frozen=True)
class JoinAsk:
    name: str


OPS: dict[str, Where] = {":": "group", ">": "dm", "[": "press", "->": "thread", "^": "reply"}


def parse_line(line: str, now: datetime) -> Said | ClockMove | JoinAsk:
    if line.startswith(":"):
        return _directive(line[1:].strip(), now)
    match = LINE.match(line)
    if not match:
        raise ConsoleError(HELP)
    where, rest = OPS[match["op"]], match["rest"]
    if where == "press":
        return Said(match["name"], where, rest.rstrip().removesuffix("]"))
    if where == "reply":
        reply = REPLY_TO.match(rest)
        if not reply:
            raise ConsoleError(f"write '{match['name']} ^sam: text' to reply to Sam's newest message in the group")
        return Said(match["name"], where, reply["rest"], reply_to=reply["target"].lower())
    return Said(match["name"], where, rest)


def _directive(command: str, now: datetime) -> ClockMove | JoinAsk:
    word, _, rest = command.partition(" ")
    if word == "advance" and (match := DURATION.match(rest.strip())):
        return ClockMove(now + timedelta(**{UNITS[match[2]]: int(match[1])}))
    if word == "at":
        return ClockMove(parse_local(rest.strip(), now, "write ':at 2026-12-01 18:00' (London time, not in the past)"))
    if word == "join-request" and re.fullmatch(r"[A-Za-z][\w'.-]{0,30}", rest.strip()):
        return JoinAsk(rest.strip())
    raise ConsoleError("write ':advance 2h' (m, h, d or w), ':at 2026-12-01 18:00' or ':join-request tom'")


def parse_local(text: str, now: datetime, problem: str) -> datetime:
    """`2026-12-01 18:00`, London time, not before `now`."""
    try:
        when = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CONSOLE_ZONE).astimezone(UTC)
    except ValueError as exc:
        raise ConsoleError(problem) from exc
    if when < now:
        raise ConsoleError(problem)
    return when


def parse_command(text: str) -> tuple[str, str] | None:
    """`/name@bot args` -> (name, args); None when the text is not a command."""
    match = re.match(r"^[/!]([A-Za-z][A-Za-z0-9_]*)(?:@\S+)?(?:\s+(.*))?$", text.strip(), re.DOTALL)
    return (match[1].lower(), (match[2] or "").strip()) if match else None
