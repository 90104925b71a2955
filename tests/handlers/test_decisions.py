"""Group decisions: secret ballots, quorum, acting only on a passed decision, join requests, flags."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

import magbot.handlers
from magbot.app import App
from magbot.core.events import ChatRef, Command, JoinRequest, MessageRef, UserRef
from magbot.core.router import STRANGER_LINE
from magbot.handlers.admission import INVITE_HOW
from tests.story import story

GROUP = ChatRef("console", "group")


async def founded(app: App, *names: str) -> None:
    await story(app).say(*(f"{n}: hi" for n in names or ("dave", "sam", "tom")), "dave: /setup")


async def rows(app: App, sql: str) -> list[tuple]:
    async with app.uow() as uow:
        return [tuple(r) for r in await uow.session.execute(text(sql))]


async def inject(app: App, incoming: object) -> list[str]:
    before = len(story(app).transcript)
    result = await app.dispatcher.dispatch(incoming)  # type: ignore[arg-type]
    await app.outbox.flush()
    new = [line for line in story(app).transcript[before:].splitlines() if line]
    return new + ([f"[toast] {result.toast}"] if result.toast else [])


async def advance(app: App, delta: timedelta) -> list[str]:
    return await story(app).say(f":advance {int(delta.total_seconds() // 3600)}h")


async def test_a_setting_change_passes_and_takes_effect(app: App) -> None:
    await founded(app)
    lines = await story(app).say("dave: /propose voting_hours 24")
    assert lines[0] == (
        "[group] Group vote: Change voting_hours to 24? / Secret ballot: nobody sees how you vote. "
        "Open until Wednesday 25 Nov, 10:00. [Yes] [No] [Abstain]"
    )
    assert sorted(line.split("]")[0] for line in lines[1:]) == ["[dm dave", "[dm sam", "[dm tom"]
    assert await story(app).say("sam [Yes]") == ["[toast sam] Your vote is in: Yes. You can change it until it closes."]
    assert await rows(app, "SELECT choice, voted FROM decision_ballots WHERE member_id = 2") == [("yes", 1)]
    lines = await story(app).say("tom [No]", "tom [Yes]")
    assert lines[1] == "[toast tom] Your vote is in: Yes. That settles it: the result is in the group."
    assert lines[2:4] == [
        "[group] (edited) Group vote (closed): Change voting_hours to 24?",
        "[group] Vote closed: Change voting_hours to 24? / Passed. Yes 2, No 0, Abstain 0. "
        "/ Done: voting_hours is now 24.",
    ]
    assert "voting_hours: 24" in (await story(app).say("dave: /settings"))[0]
    # Only the tallies and who took part are kept.
    assert await rows(app, "SELECT member_id, choice FROM decision_ballots ORDER BY member_id") == [
        (2, None),
        (3, None),
    ]
    assert await rows(app, "SELECT status, yes, no, abstain FROM decisions") == [("passed", 2, 0, 0)]
    # The next decision uses the new voting period.
    assert "Open until Tuesday 24 Nov, 10:00" in (await story(app).say("dave: /propose rule Be kind"))[0]


async def test_a_decision_without_quorum_fails_at_its_deadline(app: App) -> None:
    await founded(app, "dave", "sam", "tom", "ali", "ben", "cal")
    await story(app).say("dave: /propose quorum 1/2", "sam [Yes]")  # 1 of the 2 needed
    assert len(await advance(app, timedelta(hours=47))) == 5  # the "closing soon" notes
    lines = await advance(app, timedelta(hours=1))
    assert lines[-1] == (
        "[group] Vote closed: Change quorum to 1/2? / Not passed: too few votes (1 of the 2 needed). "
        "Yes 1, No 0, Abstain 0."
    )
    assert (await story(app).say("dave: /settings"))[0].startswith("[group] Group settings: / - quorum: 1/3")
    history = (await story(app).say("dave: /decisions"))[0]
    assert (
        history == "[group] Group decisions, newest first: / "
        "- 23 Nov: Change quorum to 1/2? not passed (1 yes, 0 no, 0 abstain)"
    )


async def test_a_closing_soon_note_goes_only_to_those_who_have_not_voted(app: App) -> None:
    await founded(app, "dave", "sam", "tom", "ali", "ben", "cal")
    await story(app).say("dave: /propose rule Be kind", "sam [Yes]")
    lines = await advance(app, timedelta(hours=42))
    assert sorted(line.split("]")[0] for line in lines) == ["[dm ali", "[dm ben", "[dm cal", "[dm dave", "[dm tom"]
    assert lines[0].endswith(
        'The group vote closes Wednesday 25 Nov, 10:00: Add a group rule: "Be kind"? Your vote is secret. '
        "[Yes] [No] [Abstain]"
    )


async def test_the_member_up_for_removal_cannot_vote_and_is_removed_on_a_pass(app: App) -> None:
    await founded(app)
    lines = await story(app).say("dave: /propose remove tom")
    assert "[dm tom]" not in " ".join(lines)  # no ballot for him
    assert await story(app).say("tom [No]") == ["[toast tom] This vote is about you, so you don't vote on it."]
    lines = await story(app).say("dave [Yes]", "sam [Yes]")
    assert lines[-2:] == [
        "[group] Vote closed: Remove Tom from the group? / Passed. Yes 2, No 0, Abstain 0. "
        "/ Tom is no longer in the group.",
        "[group] (tom removed from the chat)",
    ]
    assert await story(app).say("tom> /members") == [f"[dm tom] {STRANGER_LINE}"]


async def test_a_mute_passes_with_its_duration(app: App) -> None:
    await founded(app)
    assert await story(app).say("dave: /propose mute tom") == [
        "[group] Write who and for how long (up to 30 days), like: /propose mute Sam 1d"
    ]
    await story(app).say("dave: /propose mute Tom 2d")
    lines = await story(app).say("dave [Yes]", "sam [Yes]")
    assert lines[-3:-1] == [
        "[group] Vote closed: Mute Tom for 2d? / Passed. Yes 2, No 0, Abstain 0. "
        "/ Tom is muted until Wednesday 25 Nov, 10:00.",
        "[group] (tom muted)",
    ]


async def test_rules_are_added_and_dropped_by_decision(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /propose rule Be kind", "dave [Yes]", "sam [Yes]")
    await story(app).say("sam: /propose rule Phones on silent", "dave [Yes]", "sam [Yes]")
    assert await story(app).say("tom: /rules") == ["[group] The group's rules: / 1. Be kind / 2. Phones on silent"]
    assert await story(app).say("tom: /propose drop rule 3") == [
        "[group] Write the rule's number, like: /propose drop rule 2. /rules shows the numbers."
    ]
    await story(app).say("tom: /propose drop rule 1", "dave [Yes]", "tom [Yes]")
    assert await story(app).say("tom: /rules") == ["[group] The group's rules: / 1. Phones on silent"]


async def test_proposals_explain_themselves(app: App) -> None:
    await founded(app)
    assert (await story(app).say("dave: /propose"))[0].startswith("[group] Put something to a group vote.")
    assert "Settings: quorum" in (await story(app).say("dave: /propose colour blue"))[0]
    assert await story(app).say("dave: /propose quorum lots") == [
        "[group] For quorum: Write a share like 1/3 or 50%. (now: 1/3)"
    ]
    assert await story(app).say("dave: /propose quorum 1/3") == ["[group] quorum is already 1/3."]
    assert await story(app).say("dave: /propose remove dave") == ["[group] That's you. To leave the group, use /leave."]
    assert "can't find Zed" in (await story(app).say("dave: /propose remove Zed"))[0]
    await story(app).say("dave: /propose quorum 1/4")
    assert (await story(app).say("sam: /propose quorum 1/4"))[0].startswith("[group] There's already a vote open")


async def test_a_strangers_join_request_goes_to_a_vote_and_is_approved(app: App) -> None:
    await founded(app)
    request = JoinRequest("j1", GROUP, UserRef("console", "eve", "Eve"), app.clock.now())
    lines = await inject(app, request)
    assert lines[0].startswith("[group] Group vote: Let Eve join the group?")
    assert await inject(app, request) == []  # redelivered: nothing twice
    again = JoinRequest("j2", GROUP, UserRef("console", "eve", "Eve"), app.clock.now())
    assert await inject(app, again) == []  # one vote at a time
    lines = await story(app).say("dave [Yes]", "sam [Yes]")
    assert lines[-2:] == [
        "[group] Vote closed: Let Eve join the group? / Passed. Yes 2, No 0, Abstain 0. / Welcome to the group, Eve!",
        "[group] (eve let in)",
    ]
    assert (await story(app).say("eve: /members"))[0] == "[group] 4 members: / - Dave / - Sam / - Tom / - Eve"


async def test_a_failed_join_request_is_declined_politely_and_the_name_not_kept(app: App) -> None:
    await founded(app)
    await inject(app, JoinRequest("j1", GROUP, UserRef("console", "eve", "Eve"), app.clock.now()))
    lines = await story(app).say("dave [No]", "sam [No]")
    assert lines[-2:] == [
        "[group] Vote closed: Let Eve join the group? / Not passed. Yes 0, No 2, Abstain 0. / Not this time. "
        "Thanks to everyone who voted.",
        "[group] (eve not let in)",
    ]
    assert await story(app).say("eve: hello") == []  # still a stranger
    assert "eve" not in str(await rows(app, "SELECT payload FROM decisions")).lower()


async def test_an_invited_person_is_let_in_when_the_vote_passes(app: App) -> None:
    await founded(app)
    assert await story(app).say("dave: /invite") == [
        "[group] Who would you like to invite? Write their name or handle, like: /invite @tom_b. The group then votes."
    ]
    assert await story(app).say("dave: /invite @ ") == [f"[group] {INVITE_HOW}"]
    assert await story(app).say("dave: /invite @sam") == ["[group] Sam is already in the group."]
    await story(app).say("dave: /invite @ezra", "dave [Yes]", "sam [Yes]")
    assert (await story(app).say("ezra: /members"))[0].startswith("[group] 4 members:")


async def test_an_invite_passed_earlier_lets_the_join_request_in_without_a_second_vote(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /invite @ezra_b", "dave [Yes]", "sam [Yes]")
    # On Telegram the handle is not the user id: the join request comes from a number, with the handle as name.
    lines = await inject(app, JoinRequest("j1", GROUP, UserRef("console", "5551", "ezra_b"), app.clock.now()))
    assert lines == ["[group] (5551 let in)", "[group] ezra_b has joined."]


def flag(app: App, key: str, user: str, message_id: str) -> Command:
    reply = MessageRef(GROUP, message_id)
    return Command(
        key, GROUP, UserRef("console", user, user), app.clock.now(), name="flag", reply_to=reply, message_id=f"m{key}"
    )


async def test_flags_from_different_members_hide_a_message_and_the_group_decides(app: App) -> None:
    await founded(app)
    assert await story(app).say("sam: /flag") == [
        "[group] Reply to the message you want to flag, then write /flag. Nobody is told who flagged it."
    ]
    first = await inject(app, flag(app, "f1", "sam", "77"))
    assert first == ["[group] (message deleted)", "[dm sam] Thanks. Your flag is noted, and nobody is told it was you."]
    assert len(await inject(app, flag(app, "f2", "sam", "77"))) == 2  # the same member twice is one flag
    lines = await inject(app, flag(app, "f3", "tom", "77"))
    assert lines[:2] == ["[group] (message deleted)", "[group] (message deleted)"]  # hidden at once
    assert lines[2].startswith(
        "[group] Group vote: A flagged message was hidden. Remove it for good, or put it back? "
        "(Yes removes it for good.)"
    )
    assert await rows(app, "SELECT * FROM flags") == []
    lines = await story(app).say("dave [No]", "sam [No]")
    assert lines[-1] == (
        "[group] Vote closed: A flagged message was hidden. Remove it for good, or put it back? "
        "(Yes removes it for good.) / Not passed. "
        "Yes 0, No 2, Abstain 0. / The group chose to put the message back. I don't keep the text of messages, "
        "so I can't post it again: whoever wrote it is welcome to post it again."
    )


async def test_votes_in_the_private_chat_count_the_same(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /propose rule Be kind")
    assert await story(app).say("sam> hello") == ["[dm sam] Type /help to see what I can do."]
    await story(app).say("sam [Yes]")  # the newest Yes sam sees is his private ballot
    assert await rows(app, "SELECT member_id, choice FROM decision_ballots WHERE voted") == [(2, "yes")]


async def test_someone_who_joined_after_the_vote_opened_does_not_vote_on_it(app: App) -> None:
    await founded(app)
    await story(app).say("dave: /propose rule Be kind")
    await story(app).say("dave: /invite zed", "dave [Yes]", "sam [Yes]")
    lines = await inject(
        app,
        __import__("magbot.core.events", fromlist=["ButtonPress"]).ButtonPress(
            "b1", GROUP, UserRef("console", "zed", "Zed"), app.clock.now(), data="decision:vote:1:yes"
        ),
    )
    assert lines == ["[toast] Only people who were members when this vote opened can vote on it."]


async def test_forgetme_erases_ballots_and_names_in_decisions(app: App) -> None:
    await founded(app)
    await story(app).say("sam: /propose mute tom 1d", "sam [Yes]", "dave: /propose rule Be kind", "sam [No]")
    await story(app).say("tom> /forgetme", "tom [Yes]")
    assert "Tom" not in str(await rows(app, "SELECT payload FROM decisions"))
    await story(app).say("sam> /forgetme", "sam [Yes]")
    assert await rows(app, "SELECT member_id FROM decision_ballots WHERE member_id = 2") == []
    assert await rows(app, "SELECT proposer_id, about_member_id FROM decisions ORDER BY id") == [
        (None, None),
        (1, None),
    ]


# ---------------------------------------------------------------- the invariant

POWER = {"ApproveJoin", "DeclineJoin", "Mute", "Remove"}
POWER_CALLS = {"save_settings", "set_status", "add"}  # uow.groups.save_settings, uow.members.set_status/add


def _handler_sources() -> dict[str, ast.Module]:
    folder = Path(magbot.handlers.__file__).parent
    return {p.name: ast.parse(p.read_text()) for p in folder.glob("*.py")}


def test_only_a_passed_decision_acts_on_the_group_or_on_another_member() -> None:
    """No code path changes a setting, admits, removes, mutes, or deletes another's message except through
    decisions.py (on a passed decision) and the flag rule; /leave and /forgetme act on the member himself."""
    allowed = {
        ("decisions.py", "ApproveJoin"),
        ("decisions.py", "DeclineJoin"),
        ("decisions.py", "Mute"),
        ("decisions.py", "Remove"),
        ("decisions.py", "save_settings"),
        ("decisions.py", "set_status"),
        ("decisions.py", "add:members"),
        ("membership.py", "Remove"),  # /leave: himself
        ("membership.py", "set_status"),  # /leave: himself
        ("membership.py", "add:members"),  # "I'm a member" in the founding week
        ("privacy.py", "Remove"),  # /forgetme: himself
        ("moderation.py", "Delete:message_id"),  # the group's flags_to_hide rule, and the flagger's own /flag
    }
    found: set[tuple[str, str]] = set()
    for name, tree in _handler_sources().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in POWER:
                found.add((name, called))
            elif called == "Delete" and any(k.arg == "message_id" for k in node.keywords):
                found.add((name, "Delete:message_id"))
            elif called == "save_settings" or (called == "set_status" and "members" in ast.unparse(func)):
                found.add((name, called))
            elif called == "add" and isinstance(func, ast.Attribute) and "members" in ast.unparse(func.value):
                found.add((name, "add:members"))
    assert found <= allowed, found - allowed


def test_decisions_act_only_when_passed() -> None:
    """Inside decisions.py, everything that acts is a `passed` action of the ACTIONS table, which `_act` calls
    only after its `if not passed` branch (admissions decline, and a hidden message stays hidden, on a failed
    vote: those are the `failed` actions, and they neither mute, remove nor change settings)."""
    from magbot.handlers.decisions import ACTIONS

    tree = _handler_sources()["decisions.py"]
    acting = {
        fn.name
        for fn in ast.walk(tree)
        if isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in {"Mute", "Remove", "save_settings"}
    }
    on_pass = {action.passed.__name__ for action in ACTIONS.values()}
    on_fail = {action.failed.__name__ for action in ACTIONS.values()}
    assert acting == {"_remove", "_mute", "_change_setting"}
    assert acting <= on_pass and not acting & on_fail
    act = next(fn for fn in ast.walk(tree) if isinstance(fn, ast.AsyncFunctionDef) and fn.name == "_act")
    body = act.body
    guard = next(i for i, n in enumerate(body) if isinstance(n, ast.If) and "not passed" in ast.unparse(n.test))
    calls_passed = [i for i, node in enumerate(body) if "action.passed" in ast.unparse(node)]
    assert calls_passed and min(calls_passed) > guard


async def test_after_forgetme_no_poll_or_decision_row_names_the_member(app: App) -> None:
    from tests.handlers.test_privacy import every_row

    await founded(app)
    await story(app).say(
        "sam: /poll Tea? | yes | no named",
        "sam [yes]",
        "sam: /propose rule Be kind",
        "sam [Yes]",
        "dave: /propose mute sam 1d",
        "sam: /invite @ezra",
        "sam [Yes]",
        "dave [Yes]",
    )
    await inject(app, flag(app, "f1", "sam", "77"))
    lines = await story(app).say("sam> /mydata")
    assert lines[-1].startswith("[dm sam] FILE my-data.json")
    data = (Path(app.settings.data_dir) / "files" / "my-data.json").read_text()
    assert '"polls_you_started"' in data and '"your_choice_while_open": "yes"' in data
    async with app.uow() as uow:
        group = await uow.groups.by_chat("console", "group")
        assert group is not None
        sam = await uow.members.in_group(group.id, "sam")
        assert sam is not None
    await story(app).say("sam> /forgetme", "sam [Yes]")
    mine = {"polls", "poll_votes", "decisions", "decision_ballots", "group_rules", "flags"}
    for row in await every_row(app):
        if row["__table__"] not in mine:
            continue
        for column, value in row.items():
            member_column = column in ("member_id", "creator_id", "proposer_id", "about_member_id")
            assert not (member_column and value == sam.id), row
            if isinstance(value, str):
                assert '"sam"' not in value and "Sam" not in value, (row["__table__"], column)


async def test_odd_proposals_and_invites_get_a_friendly_answer_never_an_apology(app: App) -> None:
    await founded(app)
    odd = [
        "/propose rule",
        "/propose drop",
        "/propose drop rule x",
        "/propose mute",
        "/propose mute tom forever",
        "/propose mute tom 99d",
        "/propose remove",
        "/propose timezone Mars/Base",
        "/propose meeting_day someday",
        "/propose 🙂 🙂",
        "/propose QUORUM 50%",
        "/invite @",
        "/decisions",
        "/rules",
        "/flag",
        "/endpoll",
    ]
    for line in odd:
        lines = await story(app).say(f"dave: {line}")
        assert lines and not any("Sorry, something went wrong" in x for x in lines), line
