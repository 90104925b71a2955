"""The write lock's queue on SQLite: a member's dispatch goes before waiting background transactions, each lane
keeps its order, and a waiter cancelled as the lock reaches it passes the lock on."""

from __future__ import annotations

import asyncio

from magbot.storage.turn import Turn


async def _queue(turn: Turn, order: list[str], name: str, background: bool, release: asyncio.Event) -> None:
    await turn.acquire(background)
    order.append(name)
    await release.wait()
    turn.release()


async def settle() -> None:
    for _ in range(5):  # let every task started so far reach its next await
        await asyncio.sleep(0)


async def test_a_dispatch_overtakes_waiting_background_work_and_each_lane_keeps_its_order() -> None:
    turn, order, go = Turn(), list[str](), asyncio.Event()
    await turn.acquire(background=True)  # a tick's job holds the lock
    tasks = [asyncio.create_task(_queue(turn, order, f"sender {n}", True, go)) for n in range(3)]
    await settle()
    tasks += [asyncio.create_task(_queue(turn, order, f"member {n}", False, go)) for n in range(2)]
    await settle()
    go.set()
    turn.release()
    await asyncio.gather(*tasks)
    assert order == ["member 0", "member 1", "sender 0", "sender 1", "sender 2"]
    assert not turn.locked()


async def test_a_waiter_cancelled_as_the_lock_reaches_it_passes_it_on() -> None:
    turn, order, go = Turn(), list[str](), asyncio.Event()
    await turn.acquire()
    first = asyncio.create_task(turn.acquire(background=True))
    second = asyncio.create_task(_queue(turn, order, "next", True, go))
    await settle()
    turn.release()  # handed to `first` ...
    first.cancel()  # ... which is cancelled before it runs
    go.set()
    await asyncio.gather(first, return_exceptions=True)
    await second
    assert order == ["next"] and not turn.locked()


async def test_a_waiter_cancelled_while_waiting_leaves_the_queue() -> None:
    turn = Turn()
    await turn.acquire()
    gone = asyncio.create_task(turn.acquire())
    await settle()
    gone.cancel()
    await asyncio.gather(gone, return_exceptions=True)
    turn.release()
    assert not turn.locked()
    await asyncio.wait_for(turn.acquire(background=True), 1)  # free at once
