"""/forgetme takes back what the bot posted about a member and leaves no trace of him: not in any table's text,
not in the outbox, not in the database file; platform state is erased by its subject, never by a key's ending;
left and removed members keep /mydata and /forgetme."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sqlalchemy import String, Text, select, text

from magbot.app import App
from magbot.core.delivery import Places
from magbot.core.events import ButtonPress, ChatRef, CloseChat, Edit, Outgoing, Post, UserRef
from magbot.core.records import CardPlace
from magbot.core.router import STRANGER_LINE
from magbot.handlers.privacy import MEMBERSHIP, ForgetMeAnswer
from magbot.storage.models import PlatformStateRow
from magbot.storage.schema import metadata
from tests.story import story

# Words and a name that appear nowhere else in the bot's own texts.
WORDS = ("Xylophone flat", "Quokka bank", "Zanzibar plans", "Wombat CVs", "scared of Narwhal", "thanks Ocelot")


async def text_cells(app: App) -> list[tuple[str, str, str]]:
    """Every text cell of every table: (table, column, value)."""
    cells: list[tuple[str, str, str]] = []
    async with app.uow() as uow:
        for table in metadata.sorted_tables:
            columns = [c.name for c in table.columns if isinstance(c.type, String | Text)]
            for row in await uow.session.execute(text(f"SELECT * FROM {table.name}")):
                cells += [(table.name, c, str(row._mapping[c])) for c in columns if row._mapping[c] is not None]
    return cells


def every_file(app: App) -> list[tuple[Path, bytes]]:
    """Every file in the data folder, after a checkpoint has folded the write-ahead log into the database (the
    app's own checkpoint in flight, if any, is over first: two cannot run at once)."""
    database = Path(app.settings.database_url.split("///", 1)[-1])
    with sqlite3.connect(database) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0
    folder = Path(app.settings.data_dir)
    found = [(p, p.read_bytes()) for p in [database, *folder.rglob("*")] if p.is_file()]
    return found


async def member_ids(app: App, user_id: str) -> tuple[int, int]:
    async with app.uow() as uow:
        group = await uow.groups.by_chat("console", "group")
        assert group is not None
        member = await uow.members.in_group(group.id, user_id)
        assert member is not None
        return group.id, member.id


async def share_everything(app: App) -> None:
    await story(app).say("dave: /setup", "zebedee [I'm a member]", "tom [I'm a member]", "zebedee> /start")
    await story(app).say(
        "zebedee: /checkin", "zebedee [Good]", f"zebedee: {WORDS[0]}", "zebedee [Share with the group]",
        "zebedee> /checkin", "zebedee [Rough]", "zebedee [Yes]",
        f"zebedee: /share {WORDS[1]} #food", f"zebedee: /suggest {WORDS[2]}", "tom [+1]", f"zebedee: /offer {WORDS[3]}",
        "dave: /suggest Bus passes", "zebedee [+1]",
        "zebedee> /offload", f"zebedee> I'm {WORDS[4]}", "zebedee [No]", "zebedee [Just listen]",
        "tom -> hang on in there",
        "zebedee [Reply]", f"zebedee> {WORDS[5]}", "zebedee> /mycheckins",
    )  # fmt: skip


async def test_mydata_shows_what_is_kept_of_a_rough_checkin_an_offload_and_the_posts(app: App) -> None:
    await share_everything(app)
    await story(app).say("zebedee> /mydata")
    data = json.loads((Path(app.settings.data_dir) / "files" / "my-data.json").read_text())
    held = data["groups"][0]
    moods = [(c["mood"], c["shared"]) for c in held["checkins"]]
    assert moods == [("Good", True), ("Rough", True)]  # the mood, the day, whether shared: never the words
    assert WORDS[0] not in json.dumps(held)
    (offload,) = held["offloads"]
    assert offload["anonymous"] and offload["words_kept"] == f"I'm {WORDS[4]}"  # kept while replies are relayed
    posts = held["membership"]["my_posts_in_the_group_with_your_words_or_name"]
    # Two group check-in questions with his name ("How are you doing", "Thanks, ... Add a few words?"), check-in,
    # rough note, resource, suggestion, offer, offload header, its words, his answer in the thread.
    assert len(posts) == 10


async def test_after_forgetme_no_trace_in_any_table_the_outbox_or_the_database_file(app: App, tmp_path: Path) -> None:
    await share_everything(app)
    _, member_id = await member_ids(app, "zebedee")
    files = Path(app.settings.data_dir) / "files"
    await story(app).say("zebedee> /mydata", "zebedee> /forgetme")
    assert {p.name for p in files.iterdir()} == {"my-checkins.png", "my-data.json"}
    lines = await story(app).say("zebedee [Yes]")
    assert not list(files.iterdir())  # what the console gave him goes with his private chat
    assert lines.count("[group] (message deleted)") == 10
    assert "[group] (edited) Dave suggests for the next meeting: Bus passes [+1]" in lines  # his +1 gone
    assert "[dm zebedee] Done. I've erased everything I held about you. I've taken back 10 of my posts from the " \
        "group. Take care." in lines
    for chat in ("group", "dave", "tom"):  # what the chats show now, every edit and delete applied
        for line in story(app).console.sender.screen(chat):
            assert "zebedee" not in line.lower() and not any(w.lower() in line.lower() for w in WORDS), (chat, line)
    for table, column, value in await text_cells(app):
        assert "zebedee" not in value.lower(), (table, column)
        for words in WORDS:
            assert words.lower() not in value.lower(), (table, column)
    async with app.uow() as uow:
        assert await uow.outbox.count() == 0 and await uow.member_posts.count(member_id) == 0
        for table in metadata.sorted_tables:
            for column in (c for c in table.columns if c.name.endswith("member_id") or c.name == "about"):
                found = await uow.session.scalar(select(column).where(column == member_id).limit(1))
                assert found is None, (table.name, column.name)
    await app.uow.settled()
    for path, data in every_file(app):  # the database (secure_delete zeroes what was deleted), charts, exports
        for needle in ("zebedee", "Zebedee", *WORDS):
            assert needle.encode() not in data, (path.name, needle)


async def test_his_unsent_posts_and_edits_of_his_cards_leave_the_outbox(app: App) -> None:
    await story(app).say("dave: /setup", "zebedee [I'm a member]")
    _, member_id = await member_ids(app, "zebedee")
    group = ChatRef("console", "group")
    async with app.uow() as uow:
        queued = [
            Post(group, "Zebedee shared: hidden", about=member_id),
            Edit(group, "resource:9", "Zebedee shared: hidden"),
            Post(group, "Dave shared: stays", about=None),
        ]
        await uow.outbox.add(queued, app.clock.now())
        await uow.outbox.drop_about(member_id, {"resource:9"})
        rows = [m.message for m in [await uow.outbox.head("console", "group")] if m]
    assert rows == [Post(group, "Dave shared: stays")]


async def test_erasure_takes_keys_about_him_and_no_key_that_only_ends_in_his_id(app: App) -> None:
    """A member whose platform id is 5 must not erase a poll's or an outbox row's state keyed by the number 5."""
    await story(app).say("dave: /setup")
    async with app.uow() as uow:
        group = await uow.groups.by_chat("console", "group")
        assert group is not None
        five = await uow.members.add(group.id, "5", "Five", founding=False, now=app.clock.now())
        for key in ("tg:bpoll:group:poll:5", "mx:tx:5", "tg:poll:5:map", "console:clock:5"):
            await uow.state.put(key, "{}")
        await uow.state.put("console:dm-open:5", "1", subject=("console", "5"))
        await uow.state.put("mx:dm:5", "!room", subject=("matrix", "5"))  # another platform's person 5
        await MEMBERSHIP.erase(uow, five)
        await uow.outbox.add([CloseChat(ChatRef("console", "5", "dm"))], app.clock.now())  # /forgetme's last word
    await app.outbox.flush()
    async with app.uow() as uow:
        left = set(await uow.session.scalars(select(PlatformStateRow.key)))
    assert {"tg:bpoll:group:poll:5", "mx:tx:5", "tg:poll:5:map", "console:clock:5", "mx:dm:5"} <= left
    assert "console:dm-open:5" not in left


async def test_a_member_who_left_keeps_mydata_and_forgetme_and_nothing_else(app: App) -> None:
    await story(app).say("dave: /setup", "zebedee [I'm a member]", "zebedee> /start")
    await story(app).say(f"zebedee: /share {WORDS[1]}", "zebedee: /leave", "zebedee [Yes]")
    assert await story(app).say("zebedee> /members") == [f"[dm zebedee] {STRANGER_LINE}"]
    assert await story(app).say("zebedee> /checkin") == [f"[dm zebedee] {STRANGER_LINE}"]
    lines = await story(app).say("zebedee> /mydata")
    assert lines[0].startswith("[dm zebedee] FILE my-data.json")
    data = json.loads((Path(app.settings.data_dir) / "files" / "my-data.json").read_text())
    assert data["groups"][0]["membership"]["status"] == "left"
    prompt = (await story(app).say("zebedee> /forgetme"))[0]
    assert "takes you out of the group chat" not in prompt  # he is out already
    lines = await story(app).say("zebedee [Yes]")
    assert lines.count("[group] (message deleted)") == 2  # what he shared, and "Zebedee has left the group"
    assert not any("removed from the chat" in line for line in lines)
    assert await story(app).say("zebedee> /mydata") == [f"[dm zebedee] {STRANGER_LINE}"]
    assert await story(app).say("eve> /mydata") == [f"[dm eve] {STRANGER_LINE}"]  # a stranger, as ever


async def test_the_forgetme_prompt_says_it_takes_him_out_of_the_group_chat(app: App) -> None:
    await story(app).say("dave: /setup", "zebedee [I'm a member]")
    prompt = (await story(app).say("zebedee> /forgetme"))[0]
    assert "takes you out of the group chat" in prompt and "(removed at the member's request)" in prompt


async def test_a_post_about_him_on_its_way_when_he_erases_himself_is_taken_back(app: App) -> None:
    """The outbox row was read and is being sent when /forgetme commits: dropping it from the queue is too late,
    so the post goes as soon as it has landed."""
    await story(app).say("dave: /setup", "zebedee [I'm a member]", "zebedee> /forgetme")
    _, member_id = await member_ids(app, "zebedee")
    sender = story(app).console.sender
    send = sender.send
    zebedee = UserRef("console", "zebedee", "Zebedee")
    yes = ButtonPress("race", ChatRef("console", "zebedee", "dm"), zebedee, app.clock.now(), ForgetMeAnswer("yes").data)

    async def sent_while_he_erases_himself(outbox_id: int, message: Outgoing, places: Places) -> CardPlace | None:
        if isinstance(message, Post) and message.about == member_id:
            assert (await app.dispatcher.dispatch(yes)).messages  # "Done. ..." and its take-backs
        return await send(outbox_id, message, places)

    sender.send = sent_while_he_erases_himself  # type: ignore[method-assign]
    group = ChatRef("console", "group")
    async with app.uow() as uow:
        shared = Post(group, f"Zebedee shared: {WORDS[1]}", card="resource:9", about=member_id)
        await uow.outbox.add([shared], app.clock.now())
    await app.outbox.flush()
    await app.outbox.flush()  # what /forgetme queued meanwhile (the run loop is woken for it)
    assert [line for line in sender.screen("group") if WORDS[1] in line or "Zebedee" in line] == []
    async with app.uow() as uow:
        assert await uow.outbox.count() == 0 and await uow.cards.find("console", "group", "resource:9") is None
