"""The verdicts of a fault run, from the fake's stamped record, the database and the bots' logs.

* lost: an expected reply never sent, a press never answered, a suggestion with no row, a +1 set that is not
  the set of members who pressed (a press lost);
* doubled: a reply sent more than once, other than one `resent` (the copy before was accepted by Telegram but
  its process was killed, or its connection dropped, before it could delete the outbox row: the copy is the
  last thing that process got into that chat, or its answer never reached it: dropped, or given up on when its
  read timed out), or two rows for one suggestion;
* order: a chat's replies not in the order the members asked (a resend right after its first copy is fine);
* limits: within one process, two messages to a chat less than a second apart, 21 to a group within a minute,
  31 overall within a second, or a message to a chat sooner than a 429's retry_after said (a small tolerance
  allows for the trip from the bot to the fake);
* leaks: a log line with the bot token, the webhook secret, a member's name, or what members wrote.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from bench.faults_fake import LIMITED_METHODS, OUTBOX_METHODS, FaultyTelegram, Stamp
from bench.faults_world import DM_WORD, NAMES, TOPIC_WORD, Expected
from tests.fakes.telegram_api import Answered

MEMBER_TOASTS = frozenset({"+1 given.", "+1 taken back."})
TOLERANCE_S = 0.25  # the bot takes its slot when it starts a send; the fake stamps when the request arrives


@dataclass
class Verdict:
    lost: int = 0
    doubled: int = 0
    resent: int = 0
    order: int = 0
    limits: int = 0
    leaks: int = 0
    refusals: int = 0
    refusals_missed: int = 0
    # Informational: a new process does not know when the killed one last spoke in a chat.
    gaps_across_restarts: int = 0
    orphan_votes: int = 0  # answers on a resent poll's first copy, which the bot never heard of
    notes: list[str] = field(default_factory=list)

    def add(self, other: Verdict) -> None:
        for counter in fields(self):
            if counter.type in (int, "int"):
                setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))
        self.notes += other.notes


Sent = tuple[Answered, Stamp]


def successful(fake: FaultyTelegram, methods: frozenset[str] = LIMITED_METHODS) -> list[Sent]:
    return [(a, s) for a, s in fake.stamped() if a.error is None and a.call.method.lower() in methods]


def chat_of(entry: Sent) -> str:
    return str(entry[0].call.params.get("chat_id"))


def check_replies(fake: FaultyTelegram, expected: Expected) -> Verdict:
    verdict = Verdict()
    by_chat: dict[str, list[Sent]] = defaultdict(list)
    for entry in successful(fake, OUTBOX_METHODS):
        by_chat[chat_of(entry)].append(entry)
    for chat, tokens in expected.order.items():
        chat_sends = by_chat[str(chat)]
        seen, copies = [], defaultdict(list)
        for entry in chat_sends:
            body = _body(entry)
            for token in (t for t in tokens if t in body):
                seen.append(token)
                copies[token].append(entry)
        for token in tokens:
            _judge_copies(verdict, token, copies[token], chat_sends)
        if broken := order_violations(seen, tokens):
            verdict.order += broken
            verdict.notes.append(f"order: chat {chat} got {seen} for {tokens}")
    return verdict


def _body(entry: Sent) -> str:
    """A new message's words: a text, or a native poll's question (edits are not new messages)."""
    call = entry[0].call
    if call.method == "sendMessage":
        return str(call.params.get("text", ""))
    return str(call.params.get("question", "")) if call.method == "sendPoll" else ""


def _judge_copies(verdict: Verdict, token: str, copies: list[Sent], chat_sends: list[Sent]) -> None:
    if not copies:
        verdict.lost += 1
        verdict.notes.append(f"lost: reply {token!r}")
        return
    for before, again in itertools.pairwise(copies):
        if before[1].dropped or _last_of_its_process(before, chat_sends):
            verdict.resent += 1
        else:
            verdict.doubled += 1
            verdict.notes.append(f"doubled: reply {token!r} (process {before[1].epoch} then {again[1].epoch})")


def _last_of_its_process(entry: Sent, chat_sends: list[Sent]) -> bool:
    """Nothing else reached this chat from the same process after it: it was killed before deleting the row."""
    index = next(i for i, e in enumerate(chat_sends) if e is entry)
    return all(later[1].epoch != entry[1].epoch for later in chat_sends[index + 1 :])


def order_violations(seen: list[str], asked: list[str]) -> int:
    firsts: list[str] = []
    for token in seen:
        if not firsts or firsts[-1] != token:
            firsts.append(token)
    rank = {token: i for i, token in enumerate(asked)}
    positions = [rank[t] for t in firsts]
    return sum(1 for a, b in itertools.pairwise(positions) if b <= a)


def check_presses(fake: FaultyTelegram, expected: Expected) -> Verdict:
    verdict = Verdict()
    answered: dict[str, int] = defaultdict(int)
    for answer, _ in fake.stamped():
        if answer.call.method == "answerCallbackQuery" and answer.error is None:
            answered[str(answer.call.params.get("callback_query_id"))] += 1
    for query in [*expected.presses, *expected.setup_presses, *expected.forbidden]:
        if answered[query] == 0:
            verdict.lost += 1
            verdict.notes.append(f"lost: press {query} never answered")
    return verdict


def answers(fake: FaultyTelegram) -> dict[str, list[str]]:
    """callback id -> the pop-up texts of its accepted answers ("" for an answer without one)."""
    found: dict[str, list[str]] = defaultdict(list)
    for answer, _ in fake.stamped():
        if answer.call.method == "answerCallbackQuery" and answer.error is None:
            found[str(answer.call.params.get("callback_query_id"))].append(str(answer.call.params.get("text") or ""))
    return found


def check_refusals(fake: FaultyTelegram, expected: Expected) -> Verdict:
    """Outsiders' presses: answered, never with what a member's press gets (the database is checked apart)."""
    verdict, answered = Verdict(), answers(fake)
    for query, (token, outsider) in expected.forbidden.items():
        verdict.refusals += 1
        if any(text in MEMBER_TOASTS for text in answered.get(query, [])):
            verdict.refusals_missed += 1
            verdict.notes.append(f"refusal missed: {outsider} pressed +1 on {token!r} and was answered as a member")
    return verdict


def check_limits(fake: FaultyTelegram) -> Verdict:
    verdict = Verdict()
    per_chat: dict[tuple[int, str], list[float]] = defaultdict(list)
    methods: dict[tuple[int, str], list[str]] = defaultdict(list)
    overall: dict[int, list[float]] = defaultdict(list)
    for entry in successful(fake):
        per_chat[(entry[1].epoch, chat_of(entry))].append(entry[1].received)
        methods[(entry[1].epoch, chat_of(entry))].append(entry[0].call.method)
        overall[entry[1].epoch].append(entry[1].received)
    for (epoch, chat), times in per_chat.items():
        where = f"chat {chat} process {epoch}"
        before = len(verdict.notes)
        verdict.limits += _too_close(times, 1, 1.0, where, verdict.notes)
        for i, note in enumerate(verdict.notes[before:], before):  # which calls, to tell what to fix
            verdict.notes[i] = f"{note} ({'/'.join(methods[(epoch, chat)])[-200:]})"
        if chat.startswith("-"):
            verdict.limits += _too_close(times, 20, 60.0, f"group {chat} process {epoch}", verdict.notes)
    for epoch, times in overall.items():
        verdict.limits += _too_close(sorted(times), 30, 1.0, f"overall process {epoch}", verdict.notes)
    verdict.gaps_across_restarts = _gaps_across_restarts(successful(fake))
    for epoch, at, chat, retry in fake.told_to_wait:
        early = [t for t in per_chat[(epoch, chat)] if at < t < at + retry - TOLERANCE_S]
        if early:
            verdict.limits += 1
            verdict.notes.append(f"limits: chat {chat} sent to {early[0] - at:.2f}s after a 429 of {retry:g}s")
    return verdict


def _gaps_across_restarts(sends: list[Sent]) -> int:
    """Messages to a chat less than a second after the previous process's last one there."""
    last: dict[str, Stamp] = {}
    count = 0
    for entry in sends:
        chat, stamp = chat_of(entry), entry[1]
        before = last.get(chat)
        if before is not None and before.epoch != stamp.epoch and stamp.received - before.received < 1.0:
            count += 1
        last[chat] = stamp
    return count


def _too_close(times: list[float], allowed: int, window: float, where: str, notes: list[str]) -> int:
    """How many times more than `allowed` sends fell within `window` seconds."""
    bad = 0
    for i in range(allowed, len(times)):
        if times[i] - times[i - allowed] < window - TOLERANCE_S:
            bad += 1
            notes.append(f"limits: {where}: {allowed + 1} within {times[i] - times[i - allowed]:.2f}s")
    return bad


def check_logs(texts: Iterable[str], secrets: Iterable[str]) -> Verdict:
    """Every log line, at DEBUG, against the token, the secrets, the members' names and words."""
    verdict = Verdict()
    words = [re.escape(s) for s in secrets if s] + [re.escape(n) for n in NAMES.values()]
    words += [rf"{TOPIC_WORD}\d", rf"/{DM_WORD}\d"]
    pattern = re.compile("|".join(words), re.IGNORECASE)
    for text_ in texts:
        for line in text_.splitlines():
            if pattern.search(line):
                verdict.leaks += 1
                verdict.notes.append(f"leak: {pattern.search(line).group(0)!r} in a log line")  # type: ignore[union-attr]
    return verdict


def crashes_in(log_text: str) -> list[str]:
    """Tracebacks and ERROR lines a bot process wrote (a SIGKILL leaves none of its own)."""
    return [
        line
        for line in log_text.splitlines()
        if line.startswith("Traceback") or " ERROR " in line
    ]
