"""Button data, declared once per kind of button and parsed once, into a typed value.

A kind of button is a frozen dataclass that subclasses `Press`, naming its prefix and the shape of the rest:

    @dataclass(frozen=True)
    class PlusOne(Press, prefix="agenda", shape=(Const("plus"), Id())):
        suggestion: int

`PlusOne(5).data == "agenda:plus:5"`, and `PlusOne.parse("agenda:plus:5") == PlusOne(5)`. The segments that
hold a value (all but `Const`) fill the dataclass's fields in order. Encoding checks every value and Telegram's
64-byte limit, so a bad button fails where it is built; parsing accepts only what encoding could have made (ids
1 <= id < 2**63, written without leading zeros, choices from their list), so forged or stale data never reaches
a handler or the database: the router answers it with "That button is no longer in use."
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Self

from magbot.core.events import Button
from magbot.domain.polls import MAX_OPTIONS

MAX_BYTES = 64  # Telegram's limit for callback data
ID_LIMIT = 2**63  # a BIGINT: a larger number can't be an id, and would crash the query looking it up
_NUMBER = re.compile(r"0|[1-9][0-9]*")  # ASCII digits only: str.isdecimal() also takes "٣"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WORD = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Invalid(ValueError):
    """A segment that encoding could not have produced."""


class Segment:
    """One `:`-separated part of the data after the prefix."""

    holds_value = True
    optional = False  # only the last segment may be: absent from the data, None in the value

    def read(self, raw: str) -> Any:
        raise NotImplementedError

    def write(self, value: Any) -> str:
        raise NotImplementedError


class Const(Segment):
    """A fixed word: `plus` in `agenda:plus:<id>`. It tells kinds with the same prefix apart."""

    holds_value = False

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, raw: str) -> None:
        if raw != self.text:
            raise Invalid(raw)

    def write(self, value: Any) -> str:
        return self.text


class OneOf(Segment):
    """One of a few words: `yes` / `no`."""

    def __init__(self, *values: str) -> None:
        self.values = values

    def read(self, raw: str) -> str:
        if raw not in self.values:
            raise Invalid(raw)
        return raw

    def write(self, value: Any) -> str:
        return self.read(value) if isinstance(value, str) else _bad(value)


class Number(Segment):
    """A whole number from `low` to `high`, in plain ASCII digits."""

    def __init__(self, low: int, high: int, *, optional: bool = False) -> None:
        self.low, self.high, self.optional = low, high, optional

    def read(self, raw: str) -> int:
        if not _NUMBER.fullmatch(raw) or len(raw) > 19 or not self.low <= int(raw) <= self.high:
            raise Invalid(raw)
        return int(raw)

    def write(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            return _bad(value)
        return str(value)


class Id(Number):
    """A row id (member, decision, activity...): 1 <= id < 2**63."""

    def __init__(self, *, optional: bool = False) -> None:
        super().__init__(1, ID_LIMIT - 1, optional=optional)


class IsoDate(Segment):
    """A day, `2026-11-26`, kept as that text."""

    def read(self, raw: str) -> str:
        try:
            if _DATE.fullmatch(raw) and date.fromisoformat(raw).isoformat() == raw:
                return raw
        except ValueError:
            pass
        raise Invalid(raw)

    def write(self, value: Any) -> str:
        return self.read(value) if isinstance(value, str) else _bad(value)


class Word(Segment):
    """A short lowercase name, like a command's: `help`, `members`."""

    def read(self, raw: str) -> str:
        if not _WORD.fullmatch(raw):
            raise Invalid(raw)
        return raw

    def write(self, value: Any) -> str:
        return self.read(value) if isinstance(value, str) else _bad(value)


def _bad(value: object) -> str:
    raise Invalid(type(value).__name__)


def read_id(raw: str) -> int | None:
    """A row id from text (a card name's tail), or None when it could not be one."""
    try:
        return Id().read(raw)
    except Invalid:
        return None


class Press:
    """The base of every kind of button: `data` encodes a value, `parse` decodes data of this kind."""

    prefix: ClassVar[str]
    shape: ClassVar[tuple[Segment, ...]]
    _names: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, *, prefix: str, shape: tuple[Segment, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = tuple(n for n, t in inspect.get_annotations(cls).items() if "ClassVar" not in str(t))
        if len(names) != sum(s.holds_value for s in shape):
            raise TypeError(f"{cls.__name__}: {len(names)} fields for {sum(s.holds_value for s in shape)} values")
        if not _WORD.fullmatch(prefix) or any(s.optional for s in shape[:-1]):
            raise TypeError(f"{cls.__name__}: a plain prefix, and only the last segment optional")
        cls.prefix, cls.shape, cls._names = prefix, shape, names

    @property
    def data(self) -> str:
        """The button's data. Raises ValueError for a value out of its range, or over 64 bytes."""
        values = iter(getattr(self, name) for name in self._names)
        parts = [self.prefix]
        for segment in self.shape:
            value = next(values) if segment.holds_value else None
            if value is None and segment.optional:
                continue
            parts.append(segment.write(value))
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{type(self).__name__} data is longer than {MAX_BYTES} bytes")
        return data

    def button(self, label: str) -> Button:
        return Button(label, self.data)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        """The press this data encodes, or None if it is not exactly what `data` could have made."""
        if len(data.encode()) > MAX_BYTES:
            return None
        prefix, *parts = data.split(":")
        shape = cls.shape
        if shape and shape[-1].optional and len(parts) == len(shape) - 1:
            shape = shape[:-1]
        if prefix != cls.prefix or len(parts) != len(shape):
            return None
        try:
            values = [segment.read(part) for segment, part in zip(shape, parts, strict=True)]
        except Invalid:
            return None
        held = [value for segment, value in zip(shape, values, strict=True) if segment.holds_value]
        return cls(*held)


# ---------------------------------------------------------------- poll options shown as buttons


@dataclass(frozen=True)
class PollOption(Press, prefix="pv", shape=(Number(0, MAX_OPTIONS - 1), Const("poll"), Id())):
    """`pv:<option index>:poll:<id>`: one answer of a poll the platform shows as buttons (a poll's card is
    `poll:<id>`). Platforms turn it into a PollVote, so no handler sees it as a press."""

    index: int
    poll: int

    @property
    def card(self) -> str:
        return f"poll:{self.poll}"


def poll_option_data(card: str, index: int) -> str:
    kind, _, number = card.partition(":")
    poll = read_id(number)
    if kind != "poll" or poll is None:
        raise ValueError("a poll's card is poll:<id>")
    return PollOption(index, poll).data


def parse_poll_option(data: str) -> tuple[str, int] | None:
    """(poll card, option index) from a poll button's data, or None for any other data."""
    found = PollOption.parse(data)
    return (found.card, found.index) if found else None
