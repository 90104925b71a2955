"""Button data: every kind round-trips through the router's one parse, encoding keeps Telegram's 64-byte limit, and
forged data (huge, negative or non-numeric ids, wrong shapes, out-of-range choices) gets a pop-up and writes
nothing, through the real dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magbot.app import App
from magbot.core.events import Button, ButtonPress, ChatRef, Command, PollVote, UserRef
from magbot.core.router import NOT_IN_USE
from magbot.core.wire import Const, IsoDate, Number, OneOf, PollOption, Press, Segment, Word, parse_poll_option
from magbot.handlers import build_router
from tests.handlers.test_privacy import every_row
from tests.story import story

ROUTER = build_router()
KINDS: list[type[Press]] = [route.kind for routes in ROUTER.buttons.values() for route in routes]
GROUP = ChatRef("console", "group")
TOO_BIG = str(2**63)


def segment_values(segment: Segment) -> st.SearchStrategy[object]:
    if isinstance(segment, Number):  # Id too
        values: st.SearchStrategy[object] = st.integers(segment.low, segment.high)
    elif isinstance(segment, OneOf):
        values = st.sampled_from(segment.values)
    elif isinstance(segment, IsoDate):
        values = st.dates(date(2000, 1, 1), date(2200, 12, 31)).map(date.isoformat)
    elif isinstance(segment, Word):
        values = st.from_regex(r"[a-z][a-z0-9_]{0,31}", fullmatch=True)
    else:
        raise AssertionError(f"no strategy for {type(segment).__name__}")
    return st.none() | values if segment.optional else values


def presses(kind: type[Press]) -> st.SearchStrategy[Press]:
    return st.tuples(*(segment_values(s) for s in kind.shape if s.holds_value)).map(lambda v: kind(*v))


def test_every_feature_declares_its_kinds() -> None:
    names = {kind.__name__ for kind in KINDS}
    assert len(names) == len(KINDS) >= 20
    assert {"VotePress", "AgendaPress", "MoodPress", "StepPress", "ActivityPress", "OutOfDate", "OfferPress",
            "SupportPress", "ModePress", "AuthorPress", "PollStep",
            "CancelPress", "KindPress", "WhoPress", "HeavyPress", "EndPick", "Rsvp", "RunCommand",
            "LeaveAnswer"} <= names


@given(st.sampled_from(KINDS).flatmap(presses))
def test_every_kind_round_trips_through_the_router(press: Press) -> None:
    data = press.data
    assert len(data.encode()) <= 64
    found = ROUTER.button_route(data)
    assert found is not None, data
    route, parsed = found
    assert route.kind is type(press) and parsed == press  # and no other kind with that prefix claims it


@given(st.integers(0, 9), st.integers(1, 2**63 - 1))
def test_a_poll_option_round_trips(index: int, poll: int) -> None:
    assert parse_poll_option(PollOption(index, poll).data) == (f"poll:{poll}", index)


def test_today_s_data_is_unchanged() -> None:
    """Buttons already posted in chats keep working after an upgrade: the encodings are byte-identical."""
    from magbot.handlers import checkins, decisions, membership, offload
    from magbot.handlers.activities import flow as activity_flow

    assert decisions.VotePress(7, "abstain").data == "decision:vote:7:abstain"
    assert checkins.MoodPress(3).data == "checkin:mood:3"
    assert checkins.MoodPress(3, 12).data == "checkin:mood:3:12"
    assert offload.SupportPress("hear", 5).data == "offload:hear:0:5"
    assert offload.ModePress(2, 5, "listen").data == "offload:mode:2:5:listen"
    assert activity_flow.GuestsPress(4, "yes").data == "activity:guests:4:yes"
    assert membership.RunCommand("help").data == "cmd:help"
    assert membership.JoinAsFounder().data == "setup:join"
    assert PollOption(1, 9).data == "pv:1:poll:9"


@dataclass(frozen=True)
class Wordy(Press, prefix="wordy", shape=(Word(), Word())):
    first: str
    second: str


def test_data_over_64_bytes_is_refused_where_it_is_built() -> None:
    assert len(Wordy("a" * 29, "b" * 28).data) == 64  # wordy:<29>:<28>, just at the limit
    with pytest.raises(ValueError, match="64 bytes"):
        _ = Wordy("a" * 29, "b" * 29).data
    with pytest.raises(ValueError, match="64 bytes"):
        Button("x", "x" * 65)
    assert Wordy.parse("wordy:" + "a" * 30 + ":" + "b" * 29) is None  # nothing longer is ever accepted


def test_values_out_of_range_are_refused_where_they_are_built() -> None:
    from magbot.handlers import checkins, decisions

    for bad in (
        lambda: decisions.VotePress(2**63, "yes"),
        lambda: decisions.VotePress(0, "yes"),
        lambda: decisions.VotePress(1, "maybe"),
        lambda: checkins.MoodPress(6),
        lambda: PollOption(10, 1),
    ):
        with pytest.raises(ValueError):
            _ = bad().data


def forgeries(kind: type[Press]) -> list[str]:
    """Data no button of this kind ever carried: each value swapped for a bad one, a segment too many or few."""
    good = [kind.prefix] + [_example(s) for s in kind.shape]
    made = {":".join([*good, "1"]), kind.prefix}
    if not kind.shape[-1].optional:
        made.add(":".join(good[:-1]))
    for i, segment in enumerate(kind.shape, start=1):
        for bad in _bad_values(segment):
            made.add(":".join([*good[:i], bad, *good[i + 1 :]]))
    return sorted(made)


def _example(segment: Segment) -> str:
    if isinstance(segment, Const):
        return segment.text
    if isinstance(segment, Number):
        return str(segment.low)
    if isinstance(segment, OneOf):
        return segment.values[0]
    return "2026-11-26" if isinstance(segment, IsoDate) else "help"


def _bad_values(segment: Segment) -> list[str]:
    common = ["", " 1", "x"]
    if isinstance(segment, Number):
        return [*common, TOO_BIG, str(2**64), "-1", "01", "1.0", "\u0663", str(segment.low - 1), str(segment.high + 1)]
    if isinstance(segment, IsoDate):
        return [*common, "2026-13-01", "2026-11-31", "20261126"]
    if isinstance(segment, Word):
        return ["", "Help", "he lp", "h" * 33]
    return [*common, "YES", "yes\u200b"]


FORGED = sorted({data for kind in KINDS for data in forgeries(kind)})


# Dispatched whole (each press costs a claim and an identify): per kind, every id too big for the database, a
# segment too many and the prefix alone. All of FORGED is checked against the router itself, below.
def dispatched(kind: type[Press]) -> set[str]:
    good = ":".join([kind.prefix] + [_example(s) for s in kind.shape])
    return {data for data in forgeries(kind) if TOO_BIG in data or data in (good + ":1", kind.prefix)}


DISPATCHED = sorted({data for kind in KINDS for data in dispatched(kind)})


@pytest.mark.parametrize("data", FORGED[:: max(1, len(FORGED) // 40)])  # a sample here; all of them below
def test_forged_data_matches_no_kind(data: str) -> None:
    assert ROUTER.button_route(data) is None


def test_no_forged_data_matches_any_kind() -> None:
    assert [data for data in FORGED if ROUTER.button_route(data) is not None] == []
    for data in ("pv:0:poll:" + TOO_BIG, "pv:10:poll:1", "pv:-1:poll:1", "pv:0:poll:0", "pv:0:card:1", "pv:0"):
        assert parse_poll_option(data) is None


async def founded(app: App) -> None:
    await story(app).say("dave: hi", "sam: hi", "dave: /setup", "dave [Open a private chat with me]", "sam> /start")


async def test_forged_presses_get_the_pop_up_and_write_nothing(app: App) -> None:
    """Issue 12: a forged id of 2**63 or more used to raise OverflowError deep in a handler."""
    await founded(app)
    await story(app).say("dave: /poll Tea or coffee? | Tea | Coffee", "dave: /suggest Jobs", "dave: /offer Bikes")
    before = [row for row in await every_row(app) if row["__table__"] != "processed_events"]
    sam = UserRef("console", "sam", "Sam")
    for n, data in enumerate([*DISPATCHED, "decision:vote:" + TOO_BIG + ":yes", "agenda:plus:" + TOO_BIG]):
        for chat in (GROUP, ChatRef("console", "sam", "dm")):
            press = ButtonPress(f"forged:{n}:{chat.kind}", chat, sam, app.clock.now(), data=data, message_id="1")
            result = await app.dispatcher.dispatch(press)
            assert result.toast == NOT_IN_USE and result.messages == 0, data
    after = [row for row in await every_row(app) if row["__table__"] != "processed_events"]
    assert after == before


async def test_an_out_of_range_poll_option_does_not_take_back_a_vote(app: App) -> None:
    """Issue 12: a forged option index used to count as "no answer", silently deleting the presser's vote."""
    await founded(app)
    await story(app).say("dave: /poll Tea or coffee? | Tea | Coffee", "sam [Coffee]")
    before = await every_row(app)
    for n, option in enumerate((2, 9, 10_000)):
        vote = PollVote(f"forged-vote:{n}", GROUP, UserRef("console", "sam", "Sam"), app.clock.now(),
                        poll_id="poll:1", option_ids=(option,), toggle=True)  # fmt: skip
        assert (await app.dispatcher.dispatch(vote)).toast == NOT_IN_USE
    votes = [r for r in await every_row(app) if r["__table__"] == "poll_votes"]
    assert votes == [r for r in before if r["__table__"] == "poll_votes"] and len(votes) == 1


async def test_a_press_from_another_group_on_the_same_deployment_touches_nothing(app: App) -> None:
    """Issue 12: a member of group 2 pressing group 1's agenda and offload buttons got "+1 given." and rows."""
    await founded(app)
    await story(app).say("sam: /suggest Jobs", "dave: /offload rough week")
    other, zed = ChatRef("console", "group2"), UserRef("console", "zed", "Zed")
    await app.dispatcher.dispatch(Command("g2:setup", other, zed, app.clock.now(), name="setup"))
    before = [row for row in await every_row(app) if row["__table__"] not in ("processed_events", "outbox")]
    for n, data in enumerate(("agenda:plus:1", "agenda:covered:1", "offload:hear:0:1", "offload:been:0:1")):
        press = ButtonPress(f"g2:{n}", other, zed, app.clock.now(), data=data, message_id="1")
        result = await app.dispatcher.dispatch(press)
        assert result.toast in ("That topic is no longer on the list.", "That offload is gone."), data
    after = [row for row in await every_row(app) if row["__table__"] not in ("processed_events", "outbox")]
    assert after == before


async def test_covered_only_on_the_question_asked_after_the_meeting(app: App) -> None:
    """Issue 12: a forged `agenda:covered:<id>` before the meeting marked the topic covered, emptying the agenda."""
    await founded(app)
    await story(app).say("sam: /suggest Jobs")
    sam = UserRef("console", "sam", "Sam")
    press = ButtonPress("early", GROUP, sam, app.clock.now(), data="agenda:covered:1", message_id="2")
    result = await app.dispatcher.dispatch(press)
    assert result.toast == "Topics are marked covered after the meeting, on the question I ask then."
    assert "Jobs" in "\n".join(await story(app).say("sam: /agenda"))
