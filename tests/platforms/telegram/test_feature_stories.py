"""The console's feature stories (tests/e2e/stories) played on Telegram, as members use them from their phones.

A real python-telegram-bot client talks to the local fake Bot API server. `dave [Label]` is a callback query on the
newest message offering that button (`world.press`); `:at` moves the ManualClock, runs the scheduler and flushes
the outbox (`world.at`). Issue 5 (meetings and agenda) and issue 6 (polls and decisions); issue 7 (check-ins and
offloads) is in test_feature_stories_support.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from magbot.core.events import PollVote
from tests.platforms.telegram.conftest import DAVE, GROUP, SAM, STRANGER, TOM, World, labels

CARL, EVE = 7001, 7002


def group_texts(world: World, since: int = 0) -> list[str]:
    return world.texts(GROUP)[since:]


def edits_of(world: World, message_id: int) -> list[str]:
    return [str(p["text"]) for p in world.sent(GROUP, "editMessageText") if p["message_id"] == message_id]


# ---------------------------------------------------------------- issue 5: meetings and agenda


async def test_meetings_suggest_remind_rsvp_covered_and_roll_over(world: World) -> None:
    await world.setup_three()  # Monday 23 November 10:00; the meeting is on Thursdays 18:30, London

    world.say(DAVE, "/suggest Housing and the council")
    world.say(SAM, "/suggest Dealing with the job centre", chat=SAM)  # from his private chat: anonymous
    world.say(TOM, "/suggest Football on Saturdays")
    await world.step()
    housing, job_centre, football = world.fake.messages(GROUP)[-3:]
    assert housing["text"] == "Dave suggests for the next meeting: Housing and the council"
    assert job_centre["text"] == "Someone suggests for the next meeting: Dealing with the job centre"
    assert "Sam" not in job_centre["text"] and labels(job_centre) == ["+1"]
    assert world.texts(SAM)[-1] == "Thanks. It's on the list for the next meeting, without your name."

    # +1s edit the suggestion in place (editMessageText, same message id); his own +1 only gets a pop-up.
    assert await world.press(SAM, "+1") == "+1 given."
    assert await world.press(DAVE, "+1") == "+1 given."
    assert edits_of(world, football["message_id"]) == [
        "Tom suggests for the next meeting: Football on Saturdays\n+1s: 1",
        "Tom suggests for the next meeting: Football on Saturdays\n+1s: 2",
    ]
    assert labels(world.fake.get_message(GROUP, football["message_id"]) or {}) == ["+1"]
    sent = len(world.fake.sent_messages())
    assert await world.press(TOM, "+1") == "That's your own suggestion."
    assert len(world.fake.sent_messages()) == sent

    # The day before at 18:00: the reminder, with the agenda, most +1s first, and the two buttons.
    await world.at(datetime(2026, 11, 25, 18, 0, tzinfo=UTC))
    reminder = world.last_message(GROUP)
    assert reminder["text"].startswith("Reminder: our meeting is tomorrow (Thursday 26 November) at 18:30")
    agenda = "1. Football on Saturdays (+2)\n2. Housing and the council\n3. Dealing with the job centre"
    assert agenda in reminder["text"]
    assert labels(reminder) == ["I'll be there", "Can't make it"]
    assert await world.press(DAVE, "I'll be there") == "See you there."
    assert await world.press(SAM, "I'll be there") == "See you there."
    assert edits_of(world, reminder["message_id"])[-1].endswith("\nComing (2): Dave, Sam.")
    assert world.newest_with(GROUP, "I'll be there")[0]["message_id"] == reminder["message_id"]  # edited in place

    # After the meeting: which topics were covered? One is; the rest roll over to next week.
    for hour, minute in ((16, 30), (18, 30), (20, 30)):
        await world.at(datetime(2026, 11, 26, hour, minute, tzinfo=UTC))
    question = world.last_message(GROUP)
    assert question["text"].startswith("Which topics did we cover today?")
    assert labels(question) == [
        "Covered: Football on Saturdays",
        "Covered: Housing and the council",
        "Covered: Dealing with the job centre",
    ]
    toast = await world.press(DAVE, "Covered: Housing and the council")
    assert toast == "Marked as covered: Housing and the council"
    assert labels(world.fake.get_message(GROUP, question["message_id"]) or {}) == [
        "Covered: Football on Saturdays",
        "Covered: Dealing with the job centre",
    ]
    world.say(SAM, "/agenda")
    await world.step()
    assert world.texts(GROUP)[-1].splitlines() == [
        "Agenda for Thursday 3 December at 18:30:",
        "1. Football on Saturdays (+2)",
        "2. Dealing with the job centre",
    ]


# ---------------------------------------------------------------- issue 6: polls and decisions


async def test_an_anonymous_poll_is_buttons_and_counts_members_votes_across_a_restart(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | closes 2h")
    await world.step()
    # Telegram's anonymous polls never say who voted, and its other polls show everyone's choice: an anonymous
    # poll is a message with one button per answer, and only the bot knows who pressed what.
    assert world.sent(GROUP, "sendPoll") == []
    question = world.last_message_with(GROUP, "Tea or coffee?")
    assert labels(question) == ["Tea", "Coffee"]
    assert world.texts(GROUP)[-1].startswith("Poll from Dave. Votes are anonymous. Closes")

    assert await world.press(DAVE, "Tea") == "Your vote is in. You can change it until the poll closes."
    assert await world.press(STRANGER, "Tea") is None  # in the chat, not a member: not counted
    await world.restart_app()  # a new process on the same database
    await world.press(SAM, "Coffee")
    await world.press(SAM, "Tea")  # he changed his mind
    votes = [i for i in world.seen if isinstance(i, PollVote)]
    assert [v.sender.user_id for v in votes] == [str(DAVE), str(STRANGER), str(SAM), str(SAM)]
    await world.at(world.clock.now() + timedelta(hours=2, minutes=1))
    closed = world.fake.calls_to("editMessageReplyMarkup")[-1]
    assert closed["message_id"] == question["message_id"] and not closed.get("reply_markup")
    assert world.texts(GROUP)[-1].splitlines() == [
        "Poll closed: Tea or coffee?",
        "- Tea: 2",
        "- Coffee: 0",
        "2 people voted.",
    ]


async def test_a_named_poll_is_a_native_poll_whose_answers_count_across_a_restart(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/poll Tea or coffee? | Tea | Coffee | named | closes 2h")
    await world.step()
    (sent_poll,) = world.sent(GROUP, "sendPoll")
    assert sent_poll["question"] == "Tea or coffee?" and sent_poll["is_anonymous"] is False
    (poll,) = world.fake.polls.values()
    world.fake.inject_poll_answer(poll.id, DAVE, [0])
    world.fake.inject_poll_answer(poll.id, STRANGER, [0], first_name="Stranger")  # not counted
    await world.step()
    await world.restart_app()
    world.fake.inject_poll_answer(poll.id, SAM, [1])
    await world.step()
    await world.at(world.clock.now() + timedelta(hours=2, minutes=1))
    assert world.fake.calls_to("stopPoll")[-1]["message_id"] == poll.message_id and poll.is_closed
    assert world.texts(GROUP)[-1].splitlines() == [
        "Poll closed: Tea or coffee?",
        "- Tea: 1 (Dave)",
        "- Coffee: 1 (Sam)",
        "2 people voted.",
    ]


async def test_a_secret_ballot_by_buttons_changes_a_setting(world: World) -> None:
    await world.setup_three()
    world.say(DAVE, "/propose voting_hours 24")
    await world.step()
    ballot = world.last_message(GROUP)
    assert ballot["text"].startswith("Group vote: Change voting_hours to 24?")
    assert labels(ballot) == ["Yes", "No", "Abstain"]
    for user in (DAVE, SAM, TOM):  # the same ballot privately
        assert world.texts(user)[-1].startswith("Group vote: Change voting_hours to 24?")
    since = len(group_texts(world))

    # The pop-up confirms privately; the second Yes settles it.
    assert await world.press(SAM, "Yes") == "Your vote is in: Yes. You can change it until it closes."
    assert await world.press(TOM, "Yes") == "Your vote is in: Yes. That settles it: the result is in the group."
    assert group_texts(world, since) == [
        "Vote closed: Change voting_hours to 24?\nPassed. Yes 2, No 0, Abstain 0.\nDone: voting_hours is now 24."
    ]
    closed = world.fake.get_message(GROUP, ballot["message_id"]) or {}
    assert closed["text"].startswith("Group vote (closed)") and not labels(closed)
    shown = [str(m.get("text", "")) for m in world.fake.messages(GROUP) if m["message_id"] >= ballot["message_id"]]
    assert not [t for t in shown if "Sam" in t or "Tom" in t]  # nobody's name, nobody's choice

    world.say(DAVE, "/settings")
    await world.step()
    assert "- voting_hours: 24 (how long a vote stays open)" in world.texts(GROUP)[-1].splitlines()


async def test_join_requests_are_admitted_or_declined_by_a_group_vote(world: World) -> None:
    await world.setup_three()
    world.fake.inject_chat_join_request(GROUP, CARL, "Carl")
    await world.step()
    admission = world.last_message(GROUP)
    assert admission["text"].startswith("Group vote:") and "Carl" in admission["text"]
    assert labels(admission) == ["Yes", "No", "Abstain"]
    await world.press(SAM, "Yes")
    await world.press(TOM, "Yes")
    assert world.fake.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": CARL}]
    assert world.fake.member_status(GROUP, CARL) == "member"
    assert str(CARL) in await world.member_ids()
    assert any("Welcome to the group, Carl!" in t for t in group_texts(world))

    world.fake.inject_chat_join_request(GROUP, EVE, "Eve")
    await world.step()
    assert "Eve" in world.last_message(GROUP)["text"]
    await world.press(DAVE, "No")
    await world.press(SAM, "No")
    assert world.fake.calls_to("declineChatJoinRequest") == [{"chat_id": GROUP, "user_id": EVE}]
    assert str(EVE) not in await world.member_ids()
    assert not world.fake.calls_to("approveChatJoinRequest")[1:]
    assert "Not this time. Thanks to everyone who voted." in group_texts(world)[-1]
    assert world.fake.member_status(GROUP, EVE) != "member"
