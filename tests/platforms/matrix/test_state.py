"""The Matrix platform's saved state, without a homeserver: txn id bases per outbox row and their pruning."""

from __future__ import annotations

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.events import ChatRef, Post
from magbot.platforms.matrix.state import PRUNE_EVERY, MatrixState


async def tx_keys(app: App) -> set[str]:
    async with app.uow() as uow:
        return set(await uow.state.keys("mx:tx:"))


async def test_a_txn_base_holds_per_row_and_gone_rows_are_pruned_every_so_many_sends(
    app: App, clock: ManualClock
) -> None:
    async with app.uow() as uow:
        await uow.outbox.add([Post(ChatRef("matrix", "!room:localhost"), "still waiting")], clock.now())
    async with app.uow() as uow:
        (waiting,) = await uow.outbox.ids()
    state = MatrixState(app.uow)

    first = await state.tx_base(waiting, "aaaa")  # send 1 (prunes: nothing yet)
    assert await state.tx_base(waiting, "aaaa") == first  # a retry of the row: the same txn id
    assert await state.tx_base(waiting, "bbbb") != first  # the id came back for another message: a fresh one
    gone = [waiting + n for n in range(1, PRUNE_EVERY - 2)]  # rows sent and already out of the outbox
    for outbox_id in gone:  # sends 4 .. PRUNE_EVERY: no scan of the outbox, the bases stay meanwhile
        await state.tx_base(outbox_id, "cccc")
    assert await tx_keys(app) == {f"mx:tx:{n}" for n in [waiting, *gone]}

    await state.tx_base(waiting + PRUNE_EVERY, "dddd")  # send PRUNE_EVERY + 1 prunes
    assert await tx_keys(app) == {f"mx:tx:{waiting}", f"mx:tx:{waiting + PRUNE_EVERY}"}
