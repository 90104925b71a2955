"""Polls through the dispatcher: members' votes only, changed votes, /endpoll, deadlines across a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.events import ChatRef, Command, MessageRef, PollVote, UserRef
from tests.conftest import START, settings_for, sqlite_url
from tests.story import console_app, story

GROUP = ChatRef("console", "group")


async def founded(app: App) -> None:
    await story(app).say("dave: hi", "sam: hi", "tom: hi", "dave: /setup")


async def rows(app: App, sql: str) -> list[tuple]:
    async with app.uow() as uow:
        return [tuple(r) for r in await uow.session.execute(text(sql))]


async def test_only_members_votes_count_and_a_new_vote_replaces_the_old(app: App) -> None:
    await founded(app)
    lines = await story(app).say("dave: /poll Tea or coffee? | Tea | Coffee")
    assert lines[0] == "[group] Tea or coffee? [Tea] [Coffee]"
    assert lines[1].startswith("[group] Poll from Dave. Votes are anonymous. Closes")
    # A stranger's press: not counted, and the pop-up every members-only button gives (issue 12).
    assert await story(app).say("eve [Coffee]") == ["[toast eve] These buttons are for group members."]
    await story(app).say("sam [Tea]", "sam [Coffee]", "tom [Coffee]")
    assert await rows(app, "SELECT member_id, option FROM poll_votes ORDER BY member_id") == [(2, 1), (3, 1)]
    lines = await story(app).say("dave: /endpoll")
    assert lines == [
        "[group] (poll closed)",
        "[group] Poll closed: Tea or coffee? / - Tea: 0 / - Coffee: 2 / 2 people voted.",
    ]
    assert await rows(app, "SELECT * FROM poll_votes") == []  # only the counts are kept
    assert await story(app).say("sam [Tea]") == ["[toast sam] This poll has closed."]


async def test_a_multi_answer_vote_is_the_whole_set_and_an_empty_one_takes_it_back(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /poll Which days? | Mon | Tue | Wed multi named")

    async def vote(key: str, user: str, options: tuple[int, ...]) -> None:
        at = app.clock.now()
        await app.dispatcher.dispatch(PollVote(key, GROUP, UserRef("console", user, user), at, "poll:1", options))

    await vote("v1", "sam", (0, 2))
    await vote("v2", "tom", (1,))
    await vote("v3", "tom", ())
    await vote("v4", "dave", (0, 7))  # an option that isn't there is ignored
    lines = await story(app).say("dave: /endpoll")
    assert (
        lines[-1]
        == "[group] Poll closed: Which days? / - Mon: 2 (Dave, Sam) / - Tue: 0 / - Wed: 1 (Sam) / 2 people voted."
    )


async def test_only_the_creator_ends_a_poll_also_by_replying_to_it(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /poll Tea? | yes | no", "sam: /poll Pub? | yes | no")
    assert await story(app).say("tom: /endpoll") == ["[group] Only the person who started a poll can end it."]
    assert (await story(app).say("dave: /polls"))[0] == (
        "[group] Open polls: / - Tea? (closes Monday 30 November, 10:00) / - Pub? (closes Monday 30 November, 10:00)"
    )
    async with app.uow() as uow:
        place = await uow.cards.find("console", "group", "poll:1")
    assert place is not None
    reply = MessageRef(GROUP, place.message_id)
    at = app.clock.now()
    refused = Command("e1", GROUP, UserRef("console", "sam", "Sam"), at, name="endpoll", reply_to=reply)
    await app.dispatcher.dispatch(refused)
    await app.outbox.flush()
    assert story(app).transcript.splitlines()[-1] == "[group] Only the person who started a poll can end it."
    assert (await story(app).say("sam: /endpoll"))[-1].startswith("[group] Poll closed: Pub?")
    assert await story(app).say("sam: /endpoll") == ["[group] Only the person who started a poll can end it."]
    assert (await story(app).say("dave: /endpoll"))[-1].startswith("[group] Poll closed: Tea?")
    assert await story(app).say("dave: /endpoll", "dave: /polls") == [
        "[group] There's no open poll to end. /polls shows the open ones.",
        "[group] No open polls right now. Start one with /poll.",
    ]


async def test_the_guided_poll_asks_step_by_step(app: App) -> None:
    await founded(app)
    lines = await story(app).say(
        "sam> /poll", "sam> Curry on Friday?", "sam> Yes", "sam [Done]", "sam> yes", "sam> No", "sam> done",
        "sam [One answer]", "sam [Named]", "sam [In 3 days]",
    )  # fmt: skip
    assert lines[:8] == [
        "[dm sam] What's the question? (Or do it in one go: /poll Football on Saturday? | Yes | No | Maybe closes "
        "friday 18:00) [Cancel]",
        "[dm sam] Now the answers people can pick, one message each. Press Done when you have them all. [Done] "
        "[Cancel]",
        "[dm sam] Got it: Yes. Next one, or press Done. [Done] [Cancel]",
        "[dm sam] A poll needs at least two answers. What's the next one? [Done] [Cancel]",
        "[dm sam] You have yes already. Next one, or press Done. [Done] [Cancel]",
        "[dm sam] Got it: No. Next one, or press Done. [Done] [Cancel]",
        "[dm sam] Can people pick one answer, or several? [One answer] [Several] [Cancel]",
        "[dm sam] Should the result show who voted what? [Anonymous] [Named] [Cancel]",
    ]
    assert lines[8] == "[dm sam] When should the poll close? [In a day] [In 3 days] [In a week] [Pick a time] [Skip] " \
                       "[Cancel]"
    assert lines[9:] == [
        "[group] Curry on Friday? [Yes] [No]",
        "[group] Poll from Sam. Names are shown. Closes Thursday 26 November, 10:00.",
        "[dm sam] Your poll is up in the group.",
    ]
    assert await story(app).say("sam [Named]") == ["[toast sam] That poll has timed out. Type /poll to start again."]


async def test_a_guided_multi_answer_poll_with_a_time_says_what_a_press_did(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /poll", "dave: Food?", "dave: Pizza", "dave: Curry", "dave [Done]", "dave: several")
    assert await story(app).say("dave [Anonymous]", "dave [Pick a time]", "dave: someday") == [
        "[group] When should the poll close? [In a day] [In 3 days] [In a week] [Pick a time] [Skip] [Cancel]",
        "[group] When should it close? For example: friday 18:00, tomorrow 19:00, or 2d (two days). [Cancel]",
        "[group] I can't tell when that is. Write it like friday 18:00, 2d (two days) or 3h (three hours). [Cancel]",
    ]
    lines = await story(app).say("dave: friday 18:00")
    assert lines[1] == (
        "[group] Poll from Dave. Votes are anonymous, pick as many as you like. Closes Friday 27 November, 18:00."
    )
    assert await story(app).say("sam [Pizza]", "sam [Curry]", "sam [Pizza]") == [
        "[toast sam] Added: Pizza. Press it again to take it back.",
        "[toast sam] Added: Curry. Press it again to take it back.",
        "[toast sam] Taken back: Pizza.",
    ]
    assert await rows(app, "SELECT member_id, option FROM poll_votes") == [(2, 1)]


async def test_endpoll_ends_the_poll_its_words_name_and_asks_which_when_several(app: App) -> None:
    await founded(app)
    nothing = ["[group] There's no open poll to end. /polls shows the open ones."]
    assert await story(app).say("dave: /endpoll") == nothing
    await story(app).say("dave: /poll Curry? | yes | no", "dave: /poll Pizza tonight? | yes | no")
    assert await story(app).say("dave: /endpoll chips") == [
        '[group] No open poll matches "chips". Try a word of its question, like: /endpoll Pizza. /polls shows them.'
    ]
    assert (await story(app).say("dave: /endpoll pizza"))[-1].startswith("[group] Poll closed: Pizza tonight?")
    await story(app).say("dave: /poll Pub? | yes | no")
    assert await story(app).say("dave: /endpoll") == ["[group] Which poll do you want to end? [Curry?] [Pub?] [Cancel]"]
    assert (await story(app).say("dave [Pub?]"))[-1].startswith("[group] Poll closed: Pub?")
    assert await story(app).say("sam: /endpoll curry") == ["[group] Only the person who started a poll can end it."]
    assert (await story(app).say("dave: /endpoll"))[-1].startswith("[group] Poll closed: Curry?")


async def test_a_poll_closes_on_its_deadline_after_a_restart(tmp_path: Path) -> None:
    settings, clock = settings_for(sqlite_url(tmp_path), tmp_path), ManualClock(START)
    async with console_app(settings, clock) as first:
        await founded(first)
        await story(first).say("dave: /poll Tea? | yes | no closes 3h", "sam [yes]", "tom [no]", "dave [yes]")
    clock.advance(timedelta(hours=5))  # down over the deadline
    async with console_app(settings, clock) as second:
        await second.scheduler.tick()
        await second.outbox.flush()
        assert story(second).transcript.splitlines() == [
            "[group] (poll closed)",
            "[group] Poll closed: Tea? / - yes: 2 / - no: 1 / 3 people voted.",
        ]
        await second.scheduler.tick()
        await second.outbox.flush()
        assert len(story(second).transcript.splitlines()) == 2  # once only


async def test_forgetme_takes_open_votes_and_the_creators_name(app: App) -> None:
    await founded(app)
    await story(app).say("sam: /poll Tea? | yes | no", "sam [yes]", "tom [no]", "sam> /forgetme", "sam [Yes]")
    assert await rows(app, "SELECT member_id FROM poll_votes") == [(3,)]
    assert await rows(app, "SELECT creator_id FROM polls") == [(None,)]
