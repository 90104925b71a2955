"""Polls: reading `/poll Question? | A | B [named] [multi] [closes <when>]`, deadlines, and results.

Pure rules only: no storage, no platform. Times are read in the group's own time zone and handed back in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.limits import POLL_ANSWER, POLL_QUESTION
from magbot.domain.timewords import TimeProblem, problem_text, read_time

MAX_OPTIONS = 10  # Telegram's limit for a native poll
MAX_OPTION = POLL_ANSWER.letters
MAX_QUESTION = POLL_QUESTION.letters
DEFAULT_OPEN = timedelta(days=7)  # a poll without "closes" still ends, a week later
LONGEST_OPEN = timedelta(days=60)
SHORTEST_OPEN = timedelta(minutes=5)
FLAG_WORDS = ("named", "multi")

POLL_EXAMPLE = "/poll Football on Saturday? | Yes | No | Maybe closes friday 18:00"
WHEN_EXAMPLE = "closes friday 18:00, closes 2d (two days) or closes 3h (three hours)"


class PollError(ValueError):
    """Input that does not make a poll; the message is for members and carries an example."""


@dataclass(frozen=True)
class PollSpec:
    question: str
    options: tuple[str, ...]
    named: bool = False
    multi: bool = False
    closes_at: datetime | None = None


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When a poll closes: `friday 18:00`, `tomorrow`, `18:00`, `2d`, `3h` -> UTC. PollError otherwise."""
    when = read_time(text, now, zone, soonest=SHORTEST_OPEN, latest=LONGEST_OPEN)
    if isinstance(when, TimeProblem):
        raise PollError(problem_text(when, WHEN_EXAMPLE, soonest=SHORTEST_OPEN, latest=LONGEST_OPEN))
    return when


def _split_tail(segment: str) -> tuple[str, set[str], str | None]:
    """Strip the trailing words `named`, `multi`, `closes <when>` off the last part of a poll."""
    tokens = segment.split()
    lowered = [t.lower() for t in tokens]
    flags: set[str] = set()
    when: str | None = None
    if "closes" in lowered[:-1]:
        at = len(lowered) - 1 - lowered[::-1].index("closes")
        tokens, rest = tokens[:at], tokens[at + 1 :]
        while rest and rest[-1].lower() in FLAG_WORDS:
            flags.add(rest.pop().lower())
        when = " ".join(rest)
    while tokens and tokens[-1].lower() in FLAG_WORDS:
        flags.add(tokens.pop().lower())
    return " ".join(tokens), flags, when


def begun(args: str) -> tuple[str, tuple[str, ...]] | None:
    """`/poll Football?` or `/poll Football? | Yes`: the question and the answers so far, when fewer than two
    answers were given (the guided /poll asks for the rest); None when the line has them all."""
    parts = [" ".join(p.split()) for p in args.split("|")]
    answers = tuple(dict.fromkeys(p for p in parts[1:] if p))  # the same answer twice counts once
    return (parts[0], answers) if len(answers) < 2 else None


def parse_poll(args: str, now: datetime, zone: ZoneInfo) -> PollSpec:
    """`Question? | A | B [| ...] [named] [multi] [closes <when>]` -> PollSpec, or PollError with an example."""
    parts = [" ".join(p.split()) for p in args.split("|")]
    if len(parts) < 2:
        raise PollError(f"Write the question and the options with | between them, like: {POLL_EXAMPLE}")
    flags: set[str] = set()
    when: str | None = None
    while True:  # the words may share the last option's part, or have parts of their own: "| named | closes 2d"
        last, more, last_when = _split_tail(parts[-1])
        flags |= more
        when = when if last_when is None else last_when
        parts[-1] = last
        if last or len(parts) <= 2:
            break
        parts.pop()
    question, options = parts[0], tuple(parts[1:])
    if not question:
        raise PollError(f"The poll needs a question first, like: {POLL_EXAMPLE}")
    if len(options) < 2 or any(not o for o in options):
        raise PollError(f"A poll needs at least two options, like: {POLL_EXAMPLE}")
    if len(options) > MAX_OPTIONS:
        raise PollError(f"A poll can have up to {MAX_OPTIONS} options. Please leave some out.")
    if refusal := POLL_QUESTION.refusal(question, f"Please shorten it. For example: {POLL_EXAMPLE}"):
        raise PollError(refusal)
    for option in options:
        if refusal := POLL_ANSWER.refusal(option, f"Please shorten it. For example: {POLL_EXAMPLE}"):
            raise PollError(refusal)
    if len({o.lower() for o in options}) != len(options):
        raise PollError("Two options are the same. Please make each one different.")
    closes_at = parse_when(when, now, zone) if when is not None else None
    return PollSpec(question, options, "named" in flags, "multi" in flags, closes_at)


@dataclass(frozen=True)
class PollResult:
    question: str
    options: tuple[str, ...]
    counts: tuple[int, ...]
    voters: int
    names: tuple[tuple[str, ...], ...] = field(default=())  # per option, for named polls only


def result_text(result: PollResult) -> str:
    """The closing post: counts per option, most first is left to the reader; names for named polls."""
    people = f"{result.voters} {'person' if result.voters == 1 else 'people'} voted"
    lines = [f"Poll closed: {result.question}"]
    for index, (option, count) in enumerate(zip(result.options, result.counts, strict=True)):
        line = f"- {option}: {count}"
        if result.names and result.names[index]:
            line += f" ({', '.join(result.names[index])})"
        lines.append(line)
    lines.append(f"{people}." if result.voters else "Nobody voted.")
    return "\n".join(lines)


def default_close(now: datetime) -> datetime:
    return (now + DEFAULT_OPEN).astimezone(UTC)


@dataclass(frozen=True)
class Poll:
    """A poll as stored: open until `closes_at` (or /endpoll), then only its counts are kept."""

    id: int
    group_id: int
    creator_id: int | None
    question: str
    options: tuple[str, ...]
    multi: bool
    named: bool
    status: str
    opened_at: datetime
    closes_at: datetime
    counts: tuple[int, ...] = ()
    voters: int = 0

    @property
    def card(self) -> str:
        return f"poll:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def _words(text: str) -> set[str]:
    return {w for w in "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()}


def first_word(question: str) -> str:
    """A word of the question to show in an example (`/endpoll Bowling`), without its punctuation."""
    return next(iter(question.split()), "").strip("?!.,:;\"'") or "football"


def matching(polls: list[Poll], words: str) -> list[Poll]:
    """The polls `/endpoll <words>` could mean: every word in its question or answers (all of them when no words).
    A word matches the start of one of the poll's words, so "pizz" finds "Pizza?"."""
    wanted = _words(words)
    if not wanted:
        return list(polls)
    found = []
    for poll in polls:
        held = _words(" ".join((poll.question, *poll.options)))
        if all(any(w.startswith(word) for w in held) for word in wanted):
            found.append(poll)
    return found
