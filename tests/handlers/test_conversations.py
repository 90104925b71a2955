"""Guided conversations through the real dispatcher: every question has `Cancel`, `/cancel` and the stop words
end any flow (and say what was kept), typed answers are taken (`/invite`, `/propose`, the offload author's words
in private), and the small ones: `/checkin <mood>`, `/buddy <himself>`, `/leave` asked privately, a second +1."""

from __future__ import annotations

import pytest

from magbot.app import App
from magbot.handlers.flows import is_stop_word
from tests.story import story

SETUP = ("dave: /setup", "sam [I'm a member]", "tom [I'm a member]")
STOPPED = "Okay, stopped. Nothing was saved."


@pytest.mark.parametrize("word", ["cancel", "Stop", "stop.", "never mind", "Never  mind!", "/cancel"])
def test_the_stop_words_alone_stop(word: str) -> None:
    assert is_stop_word(word)


@pytest.mark.parametrize("text", ["stop the meeting early", "can't stop", "bus stop", "cancelled"])
def test_words_that_only_contain_a_stop_word_are_answers(text: str) -> None:
    assert not is_stop_word(text)


async def test_every_question_has_cancel_and_every_way_out_works(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("dave: /cancel") == [
        "[group] There's nothing to stop: I'm not waiting for an answer from you here."
    ]
    asked = await story(app).say("dave: /suggest")
    assert asked[0].endswith("[Cancel]")
    assert await story(app).say("sam [Cancel]") == ["[toast sam] That question was for someone else."]
    assert await story(app).say("dave [Cancel]") == [f"[group] {STOPPED}"]
    assert await story(app).say("dave [Cancel]") == ["[toast dave] That's over already."]
    for leave in ("stop", "cancel", "never mind", "/cancel"):
        await story(app).say("dave: /suggest")
        assert await story(app).say(f"dave: {leave}") == [f"[group] {STOPPED}"]
    assert await story(app).say("dave: /agenda") == [
        "[group] No suggestions yet for Thursday 26 November, 18:30. For example: /suggest Dealing with the job "
        "centre"
    ]  # "stop" was never posted as a topic


async def test_stopping_after_a_check_in_was_kept_says_so(app: App) -> None:
    await story(app).say(*SETUP)
    await story(app).say("sam: /checkin Good")
    assert await story(app).say("sam: stop") == [
        "[group] Okay. Your check-in is kept just for you, without any words."
    ]


async def test_invite_takes_the_typed_name_in_the_group_and_in_private(app: App) -> None:
    await story(app).say(*SETUP)
    await story(app).say("dave: /invite")
    lines = await story(app).say("dave: Tom Brown")
    assert lines[0].startswith("[group] Group vote: Let Tom Brown join the group?")
    await story(app).say("sam> /invite")
    lines = await story(app).say("sam> @kev")
    assert lines[0].startswith("[group] Group vote: Let kev join the group?")
    assert "[dm sam] It's up for a vote in the group now." in lines


async def test_propose_remove_asks_who_with_buttons(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("dave: /propose remove") == [
        "[group] Who would you propose to remove from the group? [Sam] [Tom] [Cancel]"
    ]
    assert await story(app).say("sam [Tom]") == ["[toast sam] That question was for someone else."]
    lines = await story(app).say("dave [Tom]")
    assert lines[0].startswith("[group] Group vote: Remove Tom from the group?")


async def test_the_guided_propose_takes_each_detail_and_asks_again_when_wrong(app: App) -> None:
    await story(app).say(*SETUP)
    await story(app).say("dave: /propose", "dave [A setting]")
    assert await story(app).say("dave: quorum") == [
        "[group] Now: At least 1/3 of members must vote. What should it be? For example: 1/4 [Cancel]"
    ]
    assert await story(app).say("dave: lots") == [
        "[group] How many members must vote: write a share from 1/5 to all, as a fraction or a percentage. "
        "For example: /propose quorum 1/4 / Now: At least 1/3 of members must vote. [Cancel]"
    ]
    vote = (await story(app).say("dave: 1/4"))[0]
    assert vote.startswith("[group] Group vote: Change how many members must vote to 1/4?")
    await story(app).say("sam: /propose", "sam [A new rule]")
    rule = (await story(app).say("sam: Be on time"))[0]
    assert rule.startswith('[group] Group vote: Add a group rule: "Be on time"?')
    await story(app).say("tom: /propose")
    assert (await story(app).say("tom: rule Phones away"))[0].startswith("[group] Group vote: Add a group rule")


async def test_an_anonymous_author_typing_in_private_is_asked_before_anything_is_posted(app: App) -> None:
    await story(app).say(*SETUP, "dave [Open a private chat with me]", "sam> /start")
    assert await story(app).say("sam> just saying hi") == ["[dm sam] Type /help to see what I can do."]
    await story(app).say("sam> /offload", "sam> rough week", "sam [No]", "sam [Just listen]", "dave -> here for you")
    assert await story(app).say("sam> thanks") == ["[dm sam] Send this to your offload thread? [Yes] [No] [Cancel]"]
    assert await story(app).say("sam [No]") == ["[dm sam] Okay, I didn't send it."]
    await story(app).say("sam> thanks, really")
    assert await story(app).say("sam [Yes]") == [
        "[thread 1] Someone (the author): thanks, really",
        "[dm sam] Posted in the thread, without your name.",
    ]
    assert await story(app).say("dave> hello") == ["[dm dave] Type /help to see what I can do."]  # not his


async def test_offload_words_are_all_posted_and_heavy_is_a_question(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("dave: /offload heavy day at work") == [
        "[group] Is it a heavy topic? If so, I'll put a heads-up at the top, so people can choose when to read it. "
        "[Yes] [No] [Cancel]"
    ]
    assert await story(app).say("dave: yes") == [
        "[group] How would you like replies, Dave? [Just listen] [Advice welcome] [Cancel]"
    ]
    lines = await story(app).say("dave [Just listen]")
    assert "Heads up: heavy topic." in lines[1] and lines[2] == "[thread 1] heavy day at work"


async def test_checkin_takes_the_mood_from_its_words(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("sam: /checkin Okay") == [
        "[group] Thanks, Sam. Add a few words? Just type them (up to 500 letters), or press Skip. [Skip] [Cancel]"
    ]
    await story(app).say("sam: stop")
    lines = await story(app).say("sam: /checkin not great, long week", "sam [Share with the group]")
    assert "[group] Sam checked in: Not great / \"long week\"" in lines
    assert (await story(app).say("sam: /checkin brilliant"))[0].startswith("[group] Pick one of these, Sam")


async def test_small_ones_buddy_himself_leave_in_private_and_plus_one_twice(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("dave: /buddy Dave") == [
        "[group] That's you. Pick someone else in the group: /buddy alone shows the names."
    ]
    assert await story(app).say("tom: /leave", "tom [No]") == [
        "[dm tom] Do you want to leave the group? You can ask to come back later. [Yes] [No]",
        "[group] I've asked you in our private chat.",
        "[toast tom] Okay.",
        "[dm tom] Good, you're staying.",
    ]
    await story(app).say("dave: /suggest Jobs", "sam [+1]")
    assert await story(app).say("sam [+1]") == [
        "[toast sam] Already counted.",
        '[dm sam] Your +1 for "Jobs" is already counted. Take it back? [Yes] [No]',
    ]
    assert (await story(app).say("dave: /agenda"))[0].endswith("1. Jobs (+1)")  # the double tap took nothing back
    assert await story(app).say("sam [Yes]") == [
        "[group] (edited) Dave suggests for the next meeting: Jobs [+1]",
        "[dm sam] Done: your +1 is taken back.",
    ]
