"""A member deletes one thing of his own from /mydata's `Delete one thing`, and its post goes from the group."""

from __future__ import annotations

from magbot.app import App
from magbot.core.events import ButtonPress, ChatRef, UserRef
from magbot.handlers.own_content import OwnDelete
from tests.story import story

SETUP = ("dave: /setup", "sam [I'm a member]", "tom [I'm a member]", "sam> /start", "tom> /start")


async def menu(app: App) -> str:
    await story(app).say("sam> /mydata")
    (listed,) = await story(app).say("sam [Delete one thing]")
    return listed


async def test_the_menu_lists_his_own_things_only(app: App) -> None:
    await story(app).say(*SETUP, "sam: /share Food bank on Tuesdays #food", "tom: /share Tom's tip")
    await story(app).say("sam: /need A lift", "sam: /suggest Christmas plans", "tom: /offer Bikes")
    assert await menu(app) == (
        "[dm sam] Which one should I delete? Its post goes from the group with it. [A check-in] "
        "[Suggestion: Christmas plans] [Shared: Food bank on Tuesdays] [Need: A lift]"
    )


async def test_a_suggestion_goes_with_its_post_and_its_plus_ones(app: App) -> None:
    await story(app).say(*SETUP, "sam: /suggest Christmas plans", "tom [+1]")
    await menu(app)
    assert await story(app).say("sam [Suggestion: Christmas plans]") == [
        "[group] (message deleted)",
        "[dm sam] Deleted. Its post is gone from the group.",
    ]
    assert (await story(app).say("dave: /agenda"))[0].startswith("[group] No suggestions yet")
    async with app.uow() as uow:
        assert await uow.meetings.plussed_by(3) == []  # tom's +1 went with it


async def test_an_offer_goes_and_its_expiry_is_called_off(app: App) -> None:
    await story(app).say(*SETUP, "sam: /offer CVs")
    await menu(app)
    assert (await story(app).say("sam [Offer: CVs]"))[0] == "[group] (message deleted)"
    async with app.uow() as uow:
        assert await uow.help_offers.get(1) is None
        assert await uow.schedule.status_of("offer:1:expire") == "cancelled"


async def test_a_sign_up_leaves_the_card_and_the_first_waiting_moves_in(app: App) -> None:
    await story(app).say(*SETUP, "dave: /activity Football | saturday 10:00 | the park | 1 places")
    await story(app).say("sam [I'm in]", "tom [I'm in]")
    await menu(app)
    lines = await story(app).say("sam [Sign-up: Football]")
    assert any(line.startswith("[group] (edited) Football") and "In (1 of 1): Tom" in line for line in lines)
    assert any(line.startswith("[dm tom] Good news: a place came free") for line in lines)
    assert not any("Sam" in line for line in lines if line.startswith("[group]"))


async def test_nobody_deletes_another_members_thing(app: App) -> None:
    await story(app).say(*SETUP, "sam: /share Food bank")
    tom = UserRef("console", "tom", "Tom")
    forged = OwnDelete("resource", 2, 1).data  # sam's member id, sam's resource
    press = ButtonPress("forged:1", ChatRef("console", "tom", "dm"), tom, app.clock.now(), data=forged, message_id="1")
    result = await app.dispatcher.dispatch(press)
    assert result.toast == "That's someone else's. /mydata shows yours." and result.messages == 0
    async with app.uow() as uow:
        assert await uow.resources.get(1) is not None
