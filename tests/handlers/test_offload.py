"""Offloads as use cases: what the bot posts (protected, a thread, spoiler for heavy words), anonymity,
relays, the group's retention period, Keep, and /forget."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from magbot.app import App
from magbot.core.clock import ManualClock
from magbot.core.events import ButtonPress, ChatRef, UserRef
from tests.conftest import START, settings_for, sqlite_url
from tests.story import console_app, story

SETUP = (
    "dave: /setup", "sam [I'm a member]", "tom [I'm a member]",
    "dave [Open a private chat with me]", "sam> /start", "tom> /start",
)  # fmt: skip


async def queued(app: App) -> list[dict[str, object]]:
    async with app.uow() as uow:
        rows = await uow.session.execute(text("SELECT payload FROM outbox ORDER BY id"))
        return [json.loads(payload) for (payload,) in rows]


async def test_the_header_starts_a_protected_thread_and_heavy_words_hide_behind_a_spoiler(app: App) -> None:
    await story(app).say(*SETUP, "dave: /offload lost my flat today", "dave [Yes]")
    press = ButtonPress(
        "t-1", ChatRef("console", "group"), UserRef("console", "dave", "Dave"), app.clock.now(),
        data="offload:mode:1:1:listen",
    )  # fmt: skip
    await app.dispatcher.dispatch(press)
    header, words, note = await queued(app)
    assert header["start_thread"] == "Dave's offload" and header["card"] == "offload:1"
    assert header["protect"] is True and header["spoiler"] is False and "lost my flat" not in str(header["text"])
    assert header["text"].startswith("Dave's offload\nHeads up: heavy topic.")  # type: ignore[union-attr]
    assert words["text"] == "lost my flat today" and words["thread"] == "offload:1"
    assert words["protect"] is True and words["spoiler"] is True and words["card"] == "offload:1:1"
    assert note["chat"] == {"platform": "console", "chat_id": "dave", "kind": "dm"}
    async with app.uow() as uow:
        found = await uow.offloads.get(1)
        assert found is not None and found.body is None  # a named offload's words are not kept


async def test_an_anonymous_offload_never_shows_its_authors_name_to_the_group(app: App) -> None:
    await story(app).say(*SETUP)
    lines = await story(app).say("tom> /offload", "tom> can't stop thinking about it", "tom [No]")
    lines += await story(app).say("tom [Advice welcome]")
    lines += await story(app).say("sam -> what happened?", "tom [Reply]", "tom> I'll tell you on thursday")
    lines += await story(app).say("tom -> my own reply, under my name", "dave [I hear you]")
    seen_by_group = [line for line in lines if line.startswith(("[group]", "[thread"))]
    assert seen_by_group and not [line for line in seen_by_group if "Tom" in line or "tom" in line.split("]")[0]]
    assert "[thread 1] Someone (the author): I'll tell you on thursday" in lines
    relayed = [line for line in lines if line.startswith("[dm tom] Sam replied")]
    assert relayed == [
        '[dm tom] Sam replied to your offload ("can\'t stop thinking about it"): / what happened? [Reply]'
    ]
    assert not [line for line in lines if "my own reply" in line]  # his own reply is not relayed back to him


async def test_offloads_go_after_the_groups_retention_period_unless_kept(tmp_path: Path) -> None:
    settings = settings_for(sqlite_url(tmp_path), tmp_path, defaults={"retention_days": "2"})
    async with console_app(settings, ManualClock(START)) as app:
        await story(app).say(*SETUP, "sam> /offload", "sam> one", "sam [No]", "sam [Just listen]")
        await story(app).say("dave: /offload two", "dave [No]", "dave [Just listen]", "dave [Keep]")
        lines = await story(app).say(":advance 1d")
        assert not [line for line in lines if "deleted" in line]
        lines = await story(app).say(":advance 1d")
        assert lines == ["[group] (message deleted)", "[group] (message deleted)"]  # Sam's words and header
        async with app.uow() as uow:
            assert await uow.offloads.get(1) is None
            kept = await uow.offloads.get(2)
            assert kept is not None and kept.kept


async def test_an_unfinished_draft_and_its_words_go_within_a_day(app: App) -> None:
    await story(app).say(*SETUP, "tom> /offload", "tom> started typing then left it", "tom [No]")
    async with app.uow() as uow:
        assert (await uow.offloads.get(1)) is not None
    assert await story(app).say(":advance 1d") == []  # nothing was posted, so nothing to delete
    async with app.uow() as uow:
        assert (await uow.offloads.get(1)) is None
    assert await story(app).say("tom [Just listen]") == ["[toast tom] That offload is gone."]


async def test_forget_needs_the_author_and_an_answer_to_a_forgotten_offload_is_not_posted(app: App) -> None:
    await story(app).say(*SETUP)
    assert await story(app).say("sam> /forget") == ["[dm sam] You have no offloads up right now."]
    await story(app).say("sam> /offload", "sam> hard week", "sam [No]", "sam [Just listen]", "dave -> here for you")
    assert await story(app).say("dave -> /forget") == [
        "[thread 1] Only the person who started this offload can remove it."
    ]
    await story(app).say("sam [Reply]")
    assert await story(app).say("sam [Forget it]") == [
        "[group] (message deleted)",
        "[group] (message deleted)",
        "[dm sam] Gone. I've removed it, and what I kept.",
    ]
    assert await story(app).say("sam> thanks all") == ["[dm sam] That offload is gone, so I couldn't post your answer."]
    assert await story(app).say("dave -> still there?") == []  # nothing left to relay to
