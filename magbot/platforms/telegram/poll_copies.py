"""A named poll sent twice: the votes on a copy whose id the bot never heard still count, each man once.

Telegram gives sendPoll no idempotency key. When its answer is lost (the connection dropped after Telegram
posted the poll, or the process was killed mid-call), the outbox sends the poll again, and the group sees it
twice; the bot knows only the second copy's id. A `poll_answer` names only a poll id, so on its own a vote on
the first copy could not be placed. What can: Telegram also sends a `poll` update (the poll's id, question and
options, never who voted) for every change of a poll the bot sent. So:

- before every sendPoll the poll is marked "in doubt" (`tg:poll:doubt:<card>`: its chat, card and a digest of
  its question and options; never the words). The mark stays only if an earlier try of the same outbox row had
  started (the only way a copy with an unknown id can exist) and goes when the poll closes;
- a `poll` update with an unknown id whose digest is that of exactly one poll in doubt is that poll's other
  copy: its id is kept like any other (`tg:poll:<id>:map`), and its votes count from then on;
- a `poll_answer` with an unknown id that arrives before its `poll` update (Telegram does not promise the order;
  the webhook may run them side by side) is parked (`tg:pollwait:<poll id>:<update id>`, with the voter as its
  subject, so /forgetme erases it) and dispatched under its own event key by the next `poll` update of that id
  (also of a poll known by then: an answer can come while sendPoll's own answer is on its way);
- a man who answered on both copies counts once, his last choice: the copy and update id of the answer that
  counted are kept (`tg:pollvoter:<card>:<user>`, his subject); an older answer let go late does not count, and
  taking back an answer on the other copy does not take that choice back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from telegram import Bot, Poll, PollAnswer, Update

from magbot.platforms.telegram.state import PollOrigin, TelegramState
from magbot.storage.uow import UnitOfWorkFactory

PLATFORM = "telegram"
DOUBT = "tg:poll:doubt:"  # under tg:poll:, so a group upgrade moves its chat with the poll maps (upgrade.py)
WAITING = "tg:pollwait:"
VOTER = "tg:pollvoter:"


def digest(question: str, options: Sequence[str]) -> str:
    """The same for a poll as sent and as Telegram reports it back; the words themselves are never stored."""
    text = "\x00".join([question.strip(), *(option.strip() for option in options)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class PollCopies:
    """The marks, the parked answers and the voters' copies; each call is its own short transaction."""

    def __init__(self, uow: UnitOfWorkFactory, state: TelegramState) -> None:
        self._uow, self._state = uow, state

    async def sending(self, origin: PollOrigin, question: str, options: Sequence[str]) -> bool:
        """Mark the poll in doubt before its sendPoll; True when an earlier try had already marked it."""
        mark = {"chat": origin.chat_id, "kind": origin.kind, "card": origin.card, "digest": digest(question, options)}
        async with self._uow() as u:
            earlier = await u.state.get(DOUBT + origin.card) is not None
            await u.state.put(DOUBT + origin.card, json.dumps(mark))
        return earlier

    async def sent(self, card: str, earlier: bool) -> None:
        """Telegram answered: unless an earlier try may have left a copy, no copy with an unknown id exists."""
        if not earlier:
            async with self._uow() as u:
                await u.state.delete(DOUBT + card)

    async def closed(self, card: str) -> None:
        """The poll closed: its mark and voters go; parked answers go once no poll is in doubt."""
        async with self._uow() as u:
            await u.state.delete(DOUBT + card)
            for key in await u.state.keys(f"{VOTER}{card}:"):
                await u.state.delete(key)
            if not await u.state.keys(DOUBT):
                for key in await u.state.keys(WAITING):
                    await u.state.delete(key)

    async def adopt(self, poll: Poll) -> bool:
        """A `poll` update: True when its id was unknown and it is the other copy of one poll in doubt."""
        if poll.is_anonymous or await self._state.poll_origin(poll.id) is not None:
            return False
        wanted = digest(poll.question, [option.text for option in poll.options])
        async with self._uow() as u:
            marks = [json.loads(await u.state.get(key) or "{}") for key in await u.state.keys(DOUBT)]
        matches = [m for m in marks if m.get("digest") == wanted]
        if len(matches) != 1:  # none: not ours to place; two identical polls in doubt at once: cannot tell which
            return False
        mark = matches[0]
        await self._state.remember_poll(poll.id, PollOrigin(str(mark["chat"]), mark.get("kind", "group"), mark["card"]))
        return True

    async def park(self, update: Update) -> bool:
        """Keep an answer on an unknown poll while some poll is in doubt (it may be that poll's other copy)."""
        answer = update.poll_answer
        if answer is None or answer.user is None:
            return False
        async with self._uow() as u:
            if not await u.state.keys(DOUBT):
                return False
            key = f"{WAITING}{answer.poll_id}:{update.update_id}"
            await u.state.put(key, json.dumps(update.to_dict()), subject=(PLATFORM, str(answer.user.id)))
        return True

    async def parked(self, poll_id: str, bot: Bot) -> list[tuple[str, Update]]:
        """The answers kept for this poll, oldest first."""
        async with self._uow() as u:
            keys = await u.state.keys(f"{WAITING}{poll_id}:")
            raws = [(key, await u.state.get(key)) for key in keys]
        found = [(key, Update.de_json(json.loads(raw), bot)) for key, raw in raws if raw]
        return sorted(found, key=lambda pair: pair[1].update_id)

    async def unpark(self, key: str) -> None:
        async with self._uow() as u:
            await u.state.delete(key)

    async def counts(self, origin: PollOrigin, answer: PollAnswer, update_id: int) -> bool:
        """Whether this answer changes the man's vote. On a poll in doubt: not an answer older than the one that
        counted (a kept answer let go after his newer one), nor taking back an answer on the other copy (his
        choice there stands)."""
        if answer.user is None:
            return True
        key = f"{VOTER}{origin.card}:{answer.user.id}"
        async with self._uow() as u:
            if await u.state.get(DOUBT + origin.card) is None:
                return True
            counted_on, _, counted_at = (await u.state.get(key) or "").partition(" ")
            if counted_at and update_id < int(counted_at):
                return False
            if not answer.option_ids and counted_on not in ("", answer.poll_id):
                return False
            await u.state.put(key, f"{answer.poll_id} {update_id}", subject=(PLATFORM, str(answer.user.id)))
        return True
