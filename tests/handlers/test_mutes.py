"""Mutes are real, and open votes follow the member list (PRODUCT.md, "Group decisions and moderation")."""

from __future__ import annotations

from magbot.app import App
from magbot.core.events import ChatRef, MemberLeft, UserRef
from magbot.core.router import STRANGER_LINE
from magbot.handlers.mutes import ENDED_TEXT
from tests.handlers.test_decisions import founded, rows
from tests.story import story

GROUP = ChatRef("console", "group")
UNTIL = "Wednesday 25 Nov, 10:00"
REFUSED = f"[dm kev] You're muted in the group until {UNTIL}, so I won't act on what you write there."


async def leaves_chat(app: App, name: str, key: str = "") -> list[str]:
    """He leaves the group chat on the platform (Telegram chat_member, Matrix leave)."""
    sender = UserRef("console", name, name.title())
    await app.dispatcher.dispatch(MemberLeft(key or f"left-{name}", GROUP, sender, app.clock.now()))
    await app.outbox.flush()
    return await story(app).say()


async def muted_kev(app: App) -> list[str]:
    await founded(app, "dave", "sam", "tom", "kev")
    await story(app).say("dave: /propose mute Kev 2d", "dave [Yes]")
    return await story(app).say("sam [Yes]")


async def test_a_passed_mute_restricts_him_and_tells_him_privately(app: App) -> None:
    lines = await muted_kev(app)
    closed = "[group] Vote closed: Mute Kev for 2d? / Passed. Yes 2, No 0, Abstain 0."
    assert lines[-3] == f"{closed} / Kev is muted until {UNTIL}."
    assert lines[-2] == "[group] (kev muted)"
    assert lines[-1].startswith(f"[dm kev] The group voted to mute you until {UNTIL}.")
    assert await rows(app, "SELECT name FROM members WHERE muted_until IS NOT NULL") == [("Kev",)]
    outcome = await rows(app, "SELECT kind, due_at, status FROM scheduled WHERE key LIKE 'mute:%'")
    assert [(kind, status) for kind, _, status in outcome] == [("mute_end", "pending")]


async def test_his_group_commands_and_texts_are_not_acted_on_and_answered_privately_once_a_day(app: App) -> None:
    await muted_kev(app)
    assert [line[: len(REFUSED)] for line in await story(app).say("kev: /suggest unmute me")] == [REFUSED]
    assert await story(app).say("kev: /checkin", "kev: /offload", "kev: hello all") == []  # not one per message
    assert await rows(app, "SELECT COUNT(*) FROM agenda_suggestions") == [(0,)]
    assert await rows(app, "SELECT COUNT(*) FROM pending_inputs") == [(0,)]
    await story(app).say(":advance 23h")
    assert await story(app).say("kev: /checkin") == []
    await story(app).say(":advance 1h")
    assert [line[: len(REFUSED)] for line in await story(app).say("kev: /checkin")] == [REFUSED]


async def test_his_presses_in_the_group_get_a_private_pop_up_and_do_nothing(app: App) -> None:
    await muted_kev(app)
    await story(app).say("sam: /need A lift on Friday")
    assert await story(app).say("kev [I can help]") == [
        f"[toast kev] You're muted in the group until {UNTIL}. Our private chat still works."
    ]
    assert await rows(app, "SELECT COUNT(*) FROM outbox") == [(0,)]  # no introduction was made


async def test_his_private_chat_keeps_working_and_he_votes_there(app: App) -> None:
    await muted_kev(app)
    assert (await story(app).say("kev> /checkin"))[0].startswith("[dm kev] How are you doing, Kev?")
    await story(app).say("dave: /propose rule Be kind")
    assert await story(app).say("kev [Yes]") == [  # his private ballot
        "[toast kev] Your vote is in: Yes. You can change it until it closes."
    ]


async def test_the_mute_ends_by_itself_exactly_once(app: App) -> None:
    await muted_kev(app)
    assert await story(app).say(":advance 47h") == []
    assert await story(app).say(":advance 1h") == ["[group] (kev can post again)", f"[dm kev] {ENDED_TEXT}"]
    assert [line for line in await story(app).say(":advance 3d") if "kev" in line.lower()] == []
    assert await rows(app, "SELECT muted_until, mute_told_at FROM members WHERE name = 'Kev'") == [(None, None)]
    assert (await story(app).say("kev: /members"))[0].startswith("[group] 4 members")


async def test_a_second_mute_replaces_the_first_and_the_old_end_does_nothing(app: App) -> None:
    await muted_kev(app)
    await story(app).say("dave: /propose mute Kev 3d", "dave [Yes]", "sam [Yes]")
    assert await story(app).say(":advance 2d") == []  # the first mute's end: replaced
    ended = [line for line in await story(app).say(":advance 1d") if "kev" in line.lower()]
    assert ended == ["[group] (kev can post again)", f"[dm kev] {ENDED_TEXT}"]


async def test_a_member_who_left_is_not_unmuted_into_the_chat(app: App) -> None:
    await muted_kev(app)
    await story(app).say("kev> /members")
    await leaves_chat(app, "kev")
    assert [line for line in await story(app).say(":advance 2d") if "kev" in line.lower()] == []


# ---------------------------------------------------------------- open votes follow the member list


async def test_a_vote_closes_early_when_a_member_who_voted_leaves(app: App) -> None:
    """Yes 2, No 1 of 4 could still tie; without Tom (and his No) Yes 2 of 3 cannot be beaten."""
    await founded(app, "dave", "sam", "tom", "ali")
    await story(app).say("dave: /propose rule Be kind", "dave [Yes]", "sam [Yes]", "tom [No]")
    lines = await story(app).say("tom: /leave", "tom [Yes]")
    closed = '[group] Vote closed: Add a group rule: "Be kind"? / Passed. Yes 2, No 0, Abstain 0.'
    assert any(line.startswith(closed) for line in lines)
    assert await rows(app, "SELECT eligible, yes, no FROM decisions") == [(3, 2, 0)]


async def test_quorum_follows_the_member_list(app: App) -> None:
    """A third of 6 is 2 voters; with three gone, Dave's one vote of 3 makes quorum at the close."""
    await founded(app, "dave", "sam", "tom", "ali", "ben", "cal")
    await story(app).say("dave: /propose rule Be kind", "dave [Yes]", "sam: /leave", "sam [Yes]", "tom: /leave")
    await story(app).say("tom [Yes]")
    assert "[group] Ali has left the group. All the best." in await leaves_chat(app, "ali")
    assert await rows(app, "SELECT eligible FROM decisions") == [(3,)]
    lines = await story(app).say(":advance 2d")
    assert any(line.startswith('[group] Vote closed: Add a group rule: "Be kind"? / Passed. Yes 1') for line in lines)


async def test_a_removal_re_counts_the_other_open_votes(app: App) -> None:
    await founded(app, "dave", "sam", "tom", "ali", "ben", "cal")
    await story(app).say("dave: /propose rule Be kind", "dave [Yes]", "sam [Yes]", "tom [Yes]", "ali [No]")
    await story(app).say("dave: /propose remove ali", "dave [Yes]", "sam [Yes]")
    lines = await story(app).say("tom [Yes]")
    text = "\n".join(lines)
    assert "Ali is no longer in the group." in text
    assert 'Vote closed: Add a group rule: "Be kind"? / Passed. Yes 3, No 0, Abstain 0.' in text


async def test_forgetme_re_counts_the_open_votes(app: App) -> None:
    await founded(app, "dave", "sam", "tom", "ali")
    await story(app).say("dave: /propose rule Be kind", "dave [Yes]", "sam [Yes]", "tom [No]")
    lines = await story(app).say("tom> /forgetme", "tom [Yes]")
    closed = '[group] Vote closed: Add a group rule: "Be kind"? / Passed. Yes 2, No 0'
    assert any(line.startswith(closed) for line in lines)


async def test_leaving_the_chat_on_the_platform_takes_him_off_the_list_once(app: App) -> None:
    await founded(app, "dave", "sam", "tom")
    assert await leaves_chat(app, "tom", "left-1") == ["[group] Tom has left the group. All the best."]
    assert await leaves_chat(app, "tom", "left-2") == []  # the platform's second word of it (or after /leave)
    assert await story(app).say("tom> /members") == [f"[dm tom] {STRANGER_LINE}"]
    assert (await story(app).say("dave: /members"))[0].startswith("[group] 2 members")


async def test_a_stranger_leaving_is_nothing(app: App) -> None:
    await founded(app, "dave", "sam", "tom")
    assert await leaves_chat(app, "zed") == []
