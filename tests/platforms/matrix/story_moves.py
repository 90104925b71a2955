"""What a story's member does on Matrix, line by line: presses, group messages, thread replies, replies, knocks.

"Newest message visible to him" is the newest card of the bot's (in the order the bot posted them) in a room he
is in: the group room while he is in it, and his private room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magbot.core.events import JoinRequest
from magbot.platforms.console_lines import ConsoleError, Said
from magbot.platforms.matrix.render import UNSTABLE_POLL_START, matrix_to
from tests.platforms.matrix.conftest import Forbidden, Member
from tests.platforms.matrix.story_render import Card

if TYPE_CHECKING:
    from tests.platforms.matrix.story_driver import StoryDriver

POLL_RESPONSE = UNSTABLE_POLL_START.replace("start", "response")  # what Element sends


class Moves:
    def __init__(self, driver: StoryDriver) -> None:
        self.d = driver
        self.said: dict[str, str] = {}  # name -> his newest message in the group room, for `^name:` replies
        self.reactions: dict[tuple[str, str, str], str] = {}  # (name, card, label) -> his reaction
        self.votes: dict[tuple[str, str], set[str]] = {}  # (name, poll) -> his answers (multiple-choice polls)

    def rooms_of(self, key: str, member: Member) -> set[str]:
        rooms = {self.d.room, self.d.dms.get(key, "")}
        return {room for room in rooms if room in member.c.rooms and room not in member.left}

    def cards_for(self, key: str, member: Member) -> list[Card]:
        rooms = self.rooms_of(key, member)
        return [card for card in reversed(self.d.transcript.cards.values()) if card.room_id in rooms]

    # ---------------------------------------------------------------- presses

    async def press(self, key: str, member: Member, label: str) -> None:
        for card in self.cards_for(key, member):
            if label in card.reactions.values():
                return await self._react(key, member, card, label)
            if label in card.poll:
                return await self._vote(key, member, card, card.poll[label])
            if label in card.links:
                return await self._link(key, member, card.links[label])
        raise ConsoleError(f"{member.name} can't see a [{label}] button")

    async def _react(self, key: str, member: Member, card: Card, label: str) -> None:
        mine = self.reactions.get((key, card.event_id, label))
        if mine and mine not in self.d.transcript.redacted:  # Element: pressing it again takes it away first
            response = await member.c.room_redact(card.room_id, mine)
            await self.d.handled(str(response.event_id))
        try:
            event_id = await member.react(card.room_id, card.event_id, label)
        except Forbidden:
            raise ConsoleError(f"the server does not let {member.name} react in the group while he is muted") from None
        self.reactions[(key, card.event_id, label)] = event_id
        self.d.transcript.pressed[event_id] = f"{key}'s [{label}]"
        await self.d.handled(event_id)

    async def _vote(self, key: str, member: Member, card: Card, answer: str) -> None:
        chosen = {answer}
        if card.multi:
            chosen = self.votes.setdefault((key, card.event_id), set())
            chosen ^= {answer}
        content = {
            "m.relates_to": {"rel_type": "m.reference", "event_id": card.event_id},
            POLL_RESPONSE: {"answers": sorted(chosen)},
        }
        await self.d.handled(await member.send_event(card.room_id, POLL_RESPONSE, content))

    async def _link(self, key: str, member: Member, url: str) -> None:
        if url != matrix_to(self.d.bot.user_id):
            raise ConsoleError(f"{member.name} can't follow a link to {url} in a story")
        await self.d.dm_of(key, member)  # Element opens his private room, starting one if he has none

    # ---------------------------------------------------------------- messages in the group room

    async def in_group(self, said: Said, member: Member) -> None:
        key, extra = said.name.lower(), {}
        if said.where == "thread":
            root = self.newest_thread(key, member)
            if root is None:
                raise ConsoleError(f"{said.display_name} can't see any thread to reply in")
            latest = next((c.event_id for c in self.cards_for(key, member) if self._thread(c) == root), root)
            relation = {"rel_type": "m.thread", "event_id": root, "is_falling_back": True}
            extra = {"m.relates_to": {**relation, "m.in_reply_to": {"event_id": latest}}}
        if said.where == "reply":
            target = self.said.get(said.reply_to)
            if target is None:
                raise ConsoleError(f"there's no message from {said.reply_to.capitalize()} in the group to reply to")
            extra = {"m.relates_to": {"m.in_reply_to": {"event_id": target}}}
        try:
            event_id = await member.send(self.d.room, said.rest, **extra)
        except Forbidden:
            muted = f"the server does not let {said.display_name} post in the group while he is muted"
            raise ConsoleError(muted) from None
        self.d.transcript.authors[event_id] = said.display_name
        if said.where != "thread":
            self.said[key] = event_id
        await self.d.handled(event_id)

    def _thread(self, card: Card) -> str | None:
        transcript = self.d.transcript
        root = card.event_id if card.event_id in transcript.threads else None
        return transcript.thread_of.get(card.event_id) or root

    def newest_thread(self, key: str, member: Member) -> str | None:
        return next((root for card in self.cards_for(key, member) if (root := self._thread(card))), None)

    # ---------------------------------------------------------------- strangers

    async def knock(self, name: str) -> None:
        member = await self.d.person(name, join=False)
        self.d.knocked.add(name.lower())
        response: Any = await member.c.room_knock(self.d.room)
        assert not type(response).__name__.endswith("Error"), response

        def seen() -> bool:
            return any(isinstance(i, JoinRequest) and i.sender.user_id == member.user_id for i in self.d.bot.seen)

        await self.d.bot_until(seen, "see the knock")
