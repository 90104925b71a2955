"""The library, offers and needs, through the real dispatcher: what members see, and what is kept."""

from __future__ import annotations

from sqlalchemy import text

from magbot.app import App
from tests.story import story


async def setup(app: App) -> None:
    await story(app).say("dave: /setup", "sam [I'm a member]", "tom [I'm a member]")


async def test_the_authors_own_press_removes_it_at_once(app: App) -> None:
    await setup(app)
    await story(app).say("dave: /share Job club Tuesdays 10am #jobs")
    lines = await story(app).say("dave [Out of date?]")
    assert lines == [
        "[toast dave] Taken out of the library. Thanks.",
        "[group] (edited) (Out of date: taken out of the library by the person who shared it.) / "
        "Job club Tuesdays 10am #jobs",
    ]
    assert (await story(app).say("sam: /resources"))[0].startswith("[group] The library is empty so far.")


async def test_a_long_list_is_cut_to_a_phone_screen(app: App) -> None:
    await setup(app)
    for n in range(11):
        await story(app).say(f"dave: /share Course number {n} #courses")
    lines = await story(app).say("sam: /resources course")
    shown = lines[0].split(" / ")
    assert shown[0] == '[group] Found for "course":'
    assert shown[1] == "- Course number 10 #courses (Dave)"
    assert len(shown) == 1 + 8 + 1 and shown[-1] == "...and 3 more: try a #tag."
    assert (await story(app).say("sam: /resources #courses"))[0].endswith("...and 3 more: add a word to narrow it.")


async def test_a_need_expires_after_30_days_once_and_done_stops_the_expiry(app: App) -> None:
    await setup(app)
    await story(app).say("dave: /need A hand moving flat", "sam: /offer I can help with forms")
    await story(app).say("sam [Done]")
    async with app.uow() as uow:
        assert await uow.schedule.status_of("offer:1:expire") == "pending"
        assert await uow.schedule.status_of("offer:2:expire") == "cancelled"
    lines = await story(app).say(":advance 30d", ":advance 1d")
    assert (
        "[group] (edited) Dave needs: A hand moving flat / (Closed after 30 days. Post it again if it still stands.)"
        in lines
    )
    assert not [line for line in lines if "Sam offers" in line]
    async with app.uow() as uow:
        assert await uow.schedule.status_of("offer:1:expire") == "done"


async def test_a_guided_need_and_a_friendly_error(app: App) -> None:
    await setup(app)
    assert await story(app).say("tom> /need", "tom> ") == [
        "[dm tom] What do you need? Write it in one message (up to 500 letters). "
        "For example: A lift to Perth on Friday [Cancel]",
        "[dm tom] Please say it in a few words (under 500 letters). For example: /need A lift to Perth on Friday",
    ]
    lines = await story(app).say("tom> /need", "tom> I need a winter coat, size L")
    assert lines[1].startswith("[group] Tom needs: a winter coat, size L / Press")
    assert lines[1].endswith("[I can help] [Done]")
    assert lines[2] == "[dm tom] Posted in the group. I'll tell you when someone answers."


async def test_forgetme_erases_his_library_offers_and_flags_and_edits_nothing(app: App) -> None:
    await setup(app)
    await story(app).say(
        "sam: /share Food bank at St Mary's, Fridays #food",
        "dave: /share Old link #jobs",
        "sam [Out of date?]",
        "sam: /offer Lifts to appointments",
        "tom: /need Help with a CV",
        "sam [I can help]",
        "sam> /start",
        "sam> /forgetme",
    )
    lines = await story(app).say("sam [Yes]")
    edited = [line for line in lines if "(edited)" in line]
    assert len(edited) == 1 and "Founding members: Dave, Tom." in edited[0]  # only the setup card, without his name
    async with app.uow() as uow:
        for table in ("resources", "help_posts"):
            texts = [r[0] for r in await uow.session.execute(text(f"SELECT text FROM {table}"))]
            assert texts == (["Old link"] if table == "resources" else ["Help with a CV"])
        for table in ("resource_flags", "help_introductions"):
            assert list(await uow.session.execute(text(f"SELECT * FROM {table}"))) == []
        assert await uow.schedule.status_of("offer:1:expire") == "cancelled"
