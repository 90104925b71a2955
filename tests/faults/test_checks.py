"""The fault suite's checks catch what they claim to: a reply lost or sent twice by one process, a resend after
a kill told apart from a double, replies out of order, a rate limit broken, a name or the token in a log."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bench.faults_bot import SESSION_START, BotConfig, session_clock_shift
from bench.faults_check import (
    Verdict,
    check_limits,
    check_logs,
    check_presses,
    check_refusals,
    check_replies,
    crashes_in,
)
from bench.faults_effects import _last_votes
from bench.faults_fake import FaultyTelegram, Stamp
from bench.faults_matrix import MatrixSession
from bench.faults_session import until
from bench.faults_world import Expected
from magbot.app import App
from magbot.config import load_settings
from tests.fakes.telegram_api import Answered
from tests.fakes.telegram_objects import Call

DM = 7101


def record(fake: FaultyTelegram, method: str, epoch: int, at: float, dropped: bool = False, **params: object) -> None:
    fake.answered.append(Answered(Call(method, dict(params)), {}, None))
    fake.answered.stamps[-1] = Stamp(epoch, at, received=at, dropped=dropped)  # type: ignore[attr-defined]


def asked(*tokens: str) -> Expected:
    expected = Expected()
    for token in tokens:
        expected.expect_reply(token, DM)
    return expected


def test_a_reply_sent_twice_by_one_process_is_doubled_and_one_never_sent_is_lost() -> None:
    fake = FaultyTelegram()
    record(fake, "sendMessage", 1, 0.0, chat_id=DM, text="I don't know /zq1.")
    record(fake, "sendMessage", 1, 1.5, chat_id=DM, text="I don't know /zq1.")
    verdict = check_replies(fake, asked("I don't know /zq1.", "I don't know /zq2."))
    assert (verdict.doubled, verdict.lost, verdict.resent) == (1, 1, 0)


def test_a_copy_after_a_kill_or_a_dropped_answer_is_resent_not_doubled() -> None:
    fake = FaultyTelegram()
    record(fake, "sendMessage", 1, 0.0, chat_id=DM, text="/zq1.")  # the last thing process 1 sent there
    record(fake, "sendMessage", 2, 5.0, chat_id=DM, text="/zq1.")
    record(fake, "sendMessage", 2, 6.0, dropped=True, chat_id=DM, text="/zq2.")  # its answer never arrived
    record(fake, "sendMessage", 2, 7.5, chat_id=DM, text="/zq2.")
    verdict = check_replies(fake, asked("/zq1.", "/zq2."))
    assert (verdict.doubled, verdict.lost, verdict.resent, verdict.order) == (0, 0, 2, 0)


def test_a_copy_is_doubled_when_its_process_had_sent_on_in_that_chat() -> None:
    fake = FaultyTelegram()
    record(fake, "sendMessage", 1, 0.0, chat_id=DM, text="/zq1.")
    record(fake, "sendMessage", 1, 1.0, chat_id=DM, text="/zq2.")  # so the first row had been deleted
    record(fake, "sendMessage", 2, 5.0, chat_id=DM, text="/zq1.")
    verdict = check_replies(fake, asked("/zq1.", "/zq2."))
    assert verdict.doubled == 1 and verdict.order == 1


def test_replies_out_of_order_are_counted() -> None:
    fake = FaultyTelegram()
    record(fake, "sendMessage", 1, 0.0, chat_id=DM, text="/zq2.")
    record(fake, "sendMessage", 1, 1.0, chat_id=DM, text="/zq1.")
    assert check_replies(fake, asked("/zq1.", "/zq2.")).order == 1


def test_rate_limits_are_checked_per_chat_per_group_and_after_a_429() -> None:
    fake = FaultyTelegram()
    record(fake, "sendMessage", 1, 0.0, chat_id=DM, text="a")
    record(fake, "editMessageText", 1, 0.5, chat_id=DM, text="b")  # half a second later in the same chat
    for n in range(21):
        record(fake, "sendMessage", 1, 10.0 + n * 1.5, chat_id=-100, text="g")  # 21 within 30 s in a group
    fake.told_to_wait.append((1, 100.0, str(DM), 3.0))
    record(fake, "sendMessage", 1, 101.0, chat_id=DM, text="c")  # 1 s after "retry after 3"
    record(fake, "sendMessage", 2, 101.1, chat_id=DM, text="d")  # another process: not compared
    verdict = check_limits(fake)
    assert verdict.limits == 3, verdict.notes


def test_rate_limits_count_when_calls_arrive_not_when_the_fake_answered() -> None:
    """Under load the fake's own delays can put two answers 0.3 s apart for calls that came a second apart."""
    fake = FaultyTelegram()
    record(fake, "sendMessage", 1, 0.0, chat_id=DM, text="a")
    fake.answered.stamps[-1].at = 0.9  # type: ignore[attr-defined]  # the first was answered late
    record(fake, "sendMessage", 1, 1.0, chat_id=DM, text="b")
    fake.answered.stamps[-1].at = 1.2  # type: ignore[attr-defined]
    assert check_limits(fake).limits == 0
    record(fake, "sendMessage", 1, 1.4, chat_id=DM, text="c")  # came 0.4 s after "b": too close
    assert check_limits(fake).limits == 1


def test_an_outsider_answered_as_a_member_is_a_refusal_missed() -> None:
    fake, expected = FaultyTelegram(), Expected()
    expected.forbidden = {"q1": ("t", 7201), "q2": ("t", 7202)}
    record(fake, "answerCallbackQuery", 1, 0.0, callback_query_id="q1", text="These buttons are for group members.")
    record(fake, "answerCallbackQuery", 1, 0.0, callback_query_id="q2", text="+1 given.")
    verdict = check_refusals(fake, expected)
    assert (verdict.refusals, verdict.refusals_missed) == (2, 1)


def test_a_press_never_answered_is_lost() -> None:
    fake, expected = FaultyTelegram(), Expected()
    expected.presses = {"q1": ("t", 1), "q2": ("t", 2)}
    fake.answered.append(Answered(Call("answerCallbackQuery", {"callback_query_id": "q1"}), True, None))
    assert check_presses(fake, expected).lost == 1


def test_the_token_a_name_or_member_text_in_a_log_is_a_leak() -> None:
    token = "123:secret"
    lines = [
        "INFO magbot.app magbot running platforms=telegram",
        f"DEBUG x url=https://api.telegram.org/bot{token}/getMe",
        "DEBUG x member=Zebedee",
        "DEBUG x text=/suggest pigeonloft12x",
        "DEBUG x got /zq3",
    ]
    assert check_logs(["\n".join(lines)], [token, "secret"]).leaks == 4
    assert crashes_in("Traceback (most recent call last):\n2026 ERROR magbot.core.dispatch handler failed") == [
        "Traceback (most recent call last):",
        "2026 ERROR magbot.core.dispatch handler failed",
    ]


def test_a_loop_that_stopped_is_a_crash_whatever_its_error() -> None:
    # A clean SIGTERM logs no such line any more (tests/ops/test_single_process.py), so none is excused.
    assert crashes_in("2026 ERROR magbot.ops.runner telegram stopped error=none") != []
    assert crashes_in("2026 ERROR magbot.ops.runner telegram stopped error=OSError") != []


def test_each_voter_counts_once_with_his_last_choice_across_the_copies_of_a_resent_poll() -> None:
    expected, verdict = Expected(), Verdict()
    expected.votes += [("first", "pigeonloft1x", 7101, [0]), ("second", "pigeonloft1x", 7101, [1])]
    expected.votes += [("first", "pigeonloft1x", 7101, [])]  # taken back on the other copy: his Coffee stands
    expected.votes += [("second", "pigeonloft1x", 7102, [0]), ("second", "pigeonloft1x", 7102, [])]
    expected.votes += [("unknown", "pigeonloft1x", 7103, [1])]  # a copy the bot never learnt
    chosen = _last_votes(expected, {"first", "second"}, verdict)
    assert chosen == {("pigeonloft1x", "7101", 1), ("pigeonloft1x", "7103", 1)} and verdict.orphan_votes == 1


async def test_a_call_is_stamped_with_the_process_that_made_it_not_the_one_alive_when_it_was_read() -> None:
    """A request still in a socket when its process is SIGKILLed is read after the next process started: taken
    for the next one's, its resend would look like a double (as it once did in CI under load)."""
    async with FaultyTelegram() as fake, aiohttp.ClientSession() as http:
        fake.epoch = 4  # the driver has moved on to process 4
        async with http.post(f"{fake.process_url(3)}{fake.token}/getMe") as answer:
            assert answer.status == 200
        async with http.post(f"{fake.url}/bot{fake.token}/getMe") as answer:  # outside any process's path
            assert answer.status == 200
    assert [stamp.epoch for _, stamp in fake.stamped()] == [3, 4]


async def test_an_answer_the_bot_gave_up_waiting_for_is_stamped_dropped() -> None:
    """A send whose read timed out (CI under load) is sent again: the fake took the first copy, the bot never
    heard it did. Its copy is a resend, not a double; an answer the bot did get stays a double's first copy."""
    async with FaultyTelegram() as fake, aiohttp.ClientSession() as http:
        fake.start_bot(DM)  # he wrote to the bot first: it may write to him
        fake.hold_answers = asyncio.Event()
        url = f"{fake.process_url(1)}{fake.token}/sendMessage"
        given_up = asyncio.create_task(http.post(url, data={"chat_id": str(DM), "text": "/zq1."}))
        assert await until(lambda: len(fake.held) == 1, 10.0, 0.01)
        given_up.cancel()  # as a read timeout does: the connection is closed with the answer not read
        transport = fake.held[0].transport
        assert await until(lambda: transport is None or transport.is_closing(), 10.0, 0.01)
        fake.hold_answers.set()
        async with http.post(url, data={"chat_id": str(DM), "text": "/zq1."}) as answer:  # the resend, heard
            assert answer.status == 200
    assert [stamp.dropped for _, stamp in fake.stamped()] == [True, False]
    verdict = check_replies(fake, asked("/zq1."))
    assert (verdict.doubled, verdict.resent) == (0, 1)


async def test_a_sessions_bots_live_at_its_fixed_start_whatever_the_day(tmp_path: Path) -> None:
    """The bots' time comes from the session, not the machine: on a Thursday at 18:45 the machine's time made
    the bots post the meeting's agenda mid-run, quoting suggestions, and the checks saw a card sent twice."""
    async with FaultyTelegram() as fake:
        config = BotConfig(tmp_path, "sqlite+aiosqlite:///x.db", "polling", 0, clock_shift_s=session_clock_shift())
        app = App(load_settings(config.write(fake), env=config.env(fake, 0)))
        try:
            assert abs(app.clock.now() - SESSION_START) < timedelta(minutes=1)
        finally:
            await app.close()
    assert SESSION_START.weekday() == 0  # a Monday morning: no meeting, reminder or check-in round near it


async def test_a_matrix_sessions_bots_live_at_the_same_fixed_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Matrix fault world's bots too: every process of a session reads its clock at SESSION_START."""
    monkeypatch.setenv("MAGBOT_TEST_HOMESERVER", "http://127.0.0.1:9")  # only read here: nothing is called
    monkeypatch.setenv("MAGBOT_TEST_REGISTRATION_SECRET", "unused")
    session = MatrixSession(1, 7, tmp_path, "sqlite+aiosqlite:///x.db")
    session.bot_id = "@magbot:localhost"
    for _ in range(2):  # a restarted process keeps the session's shift
        bot = session.next_bot()
        session.processes.append(bot)
        app = App(load_settings(env=bot.env()))
        try:
            assert abs(app.clock.now() - SESSION_START) < timedelta(minutes=1)
        finally:
            await app.close()
