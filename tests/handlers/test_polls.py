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
        "sam> /poll", "sam> Curry on Friday?", "sam> Yes", "sam> done", "sam> No", "sam> done", "sam [Named]"
    )
    assert lines[0].startswith("[dm sam] What's the question?")
    assert lines[1].startswith("[dm sam] Now the answers")
    assert lines[3] == "[dm sam] A poll needs at least two answers. What's the next one?"
    assert lines[5] == "[dm sam] Should the result show who voted what? [Anonymous] [Named]"
    assert lines[6:] == [
        "[group] Curry on Friday? [Yes] [No]",
        "[group] Poll from Sam. Names are shown. Closes Monday 30 November, 10:00.",
        "[dm sam] Your poll is up in the group.",
    ]
    assert await story(app).say("sam [Named]") == ["[toast sam] That poll has timed out. Type /poll to start again."]


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
