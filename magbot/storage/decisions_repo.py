"""Repositories for decisions and their ballots, the group's rules and flags; never commit."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from magbot.domain.decisions import Decision, Tally
from magbot.storage.db import rows_affected
from magbot.storage.models_decisions import DecisionBallotRow, DecisionRow, FlagRow, GroupRuleRow


def _decision(row: DecisionRow) -> Decision:
    return Decision(
        id=row.id,
        group_id=row.group_id,
        kind=row.kind,  # type: ignore[arg-type]
        payload=json.loads(row.payload or "{}"),
        status=row.status,  # type: ignore[arg-type]
        opened_at=row.opened_at,
        closes_at=row.closes_at,
        eligible=row.eligible,
        quorum=row.quorum,
        threshold=row.threshold,
        proposer_id=row.proposer_id,
        about_member_id=row.about_member_id,
        tally=Tally(row.yes, row.no, row.abstain),
        closed_at=row.closed_at,
    )


class Decisions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(
        self,
        group_id: int,
        kind: str,
        payload: dict[str, Any],
        *,
        proposer_id: int | None,
        about_member_id: int | None,
        voters: list[int],
        quorum: str,
        threshold: str,
        now: datetime,
        closes_at: datetime,
    ) -> Decision:
        """A new decision with a ballot for each eligible member (fixed now: later joiners don't vote)."""
        row = DecisionRow(
            group_id=group_id,
            kind=kind,
            payload=json.dumps(payload, ensure_ascii=False),
            status="open",
            proposer_id=proposer_id,
            about_member_id=about_member_id,
            opened_at=now,
            closes_at=closes_at,
            eligible=len(voters),
            quorum=quorum,
            threshold=threshold,
            yes=0,
            no=0,
            abstain=0,
        )
        self._session.add(row)
        await self._session.flush()
        for member_id in voters:
            self._session.add(DecisionBallotRow(decision_id=row.id, member_id=member_id, voted=False))
        await self._session.flush()
        return _decision(row)

    async def get(self, decision_id: int) -> Decision | None:
        row = await self._session.get(DecisionRow, decision_id)
        return _decision(row) if row else None

    async def of_group(self, group_id: int, *, status: str | None = None, limit: int = 100) -> list[Decision]:
        query = select(DecisionRow).where(DecisionRow.group_id == group_id)
        if status is not None:
            query = query.where(DecisionRow.status == status)
        rows = await self._session.scalars(query.order_by(DecisionRow.id.desc()).limit(limit))
        return [_decision(r) for r in rows]

    async def cast(self, decision_id: int, member_id: int, choice: str) -> bool:
        """Record (or change) a vote; False if this member has no ballot in this decision."""
        result = await self._session.execute(
            update(DecisionBallotRow)
            .where(DecisionBallotRow.decision_id == decision_id, DecisionBallotRow.member_id == member_id)
            .values(choice=choice, voted=True)
        )
        return bool(rows_affected(result))

    async def tally(self, decision_id: int) -> Tally:
        rows = await self._session.scalars(
            select(DecisionBallotRow.choice).where(
                DecisionBallotRow.decision_id == decision_id, DecisionBallotRow.voted.is_(True)
            )
        )
        return Tally.of([c or "" for c in rows])

    async def not_voted(self, decision_id: int) -> list[int]:
        rows = await self._session.scalars(
            select(DecisionBallotRow.member_id).where(
                DecisionBallotRow.decision_id == decision_id, DecisionBallotRow.voted.is_(False)
            )
        )
        return list(rows)

    async def eligible(self, decision_id: int) -> list[int]:
        rows = await self._session.scalars(
            select(DecisionBallotRow.member_id).where(DecisionBallotRow.decision_id == decision_id)
        )
        return list(rows)

    async def withdraw(self, member_id: int) -> list[int]:
        """He is no longer a member: out of every open decision's electorate and quorum, his ballot (and his vote,
        if he cast one) gone. Closed decisions keep who took part. Returns the open decisions he was in."""
        ids = list(
            await self._session.scalars(
                select(DecisionBallotRow.decision_id)
                .join(DecisionRow, DecisionRow.id == DecisionBallotRow.decision_id)
                .where(DecisionBallotRow.member_id == member_id, DecisionRow.status == "open")
            )
        )
        if ids:
            await self._session.execute(
                delete(DecisionBallotRow).where(
                    DecisionBallotRow.member_id == member_id, DecisionBallotRow.decision_id.in_(ids)
                )
            )
            await self._session.execute(
                update(DecisionRow).where(DecisionRow.id.in_(ids)).values(eligible=DecisionRow.eligible - 1)
            )
        return ids

    async def close(self, decision_id: int, status: str, tally: Tally, now: datetime) -> bool:
        """Keep the tallies and who took part; forget every choice. False if already closed."""
        result = await self._session.execute(
            update(DecisionRow)
            .where(DecisionRow.id == decision_id, DecisionRow.status == "open")
            .values(status=status, closed_at=now, yes=tally.yes, no=tally.no, abstain=tally.abstain)
        )
        if not rows_affected(result):
            return False
        await self._session.execute(
            delete(DecisionBallotRow).where(
                DecisionBallotRow.decision_id == decision_id, DecisionBallotRow.voted.is_(False)
            )
        )
        await self._session.execute(
            update(DecisionBallotRow).where(DecisionBallotRow.decision_id == decision_id).values(choice=None)
        )
        return True

    async def set_payload(self, decision_id: int, payload: dict[str, Any]) -> None:
        await self._session.execute(
            update(DecisionRow)
            .where(DecisionRow.id == decision_id)
            .values(payload=json.dumps(payload, ensure_ascii=False))
        )

    async def involving(self, member_id: int) -> list[tuple[Decision, str | None, bool]]:
        """Decisions where this member has a ballot: (decision, his choice while open, voted)."""
        rows = await self._session.execute(
            select(DecisionRow, DecisionBallotRow.choice, DecisionBallotRow.voted)
            .join(DecisionBallotRow, DecisionBallotRow.decision_id == DecisionRow.id)
            .where(DecisionBallotRow.member_id == member_id)
        )
        return [(_decision(r[0]), r[1], r[2]) for r in rows]

    async def naming(self, member_id: int) -> list[Decision]:
        """Decisions this member proposed or that are about him."""
        rows = await self._session.scalars(
            select(DecisionRow).where(
                (DecisionRow.proposer_id == member_id) | (DecisionRow.about_member_id == member_id)
            )
        )
        return [_decision(r) for r in rows]

    async def forget_member(self, member_id: int) -> None:
        await self._session.execute(delete(DecisionBallotRow).where(DecisionBallotRow.member_id == member_id))
        await self._session.execute(
            update(DecisionRow).where(DecisionRow.proposer_id == member_id).values(proposer_id=None)
        )
        await self._session.execute(
            update(DecisionRow).where(DecisionRow.about_member_id == member_id).values(about_member_id=None)
        )


class GroupRules:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_group(self, group_id: int) -> list[tuple[int, str]]:
        """(rule id, text) in the order agreed; /rules numbers them from 1."""
        rows = await self._session.execute(
            select(GroupRuleRow.id, GroupRuleRow.text)
            .where(GroupRuleRow.group_id == group_id)
            .order_by(GroupRuleRow.id)
        )
        return [(r[0], r[1]) for r in rows]

    async def add(self, group_id: int, text: str, now: datetime) -> None:
        self._session.add(GroupRuleRow(group_id=group_id, text=text, agreed_at=now))
        await self._session.flush()

    async def drop(self, group_id: int, rule_id: int) -> bool:
        result = await self._session.execute(
            delete(GroupRuleRow).where(GroupRuleRow.group_id == group_id, GroupRuleRow.id == rule_id)
        )
        return bool(rows_affected(result))


class Flags:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, group_id: int, message_id: str, member_id: int, now: datetime) -> int:
        """Flag a message (once per member); returns how many different members have flagged it."""
        if await self._session.get(FlagRow, (group_id, message_id, member_id)) is None:
            self._session.add(FlagRow(group_id=group_id, message_id=message_id, member_id=member_id, flagged_at=now))
            await self._session.flush()
        count = await self._session.scalar(
            select(func.count()).where(FlagRow.group_id == group_id, FlagRow.message_id == message_id)
        )
        return int(count or 0)

    async def clear(self, group_id: int, message_id: str) -> None:
        await self._session.execute(
            delete(FlagRow).where(FlagRow.group_id == group_id, FlagRow.message_id == message_id)
        )

    async def count_by(self, member_id: int) -> int:
        return int(await self._session.scalar(select(func.count()).where(FlagRow.member_id == member_id)) or 0)

    async def forget_member(self, member_id: int) -> None:
        await self._session.execute(delete(FlagRow).where(FlagRow.member_id == member_id))
