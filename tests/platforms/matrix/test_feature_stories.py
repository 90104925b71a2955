"""The console's feature stories (tests/e2e/stories) played on Matrix, in an encrypted room, as members use it.

Members are real nio clients. `dave [Label]` is a reaction with that key on the newest of the bot's cards that
offers it; `dave -> text` is a message in the `m.thread` of an offload; `:at` moves the bot's ManualClock and runs
the scheduler (`Bot.at`). Issues 5 (meetings and agenda), 6 (polls and decisions) and 7 (check-ins, offloads).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from nio import Event, ReactionEvent, RedactionEvent

from magbot.core.events import PollVote, Text
from tests.platforms.matrix.conftest import ENV, Bot, Member, Pred, group_with, joined

pytestmark = pytest.mark.skipif(ENV is None, reason="MAGBOT_TEST_HOMESERVER is not set")

LONDON = ZoneInfo("Europe/London")
KNOCK = {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}}


# ---------------------------------------------------------------- what members see


def content_of(event: Event) -> dict[str, Any]:
    return dict((event.source or {}).get("content") or {})


def taken_back(sender: str, room: str) -> Pred:
    """The bot redacted a member's reaction in `room`, so nobody else sees which button he pressed."""

    def pred(room_id: str, event: Event) -> bool:
        return room_id == room and event.sender == sender and (event.source or {}).get("type") == "m.room.redaction"

    return pred


def post(sender: str, room: str, contains: str = "") -> Pred:
    """A new m.room.message (not an edit) from `sender` in `room` whose body holds `contains`."""

    def pred(room_id: str, event: Event) -> bool:
        content = content_of(event)
        return (
            room_id == room
            and event.sender == sender
            and (event.source or {}).get("type") == "m.room.message"
            and (content.get("m.relates_to") or {}).get("rel_type") != "m.replace"
            and contains in str(content.get("body", ""))
        )

    return pred


def edit(sender: str, room: str, target: str, contains: str = "") -> Pred:
    """An `m.replace` of `target` whose new body holds `contains`."""

    def pred(room_id: str, event: Event) -> bool:
        content = content_of(event)
        relates = content.get("m.relates_to") or {}
        return (
            room_id == room
            and event.sender == sender
            and relates.get("rel_type") == "m.replace"
            and relates.get("event_id") == target
            and contains in str((content.get("m.new_content") or {}).get("body", ""))
        )

    return pred


def of_type(kind: str, room: str) -> Pred:
    return lambda room_id, event: room_id == room and (event.source or {}).get("type") == kind


def in_thread(event: Event) -> str | None:
    relates = content_of(event).get("m.relates_to") or {}
    return relates.get("event_id") if relates.get("rel_type") == "m.thread" else None


def offered(member: Member, bot: Bot, room: str, label: str) -> list[str]:
    """The bot's cards in `room` that still offer `label` (its own reaction, not taken back), oldest first."""
    gone = {e.redacts for r, e in member.events if r == room and isinstance(e, RedactionEvent)}
    return [
        e.reacts_to
        for r, e in member.events
        if r == room
        and isinstance(e, ReactionEvent)
        and e.sender == bot.user_id
        and e.key == label
        and e.event_id not in gone
    ]


class Story:
    """The console's input lines, for Matrix."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @property
    def me(self) -> str:
        return self.bot.user_id

    async def says(self, member: Member, room: str, text: str, expect: str, where: str | None = None, **extra: Any):
        """`dave: text` (or `dave> text` in his private room): the bot's new message in `where` holding `expect`."""
        mark = member.mark()
        await member.send(room, text, **extra)
        return await self.bot.until(member, post(self.me, where or room, expect), f"{expect!r} after {text!r}", mark)

    async def press(
        self, member: Member, room: str, label: str, expect: Pred, what: str, watcher: Member | None = None
    ):
        """`dave [Label]`: a reaction on the newest card offering Label; `watcher` (default: him) then sees `expect`."""
        await member.sync()
        cards = offered(member, self.bot, room, label)
        assert cards, f"{member.name} sees no card offering [{label}]"
        watcher = watcher or member
        mark = watcher.mark()
        await member.react(room, cards[-1], label)
        return await self.bot.until(watcher, expect, what, mark)

    async def private_room(self, member: Member) -> str:
        """Element's "start a chat" with the bot; it becomes his private chat."""
        dm = await member.open_dm(self.me)
        await self.bot.join_room(member, dm)
        return dm

    async def set_up(self, room: str, founder: Member, *others: Member):
        """`sam: hi`, `tom: hi`, `dave: /setup`: whoever wrote before /setup is a founding member."""
        for other in others:
            await other.send(room, "hi")
        names = ", ".join(m.name for m in (*others, founder))
        card = await self.says(founder, room, "/setup", "Welcome to the group's space")
        for member in (founder, *others):
            assert member.name in content_of(card)["body"], names
        return card


def next_monday_morning(now: datetime) -> datetime:
    """A fixed point in the week (Monday 10:00 London) after `now`, so the stories read the same any day."""
    local = now.astimezone(LONDON)
    days = (7 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


def local(day: datetime, weekday: int, hour: int, minute: int = 0) -> datetime:
    """`weekday` (0 = Monday) of the week starting at `day`, at hour:minute London time."""
    return (day + timedelta(days=weekday - day.weekday())).replace(hour=hour, minute=minute)


# ---------------------------------------------------------------- issue 5: meetings and agenda


async def test_meetings_suggest_remind_rsvp_covered_and_roll_over(bot: Bot, make_member: Any) -> None:
    monday = next_monday_morning(bot.clock.now())
    bot.clock.set(monday)
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    story = Story(bot)
    sam_dm = await story.private_room(sam)
    await story.set_up(room, dave, sam, tom)

    # Three topics: one named, one anonymous from a private chat, one by the guided flow.
    await story.says(dave, room, "/suggest Housing and the council", "Dave suggests for the next meeting: Housing")
    job_centre = await story.says(
        sam, sam_dm, "/suggest Dealing with the job centre", "Someone suggests for the next meeting", where=room
    )
    assert "Sam" not in content_of(job_centre)["body"]
    await sam.wait_for(post(bot.user_id, sam_dm, "without your name"), "the private thanks")
    await story.says(tom, room, "/suggest", "What would you like to talk about")
    football = await story.says(tom, room, "Football on Saturdays", "Tom suggests for the next meeting: Football")

    # +1s: the card is edited in place with the count; his own +1 gets a short answer.
    await story.press(sam, room, "+1", edit(bot.user_id, room, football.event_id, "+1s: 1"), "one +1")
    await story.press(dave, room, "+1", edit(bot.user_id, room, football.event_id, "+1s: 2"), "two +1s")
    # A press in the room is taken back (reactions are public); the short answer goes to a private room, and
    # Tom has none yet, so the room shows nothing more than the card.
    await story.press(tom, room, "+1", taken_back(bot.user_id, room), "his reaction taken back")
    assert bot.results[-1].toast == "That's your own suggestion."

    # The day before at 18:00: the reminder, with the agenda (most +1s first) and the two reactions.
    mark = dave.mark()
    await bot.at(local(monday, 2, 18))
    reminder = await dave.wait_for(post(bot.user_id, room, "Reminder: our meeting is tomorrow"), "the reminder", mark)
    body = content_of(reminder)["body"]
    assert body.index("Football on Saturdays (+2)") < body.index("Housing") and "Dealing with the job centre" in body
    await dave.wait_until(lambda: len(offered(dave, bot, room, "Can't make it")) == 1, "see both reactions")
    assert offered(dave, bot, room, "I'll be there") == [reminder.event_id]

    await story.press(dave, room, "I'll be there", edit(bot.user_id, room, reminder.event_id, "Coming (1): Dave."), "1")
    second = edit(bot.user_id, room, reminder.event_id, "Coming (2): ")
    edited = await story.press(sam, room, "I'll be there", second, "the count edited in place")
    coming = content_of(edited)["m.new_content"]["body"].splitlines()[-3]
    assert coming in ("Coming (2): Dave, Sam.", "Coming (2): Sam, Dave."), coming  # member order, not answer order
    assert offered(sam, bot, room, "I'll be there") == [reminder.event_id]  # still one card, edited in place

    # After the meeting: which topics were covered? One is; the others roll over to next week.
    mark = dave.mark()
    await bot.at(local(monday, 3, 20, 30))
    question = await dave.wait_for(post(bot.user_id, room, "Which topics did we cover today?"), "the question", mark)
    housing = "Covered: Housing and the council"
    await dave.wait_until(lambda: len(offered(dave, bot, room, housing)) == 1, "see the Covered reactions")
    await story.press(dave, room, housing, edit(bot.user_id, room, question.event_id, "Which topics"), "the edit")
    await dave.wait_until(lambda: not offered(dave, bot, room, housing), "the covered topic's reaction taken away")
    assert offered(dave, bot, room, "Covered: Football on Saturdays") == [question.event_id]

    agenda = await story.says(sam, room, "/agenda", "Agenda for")
    lines = content_of(agenda)["body"].splitlines()
    assert lines[1:] == ["1. Football on Saturdays (+2)", "2. Dealing with the job centre"]


# ---------------------------------------------------------------- issue 6: polls and decisions


async def test_a_poll_counts_members_votes_across_a_restart(bot: Bot, make_member: Any) -> None:
    dave, sam, eve = await make_member("Dave"), await make_member("Sam"), await make_member("Eve")
    room = await group_with(bot, dave, sam)
    story = Story(bot)
    await story.set_up(room, dave, sam)
    await dave.c.room_invite(room, eve.user_id)  # Eve is in the room but not a member of the group
    await eve.accept_invite(room)
    await bot.step(1000)

    mark = sam.mark()
    await dave.send(room, "/poll Tea or coffee? | Tea | Coffee | closes 2h")
    start = await bot.until(sam, of_type("m.poll.start", room), "the poll", mark)
    assert start.decrypted
    content = content_of(start)
    assert [a["m.text"][0]["body"] for a in content["m.poll"]["answers"]] == ["Tea", "Coffee"]
    unstable = content["org.matrix.msc3381.poll.start"]  # what Element reads
    assert unstable["question"]["org.matrix.msc1767.text"] == "Tea or coffee?"
    assert [a["org.matrix.msc1767.text"] for a in unstable["answers"]] == ["Tea", "Coffee"]
    assert content["org.matrix.msc1767.text"].startswith("Tea or coffee?\n1. Tea")  # clients without polls
    await sam.wait_for(post(bot.user_id, room, "Poll from Dave. Votes are anonymous. Closes"), "the poll note")

    def answer(ids: list[str]) -> dict[str, Any]:
        return {"m.relates_to": {"rel_type": "m.reference", "event_id": start.event_id}, "m.selections": ids}

    def msc3381(ids: list[str]) -> dict[str, Any]:  # Element's form
        return {
            "m.relates_to": {"rel_type": "m.reference", "event_id": start.event_id},
            "org.matrix.msc3381.poll.response": {"answers": ids},
        }

    await eve.wait_for(lambda r, e: e.event_id == start.event_id, "the poll")
    mark = sam.mark()
    await dave.send_event(room, "m.poll.response", answer(["0"]))
    await sam.send_event(room, "org.matrix.msc3381.poll.response", msc3381(["0"]))
    await sam.send_event(room, "org.matrix.msc3381.poll.response", msc3381(["1"]))  # changed his mind
    await eve.send_event(room, "m.poll.response", answer(["0"]))  # not a member: does not count
    while len([i for i in bot.seen if isinstance(i, PollVote)]) < 4:
        await bot.step(1000)
    assert [v.sender.user_id for v in bot.seen if isinstance(v, PollVote)][-1] == eve.user_id

    # The process restarts (new App and platform on the same database and store) with nothing new in the room
    # since its last sync, so the first sync brings back the saved token; the deadline passes.
    await bot.restart_app()
    mark = sam.mark()
    await bot.at(bot.clock.now() + timedelta(hours=2, minutes=1))
    end = await sam.wait_for(of_type("m.poll.end", room), "the poll's end", mark)
    assert content_of(end)["m.relates_to"] == {"rel_type": "m.reference", "event_id": start.event_id}
    assert "org.matrix.msc3381.poll.end" in content_of(end)
    result = await sam.wait_for(post(bot.user_id, room, "Poll closed: Tea or coffee?"), "the result", mark)
    assert content_of(result)["body"].splitlines()[1:] == ["- Tea: 1", "- Coffee: 1", "2 people voted."]


async def test_secret_ballots_in_private_chats_change_a_setting_and_admit_a_knock(bot: Bot, make_member: Any) -> None:
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    carl = await make_member("Carl")
    room = await group_with(bot, dave, sam, tom, initial_state=[KNOCK])
    story = Story(bot)
    dms = {m.name: await story.private_room(m) for m in (dave, sam, tom)}
    await story.set_up(room, dave, sam, tom)

    ballot = await story.says(dave, room, "/propose voting_hours 24", "Group vote: Change voting_hours to 24?")
    for member in (dave, sam, tom):
        await member.wait_for(post(bot.user_id, dms[member.name], "Group vote: Change voting_hours"), "his ballot")
    # In the room a reaction shows who chose what, so the group's ballot has no vote reactions: a link instead.
    assert "Vote in our private chat with me: https://matrix.to/#/" + bot.user_id in content_of(ballot)["body"]
    assert not [label for label in ("Yes", "No", "Abstain") if offered(dave, bot, room, label)]
    assert offered(sam, bot, dms["Sam"], "Abstain")  # the private ballot has them
    presses = len(bot.seen)
    await sam.react(room, ballot.event_id, "Yes")  # a reaction typed by hand on the group's ballot counts for nothing
    await bot.step(1000)
    assert len(bot.seen) == presses
    await dave.sync()
    mark = dave.mark()

    # Sam and Tom vote Yes privately; the second vote settles it.
    await story.press(sam, dms["Sam"], "Yes", post(bot.user_id, dms["Sam"], "Your vote is in: Yes."), "Sam's vote")
    await story.press(tom, dms["Tom"], "Yes", post(bot.user_id, dms["Tom"], "That settles it"), "Tom's vote")
    result = await dave.wait_for(post(bot.user_id, room, "Vote closed: Change voting_hours to 24?"), "the result")
    assert content_of(result)["body"].splitlines()[1:] == [
        "Passed. Yes 2, No 0, Abstain 0.",
        "Done: voting_hours is now 24.",
    ]
    await dave.wait_for(edit(bot.user_id, room, ballot.event_id, "Group vote (closed)"), "the ballot closed")

    # Nobody in the room can tell who voted what: nothing from the voters there, no name or choice from the bot.
    await dave.sync()
    seen = [(r, e) for r, e in dave.events[mark:] if r == room]
    assert not [e for _, e in seen if e.sender in (sam.user_id, tom.user_id)]
    texts = [str(content_of(e).get("body", "")) for _, e in seen]
    assert not [t for t in texts if "Sam" in t or "Tom" in t or "Your vote" in t], texts

    settings = await story.says(dave, room, "/settings", "Group settings:")
    assert "- voting_hours: 24 (how long a vote stays open)" in content_of(settings)["body"]

    # A stranger knocks: an admission vote; two Yes votes in private, and the bot invites him.
    mark = dave.mark()
    await carl.c.room_knock(room, reason="Sam told me about the group")
    admission = await bot.until(dave, post(bot.user_id, room, "Group vote:"), "the admission vote", mark)
    assert "Carl" in content_of(admission)["body"]
    for member in (sam, tom):
        await member.wait_for(post(bot.user_id, dms[member.name], "Carl"), "his ballot")
    await story.press(sam, dms["Sam"], "Yes", post(bot.user_id, dms["Sam"], "Your vote is in: Yes."), "Sam's vote")
    welcome = post(bot.user_id, room, "Welcome to the group, Carl")
    await story.press(tom, dms["Tom"], "Yes", welcome, "the welcome", watcher=dave)
    await carl.accept_invite(room)
    await dave.wait_for(joined(carl.user_id, room), "Carl in the room")
    await bot.step(1000)
    members = await story.says(carl, room, "/members", "4 members")
    assert "Carl" in content_of(members)["body"]


# ---------------------------------------------------------------- issue 7: check-ins and offloads


async def test_checkins_shared_private_and_rough(bot: Bot, make_member: Any) -> None:
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    story = Story(bot)
    sam_dm, tom_dm = await story.private_room(sam), await story.private_room(tom)
    await story.set_up(room, dave, sam, tom)

    # In the group: Okay -> Skip -> Share with the group.
    await story.says(dave, room, "/checkin", "How are you doing, Dave?")
    await story.press(dave, room, "Okay", post(bot.user_id, room, "Thanks, Dave. Add a few words?"), "words?")
    await story.press(dave, room, "Skip", post(bot.user_id, room, "Share with the group, or keep it"), "share?")
    shared = post(bot.user_id, room, "Dave checked in: Okay")
    await story.press(dave, room, "Share with the group", shared, "the shared check-in", watcher=sam)

    # In private: Good -> Skip -> Just for me; nothing reaches the group.
    mark = dave.mark()
    await story.says(sam, sam_dm, "/checkin", "How are you doing, Sam?")
    await story.press(sam, sam_dm, "Good", post(bot.user_id, sam_dm, "Add a few words?"), "words?")
    await story.press(sam, sam_dm, "Skip", post(bot.user_id, sam_dm, "Share with the group, or keep"), "share?")
    await story.press(sam, sam_dm, "Just for me", post(bot.user_id, sam_dm, "Kept just for you."), "kept")

    # Rough, in the group: the support contacts come privately; the group sees only a short note.
    await story.says(tom, room, "/checkin", "How are you doing, Tom?")
    contacts = post(bot.user_id, tom_dm, "Samaritans 116 123; Breathing Space 0800 83 85 87")
    rough = await story.press(tom, room, "Rough", contacts, "the support contacts in private")
    assert "Let the group know?" in content_of(rough)["body"]
    await tom.wait_for(post(bot.user_id, tom_dm, "I've sent you a private message."), "the note, privately")
    await dave.sync()
    group_texts = [str(content_of(e).get("body", "")) for r, e in dave.events[mark:] if r == room]
    assert not [t for t in group_texts if "Sam" in t or "Samaritans" in t], group_texts


async def test_offloads_named_and_anonymous_with_replies_relayed(bot: Bot, make_member: Any) -> None:
    dave, sam, tom = await make_member("Dave"), await make_member("Sam"), await make_member("Tom")
    room = await group_with(bot, dave, sam, tom)
    story = Story(bot)
    dave_dm, tom_dm = await story.private_room(dave), await story.private_room(tom)
    await story.set_up(room, dave, sam, tom)

    # A named offload: reply mode, then the header (a thread root with the support reactions) and the words in it.
    await story.says(
        dave, room, "/offload heavy court date next week, can't sleep", "How would you like replies, Dave?"
    )
    header = await story.press(dave, room, "Advice welcome", post(bot.user_id, room, "Dave's offload"), "the header")
    words = await dave.wait_for(post(bot.user_id, room, "court date next week"), "the words")
    assert in_thread(words) == header.event_id and in_thread(header) is None
    assert "Heads up: heavy topic." in content_of(header)["body"]
    assert content_of(words)["formatted_body"].startswith("<span data-mx-spoiler>")  # the words behind a spoiler
    await dave.wait_for(post(bot.user_id, dave_dm, "Your offload is up."), "the Keep offer")
    await dave.wait_until(lambda: len(offered(dave, bot, room, "Been there")) == 1, "see the support reactions")
    await story.press(sam, room, "I hear you", edit(bot.user_id, room, header.event_id, "I hear you: 1"), "the count")

    thread = {"rel_type": "m.thread", "event_id": header.event_id, "is_falling_back": True}
    await sam.send(
        room, "hang in there mate", **{"m.relates_to": {**thread, "m.in_reply_to": {"event_id": words.event_id}}}
    )
    await bot.step(1000)
    said = [i for i in bot.seen if isinstance(i, Text)][-1]
    assert (said.text, said.thread, said.sender.user_id) == ("hang in there mate", header.event_id, sam.user_id)

    # `/forget` in the thread: only its author may; then the header and the words are redacted.
    await story.says(sam, room, "/forget", "Only the person who started this offload", **{"m.relates_to": thread})
    refusal = [e for r, e in sam.events if r == room and "Only the person who started" in content_of(e).get("body", "")]
    assert in_thread(refusal[-1]) == header.event_id
    mark = sam.mark()
    await dave.send(room, "/forget", **{"m.relates_to": thread})
    await bot.until(sam, lambda r, e: isinstance(e, RedactionEvent) and e.redacts == header.event_id, "gone", mark)
    assert words.event_id in {e.redacts for r, e in sam.events[mark:] if isinstance(e, RedactionEvent)}

    # An anonymous offload from a private chat: "Someone wants to offload:", replies relayed, answered anonymously.
    quiet = sam.mark()
    await story.says(tom, tom_dm, "/offload", "What's on your mind?")
    await story.says(tom, tom_dm, "I've been drinking again and I don't want anyone to know it's me", "How would you")
    anon = await story.press(
        tom, tom_dm, "Just listen", post(bot.user_id, room, "Someone wants to offload:"), "the header", watcher=sam
    )
    assert "Tom" not in content_of(anon)["body"]
    first = await sam.wait_for(post(bot.user_id, room, "I've been drinking again"), "the words in the thread")
    assert in_thread(first) == anon.event_id

    mark = tom.mark()
    relates = {"rel_type": "m.thread", "event_id": anon.event_id, "is_falling_back": True}
    await sam.send(
        room,
        "you're not alone, call me any time",
        **{"m.relates_to": {**relates, "m.in_reply_to": {"event_id": first.event_id}}},
    )
    relayed = await bot.until(tom, post(bot.user_id, tom_dm, "Sam replied to your offload"), "the relayed reply", mark)
    assert "you're not alone, call me any time" in content_of(relayed)["body"]

    await story.press(tom, tom_dm, "Reply", post(bot.user_id, tom_dm, "Type your answer."), "the prompt")
    mark = sam.mark()
    await tom.send(tom_dm, "thanks, I might")
    answer = await bot.until(sam, post(bot.user_id, room, "Someone (the author): thanks, I might"), "the answer", mark)
    assert in_thread(answer) == anon.event_id
    await tom.wait_for(post(bot.user_id, tom_dm, "Posted in the thread, without your name."), "the confirmation")
    assert not [e for r, e in sam.events[quiet:] if r == room and e.sender == tom.user_id]  # Tom never showed
