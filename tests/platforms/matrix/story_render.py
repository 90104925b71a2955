"""What members' Matrix clients received, in the console's line form, so a story's transcript can be compared.

The bot's nio client is watched (`Recorder`): every event it sends and every membership change it makes is
logged in the order it made them. Each is then looked up, decrypted, in the timeline of a member who can see
the room (the witness), and written as the console writes it: `[group] text [Btn] [Btn]`, `[dm sam] ...`,
`[thread N] ...`, `(edited)`, `(message deleted)`. What is Matrix's own shows as Matrix shows it: buttons are the
bot's reactions still on the card (the body's `[Label]` fallback line is left out), link buttons are the body's
`Label: https://matrix.to/...` lines, a pop-up is the notice the bot sends instead (`(notice)`), the words of an
offload sit behind a spoiler, a poll is an `m.poll.start`, a file's caption is a message of its own.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nio import AsyncClient, RoomCreateResponse, RoomPutStateResponse, RoomRedactResponse, RoomSendResponse

from magbot.platforms.console_render import one_line

LABELS = re.compile(r"^\[[^\]\n]+\](?: \[[^\]\n]+\])*$")
LINK = re.compile(r"^[^\n]+: https?://\S+$")


@dataclass(frozen=True)
class Sent:
    """One thing the bot did that members see: an event it sent (`event`), or an `invite`, `kick` or new
    private room (`dm`) for `user_id`."""

    room_id: str
    action: str = "event"
    event_id: str = ""
    user_id: str = ""


class Recorder:
    """Wraps the bot's nio client methods that change what members see, and logs each in order."""

    def __init__(self) -> None:
        self.log: list[Sent] = []
        self._ids: set[str] = set()

    def _add(self, sent: Sent) -> None:
        if sent.event_id and sent.event_id in self._ids:  # a retry with the same txn id: the same event
            return
        self._ids.add(sent.event_id)
        self.log.append(sent)

    def attach(self, client: AsyncClient) -> None:
        if getattr(client, "_story_recorded", False):
            return
        client._story_recorded = True  # type: ignore[attr-defined]

        def watch(name: str, what: Callable[[Any, tuple[Any, ...], dict[str, Any]], Sent | None]) -> None:
            method: Callable[..., Awaitable[Any]] = getattr(client, name)

            async def wrapped(*args: Any, **kwargs: Any) -> Any:
                response = await method(*args, **kwargs)
                sent = what(response, args, kwargs)
                if sent is not None:
                    self._add(sent)
                return response

            setattr(client, name, wrapped)

        def event(kind: type) -> Callable[[Any, tuple[Any, ...], dict[str, Any]], Sent | None]:
            return lambda r, a, k: Sent(a[0], event_id=str(r.event_id)) if isinstance(r, kind) else None

        def member(action: str) -> Callable[[Any, tuple[Any, ...], dict[str, Any]], Sent | None]:
            return lambda r, a, k: Sent(a[0], action, user_id=a[1]) if not _is_error(r) else None

        def created(r: Any, a: tuple[Any, ...], k: dict[str, Any]) -> Sent | None:
            invite = k.get("invite") or []
            return Sent(r.room_id, "dm", user_id=invite[0]) if isinstance(r, RoomCreateResponse) and invite else None

        watch("room_send", event(RoomSendResponse))
        watch("room_redact", event(RoomRedactResponse))
        watch("room_put_state", event(RoomPutStateResponse))
        watch("room_invite", member("invite"))
        watch("room_kick", member("kick"))
        watch("room_create", created)


def _is_error(response: Any) -> bool:
    return type(response).__name__.endswith("Error")


@dataclass
class Card:
    """A message of the bot's as members see it now: where, and what can be pressed on it."""

    room_id: str
    event_id: str
    prefix: str
    links: dict[str, str] = field(default_factory=dict)  # link button label -> its address
    reactions: dict[str, str] = field(default_factory=dict)  # bot reaction event id -> key, in order
    poll: dict[str, str] = field(default_factory=dict)  # option label -> answer id
    multi: bool = False


class Transcript:
    """The console-form lines of what the bot did, written as each `Sent` is shown with its witnessed event."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names  # user id -> how the story calls him ("@magbot" for the bot)
        self.lines: list[str] = []
        self.rooms: dict[str, str] = {}  # room id -> "[group]" / "[dm sam]"
        self.cards: dict[str, Card] = {}  # in the order the bot posted them
        self.threads: dict[str, int] = {}  # root event id -> the console's thread number
        self.thread_of: dict[str, str] = {}  # event id -> its thread's root
        self.authors: dict[str, str] = {}  # a member's event id -> his display name
        self.redacted: set[str] = set()
        self.pressed: dict[str, str] = {}  # a member's reaction -> "sam's [Okay]"
        self.muted: set[str] = set()
        self._open: dict[str, tuple[int, str]] = {}  # card -> its newest line (index, text), buttons to come

    # ---------------------------------------------------------------- writing

    def note(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        """Finish every open line: a card's buttons are the reactions it has once the bot is done with it."""
        for event_id in list(self._open):
            self._finish(self.cards[event_id])

    def _finish(self, card: Card) -> None:
        index, text = self._open.pop(card.event_id)
        labels = " ".join(f"[{key}]" for key in card.reactions.values())
        self.lines[index] = f"{text} {labels}" if labels else text

    def _start(self, text: str, card: Card) -> None:
        """A line for `card`; its buttons are filled in when the card's next line starts, or at `close`."""
        if card.event_id in self._open:
            self._finish(card)
        self._open[card.event_id] = (len(self.lines), text)
        self.lines.append(text)

    def plain(self, text: str) -> str:
        for user_id, name in self.names.items():
            text = text.replace(user_id, name)
        return text

    # ---------------------------------------------------------------- what each thing the bot did looks like

    def show(self, sent: Sent, source: dict[str, Any] | None) -> None:
        prefix = self.rooms.get(sent.room_id, "[room]")
        who = self.names.get(sent.user_id, sent.user_id)
        if sent.action == "invite":
            self.note(f"{prefix} ({who.lstrip('@')} invited)")
        elif sent.action == "kick":
            self.note(f"{prefix} ({who.lstrip('@')} removed from the room)")
        elif sent.action == "event" and source is None:
            self.note(f"{prefix} (not received: {sent.event_id})")
        elif sent.action == "event" and source is not None:
            self._event(sent, prefix, source)

    def _event(self, sent: Sent, prefix: str, source: dict[str, Any]) -> None:
        kind, content = source.get("type"), source.get("content") or {}
        relates = content.get("m.relates_to") or {}
        if kind == "m.reaction":
            card = self.cards.get(relates.get("event_id", ""))
            if card is not None:
                card.reactions[sent.event_id] = str(relates.get("key"))
        elif kind == "m.room.redaction":
            self._redaction(prefix, str(source.get("redacts") or content.get("redacts") or ""))
        elif kind == "m.room.message":
            self._message(sent, prefix, content, relates)
        elif kind in ("m.poll.start", "org.matrix.msc3381.poll.start"):
            self._poll(sent, prefix, content)
        elif kind in ("m.poll.end", "org.matrix.msc3381.poll.end"):
            self.note(f"{prefix} (poll closed)")
        elif kind == "m.room.power_levels":
            users = content.get("users") or {}
            for user_id in sorted(u for u, level in users.items() if level < 0 and u not in self.muted):
                self.muted.add(user_id)
                self.note(f"{prefix} ({self.names.get(user_id, user_id).lstrip('@')} muted)")
            for user_id in sorted(u for u in self.muted if users.get(u, 0) >= 0):  # his level given back
                self.muted.discard(user_id)
                self.note(f"{prefix} ({self.names.get(user_id, user_id).lstrip('@')} can post again)")
        else:
            self.note(f"{prefix} ({kind})")

    def _redaction(self, prefix: str, target: str) -> None:
        self.redacted.add(target)
        for card in self.cards.values():
            if target in card.reactions:  # a button the bot took off its card
                del card.reactions[target]
                return
        if target in self.cards:
            self.note(f"{self.cards[target].prefix} (message deleted)")
        elif target in self.authors:
            self.note(f"{prefix} ({self.authors[target]}'s message deleted)")
        elif target in self.pressed:  # so nobody sees who pressed what: everyone's client shows it gone
            self.note(f"{prefix} ({self.pressed[target]} taken back)")

    def _message(self, sent: Sent, prefix: str, content: dict[str, Any], relates: dict[str, Any]) -> None:
        if relates.get("rel_type") == "m.replace":
            card = self.cards.get(str(relates.get("event_id")))
            new = content.get("m.new_content") or {}
            where = card.prefix if card else prefix
            if card is not None:
                card.links = _links(str(new.get("body", "")))
            if card is None:
                self.note(f"{where} (edited) {self._text(new)}")
            else:
                self._start(f"{where} (edited) {self._text(new)}", card)
            return
        if relates.get("rel_type") == "m.thread":
            root = str(relates.get("event_id"))
            self.threads.setdefault(root, len(self.threads) + 1)
            self.thread_of[sent.event_id] = root
            prefix = f"[thread {self.threads[root]}]"
        card = Card(sent.room_id, sent.event_id, prefix, _links(str(content.get("body", ""))))
        self.cards[sent.event_id] = card
        self._start(f"{prefix} {self._text(content)}", card)

    def _text(self, content: dict[str, Any]) -> str:
        body = self.plain(str(content.get("body", "")))
        kind = content.get("msgtype")
        if kind in ("m.file", "m.image"):
            return f"FILE {body}"
        text = _card_text(body)
        if kind == "m.notice":
            text = "(notice) " + text
        if str(content.get("formatted_body", "")).startswith("<span data-mx-spoiler>"):
            text = "(spoiler) " + text
        return text

    def _poll(self, sent: Sent, prefix: str, content: dict[str, Any]) -> None:
        poll = content.get("m.poll") or {}
        question = poll.get("question", {}).get("m.text", [{}])[0].get("body", "")
        answers = {a["m.text"][0]["body"]: str(a["m.id"]) for a in poll.get("answers", [])}
        card = Card(sent.room_id, sent.event_id, prefix, poll=answers, multi=poll.get("max_selections", 1) > 1)
        self.cards[sent.event_id] = card
        self.note(f"{prefix} (poll) {self.plain(question)} " + " ".join(f"[{a}]" for a in answers))


def _card_text(body: str) -> str:
    """The text, then its link lines; the last line of `[Label]`s (the fallback for reactions) is left out."""
    head, separator, tail = body.rpartition("\n\n")
    extra = tail.splitlines()
    if separator and extra and all(LINK.match(line) or LABELS.match(line) for line in extra):
        return " / ".join([one_line(head), *(line for line in extra if not LABELS.match(line))])
    return one_line(body)


def _links(body: str) -> dict[str, str]:
    _, separator, tail = body.rpartition("\n\n")
    pairs = [line.rsplit(": ", 1) for line in tail.splitlines() if LINK.match(line)] if separator else []
    return {label: url for label, url in pairs}
