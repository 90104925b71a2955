"""Bench: reading members' times, magbot's timewords (dateparser behind it) beside the old hand parser.

Prints, side by side in one run: how many of PRODUCT.md's forms each reads right (and which it misses), the
cost of importing dateparser and of its first call (it loads its English data then), both in a fresh process,
and the cost per call of each once warm. Usage: python bench/timewords_bench.py [--calls 2000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bench.timewords_hand import hand_read_when
from magbot.domain.timewords import read_time

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wednesday noon
# PRODUCT.md's forms and issue #14's, with the local time each means on Wednesday 2 December 2026 at noon.
FORMS = {
    "friday 18:00": "04/12 18:00", "fri 6pm": "04/12 18:00", "tonight 7pm": "02/12 19:00",
    "tomorrow 19:30": "03/12 19:30", "next saturday 10am": "05/12 10:00", "28/12 19:00": "28/12 19:00",
    "28 December 7pm": "28/12 19:00", "in 2 days": "04/12 12:00", "2d": "04/12 12:00", "3h": "02/12 15:00",
    "tonight 19:00": "02/12 19:00", "next saturday 7pm": "05/12 19:00", "fri 7pm": "04/12 19:00",
    "28 December 19:00": "28/12 19:00", "saturday 10:00": "05/12 10:00", "9pm": "02/12 21:00",
}
IMPORT_CODE = (
    "import time; t = time.perf_counter(); import dateparser; t1 = time.perf_counter(); "
    "from datetime import datetime; dateparser.parse('fri 7pm', languages=['en'], "
    "settings={'RELATIVE_BASE': datetime(2026, 12, 2, 12)}); print(t1 - t, time.perf_counter() - t1)"
)


def _shown(when: datetime | None) -> str:
    return "-" if when is None else f"{when.astimezone(LONDON):%d/%m %H:%M}"


def _timewords(text: str) -> datetime | None:
    when = read_time(text, NOW, LONDON)
    return when if isinstance(when, datetime) else None


def _hand(text: str) -> datetime | None:
    return hand_read_when(text, NOW, LONDON)


def _per_call_us(parse: Callable[[str], datetime | None], calls: int) -> float:
    forms = list(FORMS)
    parse(forms[0])  # warm: dateparser loads its data on the first call
    start = time.perf_counter()
    for n in range(calls):
        parse(forms[n % len(forms)])
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    right = {"timewords": 0, "hand": 0}
    print(f"{'form':22} {'means':12} {'timewords':12} {'hand':12}")
    for text, meant in FORMS.items():
        ours, hand = _shown(_timewords(text)), _shown(_hand(text))
        right["timewords"] += ours == meant
        right["hand"] += hand == meant
        print(f"{text:22} {meant:12} {ours:12} {hand:12}")
    out = subprocess.run([sys.executable, "-c", IMPORT_CODE], capture_output=True, text=True, check=True).stdout
    import_s, first_s = (float(x) for x in out.split())
    ours_us, hand_us = _per_call_us(_timewords, args.calls), _per_call_us(_hand, args.calls)
    print(f"\nforms read right: timewords {right['timewords']}/{len(FORMS)}, hand {right['hand']}/{len(FORMS)}")
    print(f"dateparser import {import_s * 1000:.0f} ms, first call {first_s * 1000:.0f} ms (fresh process)")
    print(f"per call, warm: timewords {ours_us:.0f} us, hand {hand_us:.1f} us")
    print(
        f"summary forms={len(FORMS)} timewords_right={right['timewords']} hand_right={right['hand']} "
        f"import_ms={import_s * 1000:.0f} first_call_ms={first_s * 1000:.0f} "
        f"timewords_us={ours_us:.0f} hand_us={hand_us:.1f}"
    )


if __name__ == "__main__":
    main()
