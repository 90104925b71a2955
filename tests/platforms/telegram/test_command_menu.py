"""Issue 17's note: Telegram's command menu is built from the router's routes, /help from the features'
`CommandMenu`. Both come from the same `CommandSpec`s; this checks they agree, name for name, summary for
summary and place for place, so the menu on a member's phone never differs from /help."""

from __future__ import annotations

import json

from magbot.core.feature import CommandMenu
from magbot.core.router import Router
from magbot.handlers import features
from tests.platforms.telegram.conftest import World


async def test_the_telegram_menu_is_the_help_menu(world: World) -> None:
    await world.step()  # start: getMe, setMyCommands x3
    menu = [e for e in CommandMenu.of(features(Router())).entries if e.summary]
    calls = [c.params for c in world.fake.calls if c.method == "setMyCommands"]
    published = {json.dumps(c.get("scope")): [(x["command"], x["description"]) for x in c["commands"]] for c in calls}
    assert published["null"] == [(e.name, e.summary) for e in menu]
    private = next(v for k, v in published.items() if "all_private_chats" in k)
    groups = next(v for k, v in published.items() if "all_group_chats" in k)
    assert private == [(e.name, e.summary) for e in menu if e.where != "group"]
    assert groups == [(e.name, e.summary) for e in menu if e.where != "dm"]
