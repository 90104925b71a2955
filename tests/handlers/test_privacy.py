"""/mydata shows what is held; /forgetme leaves no row anywhere that names the member."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import inspect, text

from magbot.app import App
from magbot.core.router import STRANGER_LINE
from magbot.storage.schema import metadata
from tests.story import story


async def every_row(app: App) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    async with app.uow() as uow:
        for table in metadata.sorted_tables:
            result = await uow.session.execute(text(f"SELECT * FROM {table.name}"))
            rows += [{"__table__": table.name, **dict(r._mapping)} for r in result]
    return rows


async def test_mydata_is_a_file_with_what_is_held(app: App, tmp_path: Path) -> None:
    lines = await story(app).say("dave: /setup", "dave> /mydata")
    assert lines[-2].startswith("[dm dave] FILE my-data.json")
    data = json.loads((Path(app.settings.data_dir) / "files" / "my-data.json").read_text())
    assert data["groups"][0]["membership"]["name"] == "Dave"


async def test_after_forgetme_no_row_in_any_table_names_the_member(app: App) -> None:
    # A name that appears nowhere else (not even inside "Samaritans" in the support contacts).
    await story(app).say("dave: /setup", "zebedee [I'm a member]", "zebedee: /suggest Bus passes", "dave [+1]")
    await story(app).say("zebedee> /start", "zebedee> /mydata", "zebedee> /forgetme")
    async with app.uow() as uow:
        group = await uow.groups.by_chat("console", "group")
        assert group is not None
        sam = await uow.members.in_group(group.id, "zebedee")
        assert sam is not None
    lines = await story(app).say("zebedee [Yes]")
    done = "Done. I've erased everything I held about you. I've taken back 1 of my posts from the group. Take care."
    assert f"[dm zebedee] {done}" in lines
    assert "[group] (message deleted)" in lines
    assert "[group] (zebedee removed from the chat)" in lines
    for row in await every_row(app):
        for column, value in row.items():
            assert value not in ("zebedee", "Zebedee", "Bus passes"), (row["__table__"], column)
            assert not (column.endswith("member_id") and value == sam.id), row["__table__"]
            assert not (row["__table__"] == "members" and row.get("id") == sam.id)
            if isinstance(value, str):
                assert "zebedee" not in value.lower() and "Bus passes" not in value, (row["__table__"], column)
    assert await story(app).say("zebedee> /members") == [f"[dm zebedee] {STRANGER_LINE}"]  # a stranger now


async def test_every_table_is_known_to_the_privacy_test(app: App) -> None:
    # A new table must be thought about: add it here once /forgetme erases what it holds about a member.
    async with app.engine.connect() as connection:
        names = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    assert names - {"alembic_version"} == {
        "groups",
        "members",
        "processed_events",
        "outbox",
        "cards",
        "pending_inputs",
        "scheduled",
        "platform_state",
        "checkins",
        "buddies",
        "offloads",
        "offload_support",
        "polls",
        "poll_votes",
        "decisions",
        "decision_ballots",
        "group_rules",
        "flags",
        "meeting_notices",
        "meeting_rsvps",
        "agenda_suggestions",
        "agenda_plus_ones",
        "activity_series",
        "activities",
        "activity_signups",
        "resources",
        "resource_flags",
        "help_posts",
        "help_introductions",
        "member_posts",  # where his posts landed (ids only), erased with him
        "former_members",  # a hash of the id only, until the founding window closes (no name, no member id)
    }


async def test_someone_who_was_a_member_cannot_make_himself_a_founder_again(app: App) -> None:
    """Within /setup's seven days: a member who left, or erased himself, pressing "I'm a member" again gets a
    pop-up, not a seat; coming back is an admission vote. A stranger's /setup gets nothing."""
    await story(app).say("dave: /setup", "sam [I'm a member]", "tom [I'm a member]")
    await story(app).say("sam: /leave", "sam [Yes]")
    assert await story(app).say("sam [I'm a member]") == [
        "[toast sam] Coming back needs a group decision. Ask a member to /invite you."
    ]
    await story(app).say("tom> /forgetme", "tom [Yes]")
    assert await story(app).say("tom [I'm a member]") == [
        "[toast tom] Coming back needs a group decision. Ask a member to /invite you."
    ]
    assert "Tom" not in (await story(app).say("dave: /members"))[0]
    assert await story(app).say("eve: /setup") == []  # a stranger gets nothing in the group
    assert await story(app).say("eve> /setup") == [f"[dm eve] {STRANGER_LINE}"]
    async with app.uow() as uow:
        assert await uow.members.was_member(1, "tom")
        await uow.members.forget_formers(app.clock.now() + timedelta(days=8))  # the window closed
        assert not await uow.members.was_member(1, "tom")
