"""What the members do in a fault run, and what each action must lead to (the expectations the checks read).

Three members (names chosen so a leak is unmistakable) in four supergroups, set up once, then a seeded random
stream of:

* `dm`: an unknown command in a private chat, `/zq<n>`; exactly one reply "I don't know /zq<n>." in that chat;
* `suggest`: `/suggest pigeonloft<n>x` in a group; exactly one card naming the topic, one row in the database;
* `press`: +1 on a delivered suggestion card by another member; the press answered exactly once, and at the
  end the +1s in the database are those who pressed (a second press takes nothing back: it asks privately);
* `poll`: `/poll Which pigeonloft<n>x? | tea | coffee | named` in a group: exactly one native poll;
* `vote`: a member's answer on a delivered poll, either copy of a poll sent twice (sometimes taken back), with
  the poll's new state before or after it; at the end the database holds each member's last choice;
* `replay`: an update delivered again (same message or press, a new update_id, as after an update_id jump or
  a redelivery): it must change nothing and send nothing (poll answers are not replayed: their event key is
  the update_id, and Telegram never sends an old answer under a new one);
* `jump`: the update ids skip ahead (by up to a million) before the next member's message;
* `outsider`: a +1 press on a card by someone who may not press it: a stranger, a member of another group, a
  member who left; it must be refused (a pop-up saying so) and change nothing.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.faults_fake import FaultyTelegram

MEMBERS = {7101: "Zebedee", 7102: "Quillon", 7103: "Marmaduke"}
GROUPS = (-1009000000001, -1009000000002, -1009000000003, -1009000000004)
STRANGER, OTHER_GROUP_MEMBER, LEFT = 7201, 7202, 7203  # a stranger; set up his own group; joined, then left
OUTSIDERS = {STRANGER: "Ottoline", OTHER_GROUP_MEMBER: "Peregrine", LEFT: "Barnabas"}
OTHER_GROUP = -1009000000099
NAMES = {**MEMBERS, **OUTSIDERS}
TOPIC_WORD = "pigeonloft"  # member text: must reach the group, never the log
DM_WORD = "zq"
WEIGHTS = {"dm": 4, "suggest": 2, "press": 3, "poll": 1, "vote": 2, "replay": 1, "outsider": 1, "jump": 1}


@dataclass
class Expected:
    """What must be seen exactly once (a reply text in a chat), in the order the members asked per chat."""

    replies: dict[str, int] = field(default_factory=dict)  # token -> chat id
    order: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))  # chat -> tokens in order
    suggestions: dict[str, tuple[int, int]] = field(default_factory=dict)  # token -> (group, author)
    presses: dict[str, tuple[str, int]] = field(default_factory=dict)  # callback id -> (token, presser)
    setup_presses: set[str] = field(default_factory=set)
    votes: list[tuple[str, str, int, list[int]]] = field(default_factory=list)  # (poll id, token, voter, answer)
    forbidden: dict[str, tuple[str, int]] = field(default_factory=dict)  # callback id -> (token, outsider)

    def expect_reply(self, token: str, chat: int) -> None:
        self.replies[token] = chat
        self.order[chat].append(token)


class World:
    """Injects members' actions into the fake and remembers what each must produce."""

    def __init__(self, fake: FaultyTelegram, rng: random.Random) -> None:
        self.fake, self.rng = fake, rng
        self.expected = Expected()
        self.injected: list[dict[str, Any]] = []
        self.actions: dict[str, int] = defaultdict(int)
        self._n = 0
        self._seen_polls: dict[str, float] = {}  # poll id -> when the members could first see it

    # -- setup ------------------------------------------------------------------------------------------
    def set_up_groups(self) -> None:
        founder = next(iter(MEMBERS))
        for group in GROUPS:
            self.fake.add_chat(group, title="Thistle")
            self.fake.inject_message(group, founder, "/setup", first_name=MEMBERS[founder])
        for user, name in NAMES.items():
            self.fake.inject_message(user, user, "/start", first_name=name)
        self.fake.add_chat(OTHER_GROUP, title="Elsewhere")
        self.fake.inject_message(OTHER_GROUP, OTHER_GROUP_MEMBER, "/setup", first_name=NAMES[OTHER_GROUP_MEMBER])

    def press_setup_buttons(self) -> bool:
        """Once every setup post is out, the other members press "I'm a member" on each; False until then."""
        posts = [self._card(group, "setup:") for group in GROUPS]
        if any(post is None for post in posts):
            return False
        for group, post in zip(GROUPS, posts, strict=True):
            assert post is not None
            message_id, data = post
            for user in [*list(MEMBERS)[1:], *([LEFT] if group == GROUPS[0] else [])]:
                update = self.fake.inject_callback_query(user, data, group, message_id, first_name=NAMES[user])
                self.expected.setup_presses.add(update["callback_query"]["id"])
        self.fake.inject_message(GROUPS[0], LEFT, "/leave", first_name=NAMES[LEFT])
        return True

    def confirm_leaving(self) -> bool:
        """Barnabas answers "yes" to /leave once its question is out (in his private chat); False until then."""
        card = self._card(LEFT, "leave:yes:")
        if card is None:
            return False
        update = self.fake.inject_callback_query(LEFT, card[1], LEFT, card[0])
        self.expected.setup_presses.add(update["callback_query"]["id"])
        return True

    # -- the random stream ------------------------------------------------------------------------------
    def act(self) -> str:
        kinds = list(WEIGHTS)
        kind = self.rng.choices(kinds, [WEIGHTS[k] for k in kinds])[0]
        if not getattr(self, f"_{kind}")():  # nothing to press or replay yet
            kind = "dm" if self._dm() else kind
        self.actions[kind] += 1
        return kind

    def _dm(self) -> bool:
        user = self.rng.choice(list(MEMBERS))
        self._n += 1
        self.injected.append(self.fake.inject_message(user, user, f"/{DM_WORD}{self._n}"))
        self.expected.expect_reply(f"I don't know /{DM_WORD}{self._n}.", user)
        return True

    def _suggest(self) -> bool:
        user, group = self.rng.choice(list(MEMBERS)), self.rng.choice(GROUPS)
        self._n += 1
        token = f"{TOPIC_WORD}{self._n}x"
        self.injected.append(self.fake.inject_message(group, user, f"/suggest {token}"))
        self.expected.expect_reply(token, group)
        self.expected.suggestions[token] = (group, user)
        return True

    def _press(self) -> bool:
        delivered = [t for t, (g, _) in self.expected.suggestions.items() if self._card(g, "", t) is not None]
        if not delivered:
            return False
        token = self.rng.choice(delivered)
        group, author = self.expected.suggestions[token]
        card = self._card(group, "", token)
        assert card is not None
        presser = self.rng.choice([u for u in MEMBERS if u != author])
        update = self.fake.inject_callback_query(presser, card[1], group, card[0])
        self.injected.append(update)
        self.expected.presses[update["callback_query"]["id"]] = (token, presser)
        return True

    def _poll(self) -> bool:
        user, group = self.rng.choice(list(MEMBERS)), self.rng.choice(GROUPS)
        self._n += 1
        token = f"{TOPIC_WORD}{self._n}x"
        self.injected.append(self.fake.inject_message(group, user, f"/poll Which {token}? | tea | coffee | named"))
        self.expected.expect_reply(token, group)
        return True

    def _vote(self) -> bool:
        """A member answers a poll he has had a second to see (no one votes within milliseconds of a post)."""
        now = time.monotonic()
        for poll_id in self.fake.polls:
            self._seen_polls.setdefault(poll_id, now)
        polls = [
            p
            for p in self.fake.polls.values()
            if TOPIC_WORD in p.question and not p.is_closed and now - self._seen_polls[p.id] >= 1.0
        ]
        if not polls:
            return False
        poll, voter = self.rng.choice(polls), self.rng.choice(list(MEMBERS))
        answer = [] if self.rng.random() < 0.2 else [self.rng.randrange(len(poll.options))]
        # Telegram sends the poll's new state with the answer, in no promised order (poll_copies.py needs it).
        order = self.rng.choice(("before", "after"))
        self.fake.inject_poll_answer(poll.id, voter, answer, poll_update=order)  # not replayable: see the docstring
        token = next(word.rstrip("?") for word in poll.question.split() if word.startswith(TOPIC_WORD))
        self.expected.votes.append((poll.id, token, voter, answer))
        return True

    def _outsider(self) -> bool:
        outsider = self.rng.choice(list(OUTSIDERS))
        groups = (GROUPS[0],) if outsider == LEFT else GROUPS  # he is still a member nowhere else either
        cards = [(t, g) for t, (g, _) in self.expected.suggestions.items() if g in groups]
        cards = [(t, g, c) for t, g in cards if (c := self._card(g, "", t)) is not None]
        if not cards:
            return False
        token, group, (message_id, data) = self.rng.choice(cards)
        update = self.fake.inject_callback_query(outsider, data, group, message_id, first_name=OUTSIDERS[outsider])
        self.injected.append(update)
        self.expected.forbidden[update["callback_query"]["id"]] = (token, outsider)
        return True

    def _jump(self) -> bool:
        """The next update_id jumps ahead, then a member writes (his reply must come as any other)."""
        self.fake.queue.jump(self.rng.randint(2, 10**6))
        return self._dm()

    def _replay(self) -> bool:
        if not self.injected:
            return False
        self.fake.inject_raw(self.rng.choice(self.injected))
        return True

    def _card(self, chat: int, prefix: str, token: str | None = None) -> tuple[int, str] | None:
        """(message id, callback data of its first button) of the bot's card in `chat` matching prefix/token."""
        for message in self.fake.messages(chat):
            if message.get("from", {}).get("id") != self.fake.bot_id:
                continue
            if token is not None and token not in str(message.get("text", "")):
                continue
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    if str(button.get("callback_data", "")).startswith(prefix):
                        return int(message["message_id"]), str(button["callback_data"])
        return None
