"""The proof that a crash, a redelivery or a failing network loses and doubles nothing: a fault suite.

    python bench/faults.py --runs 200 --seed 1 --db sqlite --mode polling
    python bench/faults.py --runs 200 --db postgres --mode webhook      # needs MAGBOT_TEST_PG_URL

It runs magbot as operators do (`python -m magbot run`, a TOML config, secrets in the environment, logs at
DEBUG) against the fake Telegram Bot API on 127.0.0.1, feeds it a seeded random stream of members' actions
(unknown commands in private, /suggest in four groups, +1 presses, replayed updates), SIGKILLs it at random
moments, restarts it, and lets a last process drain everything (see faults_session.py). Sends fail at random
meanwhile (429 with retry_after, 500, 502, connections dropped before or after Telegram handled them). Then it
checks from the fake's record, the database and the logs (see faults_check.py) and prints one line:

    runs N, lost L, doubled D, resent K, crashes C

followed by the other figures (order kept, limits kept, leaks, refusals, what was done). Exit status 0 only when
lost, doubled, crashes, order and limit violations and leaks are all 0. `resent` is allowed: a message Telegram
accepted just before the kill (or whose answer the network dropped) is sent again, since Telegram has no
idempotency key; it is counted, not hidden.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a script: make `bench`, `magbot` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faults_session import Options, Report, Session

if TYPE_CHECKING:
    from bench.faults_matrix import MatrixSession

PG_ENV = "MAGBOT_TEST_PG_URL"


@contextlib.asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'magbot.db'}"
        return
    from tests.pg import fresh_database

    base = os.environ.get(PG_ENV)
    if not base:
        raise SystemExit(f"--db postgres needs {PG_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:54329/x)")
    async with fresh_database(base) as url:
        yield url


async def run_suite(options: Options, workroot: Path | None = None, progress: bool = False) -> Report:
    """All sessions, one after the other (fresh fake and database each); the sum of their reports."""
    total, done, index = Report(), 0, 0
    while done < options.runs:
        kills = min(options.per_session, options.runs - done)
        with tempfile.TemporaryDirectory(dir=workroot) as tmp:
            async with database(options.db, Path(tmp)) as url:
                seed = options.seed * 1000 + index
                report = await _session(options, seed, kills, Path(tmp), url).run()
        total.add(report)
        if progress:
            print(f"  session seed {seed}: {summary(report)} ({report.seconds:.0f}s)", file=sys.stderr, flush=True)
            for note in report.verdict.notes[:20]:
                print(f"    {note}", file=sys.stderr)
        done, index = done + kills, index + 1
    return total


def _session(options: Options, seed: int, kills: int, workdir: Path, url: str) -> Session | MatrixSession:
    if options.platform == "matrix":
        from bench.faults_matrix import MatrixSession

        return MatrixSession(kills, seed, workdir, url)
    return Session(options, seed, kills, workdir, url)


def summary(report: Report) -> str:
    v = report.verdict
    return f"runs {report.runs}, lost {v.lost}, doubled {v.doubled}, resent {v.resent}, crashes {report.crashes}"


def figures(report: Report, options: Options) -> list[str]:
    v = report.verdict
    actions = ", ".join(f"{k} {n}" for k, n in sorted(report.actions.items()))
    faults = ", ".join(f"{k} {n}" for k, n in report.faults.items())
    return [
        f"order violations {v.order}, rate-limit violations {v.limits}, log leaks {v.leaks}, "
        f"refusals {v.refusals} (missed {v.refusals_missed}), pop-ups missing after a kill {report.popups_missing}, "
        f"sends under a second after the killed process's last in that chat {v.gaps_across_restarts}, "
        f"votes on a resent poll's unknown first copy {v.orphan_votes}",
        f"{options.platform}, {options.db}, {options.mode if options.platform == 'telegram' else 'sync'}: "
        f"{report.processes} bot processes, {report.seconds:.0f}s; "
        f"actions: {actions}; send faults: {faults}",
    ]


def passed(report: Report) -> bool:
    v = report.verdict
    return not (v.lost or v.doubled or report.crashes or v.order or v.limits or v.leaks or v.refusals_missed)


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="SIGKILL-and-restart runs (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--platform", choices=("telegram", "matrix"), default="telegram")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--per-session", type=int, default=25, help="runs per fresh database (default 25)")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of sends that fail (default 0.05)")
    args = parser.parse_args(argv)
    return Options(
        runs=args.runs,
        seed=args.seed,
        platform=args.platform,
        db=args.db,
        mode=args.mode,
        per_session=args.per_session,
        fault_rate=args.fault_rate,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    report = asyncio.run(run_suite(options, progress=True))
    print(summary(report))
    for line in figures(report, options):
        print(line)
    return 0 if passed(report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
