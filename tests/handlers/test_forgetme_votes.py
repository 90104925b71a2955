"""/forgetme and the group's votes: every ballot and result that named him reads "a former member" afterwards,
in the group and in the voters' private chats; the record of each vote stays, and an open one still works."""

from __future__ import annotations

from magbot.app import App
from magbot.core.events import ButtonPress, ChatRef, UserRef
from magbot.domain.decisions import unnamed
from magbot.handlers.decision_cards import result_card
from tests.handlers.test_decisions import founded, rows
from tests.handlers.test_forgetme import text_cells
from tests.story import story

UNTIL = "Wednesday 25 November, 10:00"


def screen(app: App, chat_id: str) -> list[str]:
    """What a chat shows now: the console applies every edit and delete to the message it was for."""
    return story(app).console.sender.screen(chat_id)


def naming(lines: list[str], name: str) -> list[str]:
    return [line for line in lines if name.lower() in line.lower()]


async def test_the_votes_about_a_muted_member_lose_his_name_and_an_open_one_keeps_working(app: App) -> None:
    await founded(app, "dave", "sam", "tom", "kev")
    await story(app).say("dave: /propose mute Kev 2d", "dave [Yes]", "sam [Yes]")
    await story(app).say("tom: /propose remove Kev", "tom [No]")  # still open when he goes
    assert naming(screen(app, "group"), "Kev") and naming(screen(app, "sam"), "Kev")
    lines = await story(app).say("kev> /forgetme", "kev [Yes]")
    assert "[group] (edited) Group vote (closed): Mute a former member for 2 days?" in lines
    for chat in ("group", "dave", "sam", "tom"):
        assert naming(screen(app, chat), "Kev") == [], chat
    group = screen(app, "group")
    assert f"Vote closed: Mute a former member for 2 days? / Passed. Yes 2, No 0, Abstain 0. / A former member is " \
        f"muted until {UNTIL}." in group  # fmt: skip
    assert group.count("Group vote: Remove a former member from the group? / Secret ballot: nobody sees how you " \
        "vote. Open until Wednesday 25 November, 10:00.") == 1  # fmt: skip
    private = [s for s in story(app).console.sender.shown if s.chat_id == "sam" and "Remove a former member" in s.text]
    assert [list(s.buttons) for s in private] == [["Yes", "No", "Abstain"]]  # his private ballot too, still open
    lines = await story(app).say("dave [No]")  # the buttons still count: the vote closes as before
    assert "[group] Vote closed: Remove a former member from the group? / Not passed. Yes 0, No 2, Abstain 0." in lines
    for _, _, value in await text_cells(app):
        assert "kev" not in value.lower()
    kinds = await rows(app, "SELECT kind FROM decisions ORDER BY id")
    assert [r[0] for r in kinds] == ["mute", "remove"]  # the record of both votes stays


async def test_a_member_let_in_by_vote_leaves_no_name_on_its_ballots_or_result(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /invite Ezra", "dave [Yes]", "sam [Yes]")
    assert screen(app, "group")[-1].endswith("Welcome to the group, Ezra!")
    lines = await story(app).say("ezra> /forgetme", "ezra [Yes]")
    assert "[group] (edited) Group vote (closed): Let a former member join the group?" in lines
    for chat in ("group", "dave", "sam", "tom"):
        assert naming(screen(app, chat), "ezra") == [], chat
    assert "Vote closed: Let a former member join the group? / Passed. Yes 2, No 0, Abstain 0. / Welcome to the " \
        "group, a former member!" in screen(app, "group")  # fmt: skip
    for _, _, value in await text_cells(app):
        assert "ezra" not in value.lower()


async def test_a_join_after_an_invite_is_taken_back_with_the_rest(app: App) -> None:
    from magbot.core.events import ChatRef, JoinRequest, UserRef
    from tests.handlers.test_decisions import inject

    await founded(app)
    await story(app).say("dave: /invite @ezra_b", "dave [Yes]", "sam [Yes]")
    request = JoinRequest("j1", ChatRef("console", "group"), UserRef("console", "ezrab", "ezra_b"), app.clock.now())
    await inject(app, request)
    assert screen(app, "group")[-1] == "ezra_b has joined."
    await story(app).say("ezrab> /forgetme", "ezrab [Yes]")
    assert naming(screen(app, "group"), "ezra") == []


def test_only_the_whole_name_goes_and_a_sentence_still_starts_with_a_capital() -> None:
    expected = "A former member is muted. Ask a former member, not Kevin."
    assert unnamed("Kev is muted. Ask Kev, not Kevin.", "Kev") == expected
    assert unnamed("Nothing here", "") == "Nothing here"


def press(app: App, who: str, label: str) -> ButtonPress:
    """`who` presses `label` on the newest message offering it in his private chat (not sent on yet)."""
    shown = next(s for s in reversed(story(app).console.sender.shown) if s.chat_id == who and label in s.buttons)
    user = UserRef("console", who, who.capitalize())
    chat = ChatRef("console", who, "dm")
    data = shown.buttons[label].data
    return ButtonPress(f"t:{who}:{label}", chat, user, app.clock.now(), data, str(shown.message_id))


async def test_a_result_still_in_the_outbox_when_he_erases_himself_goes_out_without_his_name(app: App) -> None:
    await founded(app, "dave", "sam", "tom", "kev")
    await story(app).say("dave: /propose mute Kev 2d", "dave [Yes]", "kev> /forgetme")
    await app.dispatcher.dispatch(press(app, "sam", "Yes"))  # the vote closes: its result waits in the outbox
    async with app.uow() as uow:
        assert await uow.outbox.posts_card("console", "group", result_card(1))
    await app.dispatcher.dispatch(press(app, "kev", "Yes"))  # /forgetme before the result has gone out
    await app.outbox.flush()
    group = screen(app, "group")
    assert naming(group, "Kev") == [], group
    assert f"Vote closed: Mute a former member for 2 days? / Passed. Yes 2, No 0, Abstain 0. / A former member is " \
        f"muted until {UNTIL}." in group  # fmt: skip
