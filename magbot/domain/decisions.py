"""Group decisions: secret-ballot votes with the group's quorum, threshold and voting period.

Quorum counts everyone who voted (abstentions too); the threshold counts only Yes against No. A decision is
settled early once the votes still to come cannot change the outcome (a cast vote can be changed, but only
while the decision is open; see docs/DECISIONS.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal

from magbot.domain.dates import duration_text
from magbot.domain.setting_words import change_question
from magbot.domain.timewords import parse_duration


class Kind(StrEnum):
    """What a decision is about. Stored as its value; what a result does is handlers/decisions.py's ACTIONS."""

    SETTING = "setting"
    RULE = "rule"
    DROP_RULE = "drop_rule"
    ADMIT = "admit"
    REMOVE = "remove"
    MUTE = "mute"
    HIDE = "hide"  # a message the flags hid: the vote keeps it hidden, or not


Status = Literal["open", "passed", "failed"]
CHOICES = ("yes", "no", "abstain")
LABELS = {"yes": "Yes", "no": "No", "abstain": "Abstain"}
SOON_BEFORE = timedelta(hours=6)  # the "closing soon" note, at most this long before the close


def share(text: str, fallback: str = "1/2") -> Fraction:
    """A setting like `1/3` or `40%` as a fraction (settings are checked when proposed)."""
    text = (text or "").strip()
    if (match := re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)) and 0 < int(match[1]) <= int(match[2]):
        return Fraction(int(match[1]), int(match[2]))
    if (match := re.fullmatch(r"(\d+)\s*%", text)) and 0 < int(match[1]) <= 100:
        return Fraction(int(match[1]), 100)
    return Fraction(fallback)


def share_text(value: Fraction) -> str:
    """A fraction as `share` reads it back (`1/3`), to keep with a decision."""
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def voters(self) -> int:
        return self.yes + self.no + self.abstain

    @classmethod
    def of(cls, choices: list[str]) -> Tally:
        return cls(choices.count("yes"), choices.count("no"), choices.count("abstain"))


@dataclass(frozen=True)
class Rules:
    """How a decision is settled: the group's quorum and threshold when it opened (kept on the decision)."""

    quorum: Fraction
    threshold: Fraction

    def needed(self, eligible: int) -> int:
        """Voters needed for quorum (abstentions count)."""
        return math.ceil(self.quorum * eligible)

    def passes(self, tally: Tally, eligible: int) -> bool:
        return tally.voters >= self.needed(eligible) and tally.yes > self.threshold * (tally.yes + tally.no)

    def settled(self, tally: Tally, eligible: int) -> bool:
        """True once no vote still to come can change the outcome."""
        left = max(eligible - tally.voters, 0)
        if left == 0:
            return True
        sure_to_pass = tally.voters >= self.needed(eligible) and tally.yes > self.threshold * (
            tally.yes + tally.no + left
        )
        return sure_to_pass or not self.passes(Tally(tally.yes + left, tally.no, tally.abstain), eligible)


@dataclass(frozen=True)
class Decision:
    id: int
    group_id: int
    kind: Kind
    payload: dict[str, Any]
    status: Status
    opened_at: datetime
    closes_at: datetime
    eligible: int
    quorum: str
    threshold: str
    proposer_id: int | None = None
    about_member_id: int | None = None
    tally: Tally = field(default_factory=Tally)
    closed_at: datetime | None = None

    @property
    def rules(self) -> Rules:
        return Rules(share(self.quorum, "1/3"), share(self.threshold, "1/2"))

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def question(kind: str, payload: dict[str, Any]) -> str:
    """What a ballot asks, in one line."""
    name = payload.get("name", "someone")
    match kind:
        case "setting":
            return change_question(str(payload["setting"]), str(payload["value"]))
        case "rule":
            return f'Add a group rule: "{payload["text"]}"?'
        case "drop_rule":
            return f'Drop rule {payload.get("number", "?")}: "{payload.get("text", "")}"?'
        case "admit":
            return f"Let {name} join the group?"
        case "remove":
            return f"Remove {name} from the group?"
        case "mute":
            length = parse_duration(str(payload.get("duration", "")))
            return f"Mute {name} for {duration_text(length) if length else payload.get('duration', '')}?"
        case "hide":
            return "A flagged message was hidden. Remove it for good, or put it back? (Yes removes it for good.)"
    return "A group decision"


def ballot_text(kind: str, payload: dict[str, Any], closes: str) -> str:
    return f"Group vote: {question(kind, payload)}\nSecret ballot: nobody sees how you vote. Open until {closes}."


def outcome_text(decision: Decision, passed: bool) -> str:
    t = decision.tally
    counts = f"Yes {t.yes}, No {t.no}, Abstain {t.abstain}"
    head = f"Vote closed: {question(decision.kind, decision.payload)}"
    if passed:
        return f"{head}\nPassed. {counts}."
    needed = decision.rules.needed(decision.eligible)
    if t.voters < needed:
        return f"{head}\nNot passed: too few votes ({t.voters} of the {needed} needed). {counts}."
    return f"{head}\nNot passed. {counts}."


FORMER_MEMBER = "a former member"  # his name, once he erased himself (/forgetme)


def unnamed(text: str, name: str) -> str:
    """`text` with `name` (as a whole word) replaced by "a former member", capitalised where a sentence starts."""
    if not name.strip():
        return text

    def former(match: re.Match[str]) -> str:
        before = text[: match.start()].rstrip(" ")
        return FORMER_MEMBER.capitalize() if not before or before[-1] in ".!?\n" else FORMER_MEMBER

    return re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", former, text)


def history_line(decision: Decision, when: str) -> str:
    word = {"open": "open", "passed": "passed", "failed": "not passed"}[decision.status]
    t = decision.tally
    counts = "" if decision.is_open else f" ({t.yes} yes, {t.no} no, {t.abstain} abstain)"
    return f"- {when}: {question(decision.kind, decision.payload)} {word}{counts}"
