"""The database's side of a fault run: each effect happened once.

One row per suggestion; the +1s are the members who pressed (a press lost shows; a second press asks him
privately and takes nothing back; an outsider's +1 is a refusal missed); each member's last poll choice is
stored; nothing is left in the outbox.
"""

from __future__ import annotations

from sqlalchemy import text

from bench.faults_check import Verdict
from bench.faults_world import OUTSIDERS, TOPIC_WORD, Expected
from magbot.storage.db import make_engine

PLUS_ONES = (
    "SELECT s.topic, m.user_id FROM agenda_plus_ones p"
    " JOIN agenda_suggestions s ON s.id = p.suggestion_id JOIN members m ON m.id = p.member_id"
)
KNOWN_POLLS = "SELECT key FROM platform_state WHERE key LIKE :pattern"  # tg:poll:<id>:map, kept by the bot
POLL_VOTES = (
    "SELECT q.question, m.user_id, v.option FROM poll_votes v"
    " JOIN polls q ON q.id = v.poll_id JOIN members m ON m.id = v.member_id"
)


async def check_database(url: str, expected: Expected) -> Verdict:
    """The effects happened once: one row per suggestion, +1s = those who pressed, nothing left in the outbox."""
    verdict, engine = Verdict(), make_engine(url)
    try:
        async with engine.connect() as db:
            topics = list((await db.execute(text("SELECT topic FROM agenda_suggestions"))).scalars())
            plus = (await db.execute(text(PLUS_ONES))).all()
            votes = (await db.execute(text(POLL_VOTES))).all()
            known = set((await db.execute(text(KNOWN_POLLS), {"pattern": "tg:poll:%:map"})).scalars())
            left = (await db.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    finally:
        await engine.dispose()
    for token in expected.suggestions:
        rows = sum(1 for topic in topics if token in topic.split())
        if rows != 1:
            verdict.lost += rows == 0
            verdict.doubled += rows > 1
            verdict.notes.append(f"database: {rows} rows for suggestion {token!r}")
    # A second press of +1 no longer takes it back (it asks him privately, issue #12 item 8): one who pressed counts.
    want = {(token, str(presser)) for token, presser in expected.presses.values()}
    have = {(str(topic), str(user)) for topic, user in plus}
    for wrong in sorted(want ^ have):
        if int(wrong[1]) in OUTSIDERS:
            verdict.refusals_missed += 1
        else:
            verdict.lost += 1
        verdict.notes.append(f"database: +1 of {wrong[1]} on {wrong[0]!r} is {'missing' if wrong in want else 'extra'}")
    chosen = _last_votes(expected, {key.split(":")[2] for key in known}, verdict)
    stored = {(_token_in(str(q)), str(user), int(option)) for q, user, option in votes}
    for wrong in sorted(chosen ^ stored):
        verdict.lost += 1
        verdict.notes.append(f"database: vote {wrong} is {'missing' if wrong in chosen else 'extra'}")
    if left:
        verdict.lost += left
        verdict.notes.append(f"database: {left} outbox rows never sent")
    return verdict


def _last_votes(expected: Expected, known: set[str], verdict: Verdict) -> set[tuple[str, str, int]]:
    """Each member's last choice on each poll, whichever copy of a resent poll he answered on: taking back an
    answer on one copy leaves the choice he made on the other (magbot/platforms/telegram/poll_copies.py). An
    answer on a copy the bot never learnt is counted apart too (and, missing from the database, as lost)."""
    last: dict[tuple[str, int], tuple[str, list[int]]] = {}
    for poll_id, token, voter, answer in expected.votes:
        if poll_id not in known:
            verdict.orphan_votes += 1
            verdict.notes.append(f"orphan vote: {voter} answered the unknown first copy of poll {token!r}")
        counted = last.get((token, voter))
        if answer or counted is None or counted[0] == poll_id:
            last[(token, voter)] = (poll_id, answer)
    return {(token, str(user), option) for (token, user), (_, answer) in last.items() for option in answer}


def _token_in(question: str) -> str:
    return next((w.rstrip("?") for w in question.split() if w.startswith(TOPIC_WORD)), question)
