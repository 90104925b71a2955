"""The outbox's queue rules on SQLite and PostgreSQL: a card's pending edits coalesce to the newest, in the
transaction that saves it; a direct answer goes before bulk rows unless it refers to a card one of them posts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from magbot.core.events import ChatRef, Delete, Edit, Post
from magbot.storage.outbox_scan import SCAN_PAGE, due_heads
from magbot.storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CHAT = ChatRef("telegram", "-100")


async def queue(uow: UnitOfWorkFactory) -> list[object]:
    """The chat's rows in the order the sender takes them (each taken row marked done)."""
    order: list[object] = []
    async with uow() as u:
        while (head := await u.outbox.head("telegram", "-100")) is not None:
            order.append(head.message)
            await u.outbox.done(head.id)
    return order


async def test_ten_edits_of_a_card_leave_only_the_newest(uow: UnitOfWorkFactory) -> None:
    for n in range(10):
        async with uow() as u:  # ten presses, ten transactions
            await u.outbox.add([Edit(CHAT, "rsvp:1", f"{n + 1} coming")], NOW)
    assert await queue(uow) == [Edit(CHAT, "rsvp:1", "10 coming")]


async def test_an_edit_being_sent_is_replaced_and_its_own_delete_finds_nothing(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        await u.outbox.add([Edit(CHAT, "rsvp:1", "1 coming")], NOW)
    async with uow() as u:
        in_flight = await u.outbox.head("telegram", "-100")  # the sender has it and is sending it
    async with uow() as u:
        await u.outbox.add([Edit(CHAT, "rsvp:1", "2 coming")], NOW)
    assert in_flight is not None
    async with uow() as u:
        await u.outbox.done(in_flight.id)  # the send went through; the row was already gone
    assert await queue(uow) == [Edit(CHAT, "rsvp:1", "2 coming")]


async def test_edits_on_either_side_of_a_new_post_of_the_card_both_stay(uow: UnitOfWorkFactory) -> None:
    rows = [
        Edit(CHAT, "c", "old card, last words"),
        Delete(CHAT, "c"),
        Post(CHAT, "new card", card="c"),
        Edit(CHAT, "c", "new card, first edit"),
    ]
    async with uow() as u:
        await u.outbox.add(rows[:2], NOW)
    async with uow() as u:
        await u.outbox.add(rows[2:], NOW)
    async with uow() as u:
        await u.outbox.add([Edit(CHAT, "c", "new card, second edit"), Edit(CHAT, "other", "untouched")], NOW)
    expected = [*rows[:3], Edit(CHAT, "c", "new card, second edit"), Edit(CHAT, "other", "untouched")]
    assert await queue(uow) == expected


async def test_an_answer_goes_before_bulk_rows_but_not_before_the_card_it_refers_to(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        await u.outbox.add([Edit(CHAT, "rsvp:1", "3 coming"), Post(CHAT, "Reminder", card="meeting")], NOW)
    async with uow() as u:
        await u.outbox.add([Post(CHAT, "2 members")], NOW, urgent=True)
    assert await queue(uow) == [
        Post(CHAT, "2 members"),
        Edit(CHAT, "rsvp:1", "3 coming"),
        Post(CHAT, "Reminder", card="meeting"),
    ]
    async with uow() as u:
        await u.outbox.add([Post(CHAT, "Reminder", card="meeting")], NOW)
    async with uow() as u:
        await u.outbox.add([Post(CHAT, "In the thread", thread="meeting"), Post(CHAT, "after")], NOW, urgent=True)
    assert await queue(uow) == [
        Post(CHAT, "Reminder", card="meeting"),
        Post(CHAT, "In the thread", thread="meeting"),
        Post(CHAT, "after"),
    ]


async def test_a_flush_reads_a_page_of_chats_answers_first_passing_over_held_back_ones(uow: UnitOfWorkFactory) -> None:
    """Hundreds of queued reminders: the flush's scan finds the chats that may go now without reading them all."""
    async with uow() as u:
        for n in range(150):
            await u.outbox.add([Post(ChatRef("telegram", f"-{n}"), "reminder")], NOW)
        await u.outbox.add([Post(ChatRef("telegram", "7", "dm"), "3 members: ...")], NOW, urgent=True)
        backing_off = await u.outbox.head("telegram", "-2")
        assert backing_off is not None
        await u.outbox.retry_later(backing_off.id, NOW + timedelta(seconds=30))
    limited = {"-0": 2.0, "-1": 1.0}  # sent a moment ago: the per-chat limit holds them back
    async with uow() as u:
        found = await u.outbox.due_heads("telegram", NOW, 4, lambda chat: limited.get(chat, 0.0))
    assert list(found.heads) == ["7", "-3", "-4", "-5"]  # the answer first, then the oldest that may go
    assert found.heads["7"].message == Post(ChatRef("telegram", "7", "dm"), "3 members: ...")
    assert found.more and found.later == NOW + timedelta(seconds=1)
    async with uow() as u:
        everything = await u.outbox.due_heads("telegram", NOW, 1000, lambda chat: limited.get(chat, 0.0))
    assert len(everything.heads) == 148 and not everything.more  # all but the two held back and the one waiting
    assert everything.later == NOW + timedelta(seconds=1)


@pytest.mark.parametrize("seed", range(6))
async def test_a_small_outbox_read_whole_is_chosen_as_the_paged_scan_chooses(uow: UnitOfWorkFactory, seed: int) -> None:
    """Below a page, a flush reads every pending row in one statement and chooses in memory: the same heads, in
    the same order, the same `later` and `more` as the scan a page at a time, on outboxes of every shape."""
    draw = random.Random(seed)
    chats = [ChatRef("telegram", f"-{n}") for n in range(8)] + [ChatRef("telegram", str(n), "dm") for n in range(3)]
    async with uow() as u:
        for _ in range(draw.randint(1, SCAN_PAGE - 1)):
            chat, card = draw.choice(chats), draw.choice([None, "rsvp:1", "poll:2"])
            message = Edit(chat, card, "count") if card and draw.random() < 0.5 else Post(chat, "text", card=card)
            await u.outbox.add([message], NOW, urgent=draw.random() < 0.3)
        for chat in draw.sample(chats, 2):
            if (head := await u.outbox.head("telegram", chat.chat_id)) is not None:
                await u.outbox.retry_later(head.id, NOW + timedelta(seconds=draw.randint(1, 60)))
    held = {chat.chat_id: float(draw.randint(1, 5)) for chat in draw.sample(chats, 3)}

    def wait_of(chat: str) -> float:
        return held.get(chat, 0.0)

    for most in (1, 3, 1000):
        async with uow() as u:
            whole = await due_heads(u.session, "telegram", NOW, most, wait_of)
            paged = await due_heads(u.session, "telegram", NOW, most, wait_of, small_whole=False)
        assert whole.heads and list(whole.heads) == list(paged.heads), (seed, most)
        assert whole == paged, (seed, most)
