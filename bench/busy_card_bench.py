"""Busy card: ten members press "I'll be there" on one meeting card within 2 s, then one asks /members.

    python bench/busy_card_bench.py [--runs 3]

Both runs use magbot's real Telegram path (receive loop, dispatch, SQLite, outbox sender with Telegram's rate
policy) against the in-process fake Bot API (127.0.0.1 only), which here also enforces Telegram's limits the way
Telegram does, with a 429 ("retry after 1"): 1 message a second per chat, 20 a minute per group, 30 a second
overall, edits included (a 50 ms slack per chat for the HTTP round trip's jitter). Side by side in one run:

- baseline: the outbox as it was (every edit sent, one chat's rows strictly in the order they were saved);
- magbot: a card's pending edits coalesced to the newest, and a direct answer sent before bulk edits.

Figures: edits sent after the first press, when the card first showed the final count ("Coming (10)"), how
long /members waited for its answer, and the 429s the fake gave. Ends with one `summary key=value ...` line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GROUP = -1001234567890
MEMBERS = [8001 + n for n in range(10)]
ASKER = 8100
SENDS = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPoll", "sendDocument"}
SLACK = 0.05


def limited_server() -> Any:
    from tests.fakes.telegram_api import FakeTelegramServer
    from tests.fakes.telegram_objects import ApiError

    class LimitedTelegram(FakeTelegramServer):  # type: ignore[misc]
        """The fake, refusing with a 429 what Telegram's limits would refuse, and stamping each answer's time."""

        def __init__(self) -> None:
            super().__init__()
            self.too_many = 0
            self.stamps: list[tuple[float, str, dict[str, Any]]] = []  # (time, method, params) of accepted sends
            self._last: dict[str, float] = {}
            self._minute: dict[str, deque[float]] = {}
            self._second: deque[float] = deque()

        def _raise_injected_failure(self, method: str, params: dict[str, Any]) -> None:
            super()._raise_injected_failure(method, params)
            if method not in SENDS:
                return
            now, chat = time.perf_counter(), str(params.get("chat_id"))
            minute = _trim(self._minute.setdefault(chat, deque()), now - 60)
            second = _trim(self._second, now - 1)
            last = self._last.get(chat)
            if (last is not None and now - last < 1 - SLACK) or len(minute) >= 20 or len(second) >= 30:
                self.too_many += 1
                raise ApiError(429, "Too Many Requests: retry after 1", 1)
            self._last[chat] = now
            minute.append(now)
            second.append(now)
            self.stamps.append((now, method, dict(params)))

    return LimitedTelegram()


def _trim(window: deque[float], cutoff: float) -> deque[float]:
    while window and window[0] <= cutoff:
        window.popleft()
    return window


@dataclass
class Result:
    edits: int
    final_after_s: float  # first press -> the card shows the final count
    answer_s: float  # /members -> its answer accepted
    too_many: int
    final_right: bool


async def seed(app: Any) -> None:
    from magbot.domain.group_settings import default_settings

    now = datetime.now(UTC)
    async with app.uow() as uow:
        group = await uow.groups.create("telegram", str(GROUP), default_settings(), now - timedelta(days=1))
        await uow.groups.mark_set_up(group.id, now - timedelta(days=1))
        for user in [*MEMBERS, ASKER]:
            await uow.members.add(group.id, str(user), f"Member{user}", founding=True, now=now)


async def until(check: Any, limit: float = 120.0) -> None:
    deadline = time.perf_counter() + limit
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the bench waited too long")
        await asyncio.sleep(0.005)


async def one_run(coalesce: bool, folder: Path) -> Result:
    from magbot.app import App
    from magbot.config import Settings, TelegramSettings
    from magbot.platforms.telegram import TelegramPlatform
    from magbot.storage.outbox_repo import Outbox

    Outbox.coalesce_edits = Outbox.answers_first = coalesce
    fake = limited_server()
    await fake.start()
    telegram = TelegramSettings(token=fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    url = f"sqlite+aiosqlite:///{folder}/busy-{coalesce}.db"
    app = App(Settings(platforms=("telegram",), data_dir=str(folder), database_url=url, telegram=telegram))
    await app.prepare()
    await seed(app)
    platform = TelegramPlatform(telegram, app.uow, app.router, clock=app.clock, poll_timeout=10)  # Telegram's rates
    app.add_platform(platform)
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(platform.run(app.dispatcher.dispatch, stop)),
        asyncio.create_task(app.outbox.run(stop)),
    ]
    try:
        await platform.ready.wait()
        return await scenario(fake)
    finally:
        stop.set()
        app.outbox.wake()
        await asyncio.gather(*tasks)
        await app.close()
        await fake.stop()
        Outbox.coalesce_edits = Outbox.answers_first = True


async def scenario(fake: Any) -> Result:
    fake.inject_message(GROUP, MEMBERS[0], "/meeting", first_name=f"Member{MEMBERS[0]}")
    await until(lambda: any(m == "sendMessage" and "reply_markup" in p for _, m, p in fake.stamps))
    card = next(p for _, m, p in fake.stamps if m == "sendMessage" and "reply_markup" in p)
    message_id = next(
        a.result["message_id"] for a in fake.answered if a.call.method == "sendMessage" and a.result is not None
    )
    data = _first_button(card["reply_markup"])
    await asyncio.sleep(1.1)  # the card's own send is a second old: the presses start on a quiet chat
    first_press = time.perf_counter()
    for user in MEMBERS:  # ten presses, one every 0.2 s
        fake.inject_callback_query(user, data, GROUP, message_id, first_name=f"Member{user}")
        await asyncio.sleep(0.2)
    asked = time.perf_counter()
    fake.inject_message(GROUP, ASKER, "/members", first_name=f"Member{ASKER}")

    def answered() -> bool:
        return any(m == "sendMessage" and t > asked and "members" in str(p.get("text")) for t, m, p in fake.stamps)

    def final() -> bool:
        return "Coming (10)" in str((fake.get_message(GROUP, message_id) or {}).get("text"))

    await until(lambda: answered() and final())
    edits = [(t, p) for t, m, p in fake.stamps if m == "editMessageText" and t >= first_press]
    shown = min(t for t, p in edits if "Coming (10)" in str(p.get("text")))
    answer = min(t for t, m, p in fake.stamps if m == "sendMessage" and t > asked and "members" in str(p.get("text")))
    await asyncio.sleep(1.5)  # nothing else is still coming (a late edit would show here)
    late = [p for t, m, p in fake.stamps if m == "editMessageText" and t > shown]
    right = final() and not late
    return Result(len(edits), shown - first_press, answer - asked, fake.too_many, right)


def _first_button(markup: Any) -> str:
    import json

    keyboard = json.loads(markup) if isinstance(markup, str) else markup
    return str(keyboard["inline_keyboard"][0][0]["callback_data"])


async def run(runs: int) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {"baseline": [], "magbot": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            for name, coalesce in (("baseline", False), ("magbot", True)):
                folder = Path(tmp) / f"{name}{n}"
                folder.mkdir()
                out[name].append(await one_run(coalesce, folder))
    return out


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}/{statistics.median(values):.2f}/{max(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("httpx", "httpcore", "telegram", "aiosqlite", "magbot"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    results = asyncio.run(run(args.runs))
    print(f"10 presses in 2 s on one card, then /members; Telegram's limits enforced; {args.runs} runs, min/median/max")
    print(f"{'':12}{'edits sent':>16}{'final shown s':>18}{'answer s':>18}{'429s':>10}{'final right':>13}")
    for name, rs in results.items():
        print(
            f"{name:12}{spread([r.edits for r in rs]):>16}{spread([r.final_after_s for r in rs]):>18}"
            f"{spread([r.answer_s for r in rs]):>18}{sum(r.too_many for r in rs):>10}"
            f"{'yes' if all(r.final_right for r in rs) else 'NO':>13}"
        )
    base, mine = results["baseline"], results["magbot"]
    print(
        "summary "
        f"edits_max={max(r.edits for r in mine)} base_edits_max={max(r.edits for r in base)} "
        f"answer_s_max={max(r.answer_s for r in mine):.2f} base_answer_s_max={max(r.answer_s for r in base):.2f} "
        f"final_s_median={statistics.median(r.final_after_s for r in mine):.2f} "
        f"base_final_s_median={statistics.median(r.final_after_s for r in base):.2f} "
        f"too_many={sum(r.too_many for r in mine)} base_too_many={sum(r.too_many for r in base)} "
        f"final_right={'yes' if all(r.final_right for r in mine + base) else 'no'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
