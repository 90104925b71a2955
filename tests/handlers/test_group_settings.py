"""Group settings read once where the group is loaded: a stored value that no longer fits (an edited database,
a check tightened in a later version) falls back to its default instead of breaking every command."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from magbot.app import App
from tests.story import story


async def store(app: App, raw: str) -> None:
    async with app.uow() as uow:
        await uow.session.execute(text("UPDATE groups SET settings = :raw"), {"raw": raw})


async def test_a_bad_stored_value_falls_back_and_the_log_names_only_the_key(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    await story(app).say("dave: hi", "sam: hi", "dave: /setup")
    await store(app, json.dumps({"timezone": "Mars/Olympus_Mons", "voting_hours": "for ever", "quorum": "1/4"}))
    with caplog.at_level(logging.WARNING, logger="magbot"):
        [listing] = await story(app).say("dave: /settings")
        lines = await story(app).say("dave: /propose rule Be kind")
    assert "- Times are in Europe/London (timezone)" in listing
    assert "- Votes stay open 48 hours (voting_hours)" in listing
    assert "- At least 1/4 of members must vote (quorum)" in listing  # a good value is kept
    assert "Open until Wednesday 25 November, 10:00" in lines[0]  # 48 hours, London time
    assert "timezone" in caplog.text and "voting_hours" in caplog.text
    assert "Mars" not in caplog.text and "for ever" not in caplog.text


async def test_settings_that_are_not_json_at_all_leave_the_group_on_its_defaults(app: App) -> None:
    await story(app).say("dave: hi", "dave: /setup")
    await store(app, "{not json")
    [listing] = await story(app).say("dave: /settings")
    assert listing.startswith(
        "[group] Group settings (the word in brackets is what /propose takes): / - At least 1/3 of members must vote"
    )
    assert "- On a rough day, call: Samaritans 116 123; Breathing Space 0800 83 85 87 (support_contacts)" in listing
