"""Check-ins and buddies as use cases: the round across DST and its grace, words never stored, the chart,
the buddy nudge told to nobody else, and /forgetme leaving no check-in, buddy or offload row behind."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.context import BotPolicy, MemberContext
from magbot.core.events import ButtonPress, ChatRef, Post, UserRef
from magbot.domain.members import Group, Member
from magbot.domain.settings import parse_settings
from magbot.handlers.checkins import _rough, round_due
from magbot.storage.uow import UnitOfWork
from tests.conftest import START, settings_for, sqlite_url
from tests.handlers.test_privacy import every_row
from tests.story import console_app, story

LONDON = ZoneInfo("Europe/London")
SETUP = ("dave: /setup", "sam [I'm a member]", "dave [Open a private chat with me]", "sam> /start")


def group(**settings: str) -> Group:
    return Group(1, "console", "group", datetime(2026, 1, 1, tzinfo=UTC), parse_settings(settings))


def test_the_round_is_at_the_groups_local_time_on_both_sides_of_dst() -> None:
    winter = round_due(group(), datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    summer = round_due(group(), datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    assert winter == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert summer == datetime(2026, 6, 3, 18, 0, tzinfo=UTC)  # 19:00 BST
    elsewhere = round_due(group(checkin_time="Friday 08:15", timezone="America/New_York"), winter)
    assert elsewhere == datetime(2026, 11, 27, 13, 15, tzinfo=UTC)


async def test_the_round_goes_once_and_is_skipped_when_more_than_an_hour_late(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    async with console_app(settings_for(sqlite_url(tmp_path), tmp_path), clock) as app:
        await story(app).say(*SETUP)
        lines = await story(app).say(":at 2026-11-25 19:30")
        assert [line for line in lines if "Midweek" in line] == [
            "[group] Midweek check-in: how's everyone doing this week? Press one, it only takes a second. "
            "[Rough] [Not great] [Okay] [Good] [Great]"
        ]
        assert not [line for line in await story(app).say(":advance 10m") if "Midweek" in line]
        # The machine was down over the round: the clock jumps (`:at` would run the round at its time) and the
        # bot starts again an hour and a minute late.
        clock.set(datetime(2026, 12, 2, 20, 1, tzinfo=UTC))
        await story(app).console.settle()
        late = await story(app).say()
        assert not [line for line in late if "Midweek" in line]
        async with app.uow() as uow:
            assert await uow.schedule.status_of("checkin-round:1:2026-11-25") == "done"
            assert await uow.schedule.status_of("checkin-round:1:2026-12-02") in (None, "skipped")
            assert await uow.schedule.status_of("checkin-round:1:2026-12-09") == "pending"


async def test_words_are_never_stored_only_the_mood_and_the_time(app: App) -> None:
    await story(app).say(*SETUP, "sam> /checkin", "sam [Not great]", "sam> my mum is in hospital")
    rows = await every_row(app)
    assert any("my mum" in str(row.get("data")) for row in rows if row["__table__"] == "pending_inputs")
    await story(app).say("sam [Just for me]")
    assert not [row for row in await every_row(app) if "my mum" in str(row)]
    async with app.uow() as uow:
        sam = await uow.members.in_group(1, "sam")
        assert sam is not None
        [kept] = await uow.checkins.of_member(sam.id)
    assert (kept.mood, kept.shared, kept.at) == (2, False, app.clock.now())


async def test_a_rough_check_in_stays_private_unless_he_says_yes(app: App) -> None:
    await story(app).say(*SETUP)
    lines = await story(app).say("sam: /checkin", "sam [Rough]")
    assert lines[-2] == "[toast sam] I've sent you a private message."
    assert lines[-1].startswith("[dm sam] Sorry it's a rough one, Sam.") and "116 123" in lines[-1]
    assert await story(app).say("sam [No]") == [
        "[dm sam] Okay, it stays between us. Look after yourself, and /checkin any time."
    ]
    lines = await story(app).say("sam [Yes]")  # he changed his mind: only now is the group told
    assert "[group] Sam is having a rough time. A message or a call from one of you could mean a lot." in lines


ROUGH_DM = (
    "[dm sam] Sorry it's a rough one, Sam. Thanks for saying so. / If you want to talk to someone now: "
    "Samaritans 116 123; Breathing Space 0800 83 85 87. / Let the group know? [Yes] [No]"
)


async def test_a_rough_check_in_privately_sends_both_support_lines(app: App) -> None:
    await story(app).say(*SETUP)
    async with app.uow() as uow:  # stored before support_contacts existed: its default applies
        await uow.groups.save_settings(1, {})
    lines = await story(app).say("sam: /checkin", "sam [Rough]")
    assert lines[-2:] == ["[toast sam] I've sent you a private message.", ROUGH_DM]


def test_the_rough_reply_of_a_group_with_default_settings_names_both_lines() -> None:
    """checkins.py once restated the default as Samaritans alone, dropping Breathing Space."""
    sam = Member(2, 1, "sam", "Sam", "active", False, START)
    press = ButtonPress("k", ChatRef("console", "group"), UserRef("console", "sam"), START, "checkin:mood:1:2")
    plain = Group(1, "console", "group", START)  # no settings given: the defaults
    ctx = MemberContext(press, cast(UnitOfWork, None), ManualClock(START), BotPolicy(), plain, sam)
    [dm] = _rough(ctx, plain, sam, 1).out
    assert isinstance(dm, Post) and dm.chat.is_dm
    assert "Samaritans 116 123; Breathing Space 0800 83 85 87." in dm.text


async def test_mycheckins_is_a_small_png_and_one_line(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("sam> /mycheckins") == [
        "[dm sam] No check-ins in the last 8 weeks. /checkin whenever you like."
    ]
    for mood in ("Good", "Okay", "Great"):
        await story(app).say("sam> /checkin", f"sam [{mood}]", "sam [Skip]", "sam [Just for me]", ":advance 3d")
    assert await story(app).say("sam> /mycheckins") == [
        "[dm sam] FILE my-checkins.png / You checked in 3 times in the last 8 weeks. Most often: Great. Latest: Great.",
        "[dm sam] I keep only the mood, the day and whether you shared it. [Delete one]",
    ]
    png = (Path(app.settings.data_dir) / "files" / "my-checkins.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 20_000


async def test_delete_one_takes_that_checkin_and_its_group_post_and_only_his(app: App) -> None:
    await story(app).say(*SETUP, "tom [I'm a member]")
    await story(app).say("sam: /checkin", "sam [Good]", "sam: new job", "sam [Share with the group]", ":advance 1h")
    await story(app).say("sam> /checkin", "sam [Okay]", "sam [Skip]", "sam [Just for me]")
    await story(app).say("sam> /mycheckins")
    listed = await story(app).say("sam [Delete one]")
    assert listed == ["[dm sam] Which one should I delete? [Mon 23 Nov 11:00, Okay] [Mon 23 Nov 10:00, Good (shared)]"]
    assert await story(app).say("sam [Mon 23 Nov 10:00, Good (shared)]") == [
        "[group] (message deleted)",
        "[dm sam] Deleted. Its post is gone from the group.",
    ]
    assert await story(app).say("sam [Mon 23 Nov 11:00, Okay]") == ["[dm sam] Deleted."]
    async with app.uow() as uow:
        sam = await uow.members.in_group(1, "sam")
        assert sam is not None
        assert await uow.checkins.of_member(sam.id) == []
        # What stays is the questions he was asked in the group ("How are you doing, Sam?"): /forgetme takes those.
        assert [p.card for p in await uow.member_posts.of_member(sam.id)] == [None, None]


async def test_a_buddy_nudge_goes_only_to_the_other_buddy_once_per_silence(app: App) -> None:
    await story(app).say(*SETUP, "tom [I'm a member]", "dave: /buddy sam", "sam [Yes]", "sam: hi all")
    told: list[str] = []
    for _ in range(12):
        told += [line for line in await story(app).say(":advance 1d") if line.startswith("[dm ")]
    assert told == [
        "[dm sam] You haven't heard from Dave in a while. Maybe drop him a message.",
        "[dm dave] You haven't heard from Sam in a while. Maybe drop him a message.",
    ]
    await story(app).say("dave: back now", ":advance 1d")
    assert [line for line in await story(app).say(":advance 7d") if line.startswith("[dm ")] == [
        "[dm sam] You haven't heard from Dave in a while. Maybe drop him a message."
    ]


async def test_forgetme_leaves_no_check_in_buddy_or_offload_row_naming_him(app: App) -> None:
    await story(app).say(*SETUP, "sam: /checkin", "sam [Good]", "sam [Skip]", "sam [Share with the group]")
    await story(app).say("dave: /buddy sam", "sam [Yes]", "sam> /offload", "sam> it's a lot", "sam [No]")
    await story(app).say("sam [Just listen]", "sam: /offload", "sam [Yes]", "sam [Advice welcome]")
    await story(app).say("dave [I hear you]", "dave> /offload", "dave> my own thing", "dave [No]")
    await story(app).say("dave [Advice welcome]", "sam [Been there]")
    async with app.uow() as uow:
        sam = await uow.members.in_group(1, "sam")
        assert sam is not None
    tables = {row["__table__"] for row in await every_row(app)}
    assert {"checkins", "buddies", "offloads", "offload_support"} <= tables
    await story(app).say("sam> /forgetme", "sam [Yes]")
    for row in await every_row(app):
        assert not any(k.endswith("member_id") and v == sam.id for k, v in row.items()), row
        assert "it's a lot" not in str(row)
    async with app.uow() as uow:
        result = await uow.session.execute(text("SELECT COUNT(*) FROM offload_support"))
        assert result.scalar() == 0  # Dave's "I hear you" went with Sam's offload, Sam's "Been there" with him
