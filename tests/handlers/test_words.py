"""Issue 14's words: /notice calls nothing off by a keyword, no text is cut without a word, times read as written."""

from __future__ import annotations

from magbot.app import App
from magbot.core.router import MAX_ARGS
from magbot.domain import limits
from tests.story import story

SETUP = ("dave: /setup", "sam [I'm a member]", "tom [I'm a member]", "dave [Open a private chat with me]",
         "dave> /start", "sam> /start")  # fmt: skip
WHEN = "Thursday 26 November, 18:30"  # the first meeting after the tests' START (Monday 23 November, 10:00)


async def test_no_word_in_a_notice_cancels_the_meeting(app: App) -> None:
    await story(app).say(*SETUP)
    lines = await story(app).say("dave: /notice Not cancelled! Just moved to room 2")
    assert lines == [
        f"[group] Notice about the meeting {WHEN} (from Dave): Not cancelled! Just moved to room 2",
        f"[group] Dave, is this week's meeting off? ({WHEN}) [Yes, it's off] [No, just a notice]",
    ]
    assert await story(app).say("dave [No, just a notice]") == [
        "[toast dave] Okay, just a notice.",
        "[group] (edited) Okay, it's just a notice. The meeting is still on.",
    ]
    reminders = await story(app).say(":at 2026-11-25 18:00")
    assert any(line.startswith("[group] Reminder: our meeting is tomorrow") for line in reminders)


async def test_the_poster_calls_it_off_and_anyone_puts_it_back_on(app: App) -> None:
    await story(app).say(*SETUP, "sam: /notice The hall is flooded")
    assert await story(app).say("tom [Yes, it's off]") == [
        "[toast tom] This question is for whoever posted the notice."
    ]
    lines = await story(app).say("sam [Yes, it's off]")
    assert lines == [
        "[toast sam] Called off.",
        "[group] (edited) Okay, I've told the group the meeting is off.",
        f"[group] Sam called off the meeting {WHEN}: The hall is flooded / No reminders will go out for it. "
        "If it's back on, anyone can press the button. [It's back on]",
    ]
    assert await story(app).say("dave: /remind") == [f"[group] The meeting {WHEN} is cancelled, so no reminder."]
    lines = await story(app).say("tom [It's back on]")
    assert lines == [
        "[toast tom] It's back on.",
        f"[group] (edited) The meeting {WHEN} was called off, then put back on.",
        f"[group] Tom says the meeting {WHEN} is back on. Reminders will go out as usual.",
    ]
    reminders = await story(app).say(":at 2026-11-25 18:00")
    assert any(line.startswith("[group] Reminder: our meeting is tomorrow") for line in reminders)


async def test_a_notice_from_the_private_chat_asks_there(app: App) -> None:
    await story(app).say(*SETUP)
    lines = await story(app).say("dave> /notice", "dave> Room 2 this week")
    assert lines[0] == "[dm dave] What should I tell the group about the next meeting? One message, please " \
                       "(up to 500 letters). [Cancel]"
    assert lines[1:] == [
        f"[group] Notice about the meeting {WHEN} (from Dave): Room 2 this week",
        f"[dm dave] Done, it's posted in the group. Dave, is this week's meeting off? ({WHEN}) "
        "[Yes, it's off] [No, just a notice]",
    ]


async def test_a_long_anonymous_offload_is_refused_not_cut(app: App) -> None:
    await story(app).say(*SETUP)
    asked = await story(app).say("dave> /offload")
    assert "(up to 2,000 letters)" in asked[0]
    long = "word " * 1000  # 4,999 letters once tidied
    assert await story(app).say(f"dave> {long}") == [
        "[dm dave] That's 2,999 letters too long: an offload can be up to 2,000 letters. Nothing was posted. "
        "Please shorten it and send it again."
    ]
    lines = await story(app).say("dave> " + "x" * 2000)  # the step is still waiting: the shorter text is taken
    assert lines[0].startswith("[dm dave] Is it a heavy topic?")


async def test_the_same_limit_in_the_group(app: App) -> None:
    await story(app).say(*SETUP)
    [refusal] = await story(app).say("dave: /offload " + "y" * 2001)
    assert refusal == (
        "[group] That's 1 letter too long: an offload can be up to 2,000 letters. Nothing was posted. "
        "Please shorten it and send it again."
    )
    assert limits.LONGEST < MAX_ARGS.letters  # the router never speaks first, with another number


async def test_long_checkin_words_are_refused_and_asked_again(app: App) -> None:
    await story(app).say(*SETUP)
    asked = await story(app).say("sam> /checkin", "sam [Okay]")
    assert "(up to 500 letters)" in asked[-1]
    assert await story(app).say("sam> " + "z" * 2500) == [
        "[dm sam] That's 2,000 letters too long: the words with a check-in can be up to 500 letters. "
        "Nothing was posted. Please shorten them and send them again, or press Skip."
    ]
    lines = await story(app).say("sam> Better today", "sam [Share with the group]")
    assert '[group] Sam checked in: Okay / "Better today"' in lines


async def test_a_long_reminder_note_is_refused(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("dave: /remind " + "n" * 301) == [
        "[group] That's 1 letter too long: a note on the reminder can be up to 300 letters. Nothing was posted. "
        "Please shorten it and send /remind with it again."
    ]
    assert await story(app).say("dave: /notice " + "n" * 510) == [
        "[group] That's 10 letters too long: a notice can be up to 500 letters. Nothing was posted. "
        "Please shorten it. For example: /notice We're in Room 2 this week."
    ]


async def test_times_are_read_as_people_write_them(app: App) -> None:
    await story(app).say(*SETUP)
    lines = await story(app).say("dave: /poll Curry? | Yes | No closes 28/11 19:00")
    assert "Closes Saturday 28 November, 19:00." in " ".join(lines)
    lines = await story(app).say("dave: /poll Pizza? | Yes | No closes next saturday 7pm")
    assert "Closes Saturday 28 November, 19:00." in " ".join(lines)
    assert await story(app).say("dave: /poll Chips? | Yes | No closes yesterday 19:00") == [
        "[group] That's already gone. Write a time still to come, like closes friday 18:00, closes 2d (two days) "
        "or closes 3h (three hours)."
    ]
    lines = await story(app).say("dave: /activity Football | every week saturday 10:00 | Pollok Park")
    assert lines[0] == (
        "[group] Football, organised by Dave / Saturday 28 November, 10:00, Pollok Park / Every week. / "
        "Nobody's in yet. [I'm in] [Maybe] [Can't] [Call it off]"
    )
