"""Play a console story (`tests/e2e/stories/<name>.txt`) on Telegram: the real platform, the fake Bot API.

Each line becomes what a member's phone would send (`console_lines` reads it): `sam: text` a group message,
`sam> text` a private one, `sam [Label]` a press on the newest message he can see offering it (a callback
query; an option of a native poll is a poll answer; the "Open a private chat with me" link is his `/start`),
`sam -> text` a message in the newest thread (forum topic or reply chain, as the bot made it), `sam ^tom:
text` a reply to Tom's newest group message, `:join-request eve` a chat_join_request, `:advance`/`:at` the
scheduler's `run_until`, and `# -- restart --` a new process on the same database (Telegram keeps its chats).
After each line: one getUpdates batch through magbot's own receive loop, then the outbox, then what the bot
sent is rendered as transcript lines (`story_render`). As on Telegram, nobody can be written to privately
before he has written to the bot there (the fake answers 403).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from magbot.app import App
from magbot.config import Settings, TelegramSettings
from magbot.core.clock import ManualClock
from magbot.core.delivery import RatePolicy
from magbot.platforms.console_lines import ClockMove, ConsoleError, JoinAsk, Said, parse_line
from magbot.platforms.telegram import TelegramPlatform
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_objects import JSONDict
from tests.platforms.telegram.story_render import Placed, Renderer
from tests.story import RESTART, STORIES

GROUP = -1001234567890
FIRST_USER = 5001
DM_LINK_START = "/start hi"  # what Telegram sends when a member opens the bot's deep link and presses Start
RATE = RatePolicy(parallel_chats=1)  # one chat at a time, so the transcript's order is the outbox's order


class TelegramStory:
    """One story's run: the fake server and the members outlive restarts; the App does not."""

    def __init__(self, fake: FakeTelegramServer, settings: Settings, clock: ManualClock, *, forum: bool) -> None:
        self.fake, self.settings, self.clock, self.forum = fake, settings, clock, forum
        self.ids: dict[str, int] = {}
        self.render = Renderer(fake, self.name_of, forum=forum)
        self.lines: list[str] = []
        self.app: App | None = None
        self.platform: TelegramPlatform | None = None
        fake.add_chat(GROUP, title="The group", is_forum=forum)

    def name_of(self, user_id: int) -> str:
        return next((name for name, uid in self.ids.items() if uid == user_id), str(user_id))

    def _user(self, name: str) -> int:
        return self.ids.setdefault(name.lower(), FIRST_USER + len(self.ids))

    async def open(self) -> None:
        self.app = App(self.settings, clock=self.clock)
        await self.app.prepare()
        self.platform = TelegramPlatform(
            self.settings.telegram, self.app.uow, self.app.router, clock=self.clock, rate=RATE
        )
        self.app.add_platform(self.platform)

    async def close(self) -> None:
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def play(self, lines: list[str]) -> None:
        for raw in lines:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                await self.feed(line)
            except ConsoleError as exc:
                self.lines.append(f"(console) {exc}")

    async def feed(self, line: str) -> None:
        assert self.app is not None
        parsed = parse_line(line, self.clock.now())
        if isinstance(parsed, ClockMove):
            await self.app.scheduler.run_until(self.clock, parsed.target, self.settle)
            return
        if isinstance(parsed, JoinAsk):
            self.fake.inject_chat_join_request(GROUP, self._user(parsed.name), _display(parsed.name))
        else:
            self._act(parsed)
        assert self.platform is not None
        await self.platform.poll_once(self.app.dispatcher.dispatch)
        await self.settle()

    async def settle(self) -> None:
        """Run what is due, deliver the outbox, and write down what Telegram accepted."""
        assert self.app is not None
        await self.app.scheduler.tick()
        await self.app.outbox.flush()
        self.lines += self.render.new_lines()

    # -- a member's line -----------------------------------------------------------------------------------
    def _act(self, said: Said) -> None:
        user = self._user(said.name)
        if said.where == "dm":
            self.fake.inject_message(user, user, said.rest, first_name=said.display_name)
        elif said.where == "press":
            self._press(said, user)
        elif said.where == "thread":
            self._in_thread(said, user)
        elif said.where == "reply":
            self._reply(said, user)
        else:
            self._say(said, user, said.rest)

    def _say(
        self,
        said: Said,
        user: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread: int | None = None,
        topic: bool = False,
    ) -> None:
        if self.fake.member_status(GROUP, user) == "restricted":  # Telegram refuses it: the bot never sees it
            raise ConsoleError(f"Telegram does not let {said.display_name} post in the group while he is muted")
        sent = self.fake.inject_message(
            GROUP,
            user,
            text,
            first_name=said.display_name,
            reply_to_message_id=reply_to,
            message_thread_id=thread,
            is_topic_message=topic,
        )["message"]
        self.render.screen.placed.append(Placed(GROUP, sent["message_id"], thread, said.display_name))

    def _in_thread(self, said: Said, user: int) -> None:
        """In the newest thread: inside its forum topic, or as a reply to its newest message."""
        newest = next((p for p in reversed(self.render.screen.placed) if p.thread is not None), None)
        if newest is None or newest.thread is None:
            raise ConsoleError(f"{said.display_name} can't see any thread to reply in")
        reply_to = newest.thread if self.forum else newest.message_id
        self._say(said, user, said.rest, reply_to=reply_to, thread=newest.thread, topic=self.forum)

    def _reply(self, said: Said, user: int) -> None:
        """Telegram's reply; in a supergroup without topics a reply carries its chain's root as its thread."""
        author = _display(said.reply_to)
        target = next(
            (
                p
                for p in reversed(self.render.screen.placed)
                if p.author == author and p.thread is None and p.chat_id == GROUP
            ),
            None,
        )
        if target is None:
            raise ConsoleError(f"there's no message from {said.reply_to.capitalize()} in the group to reply to")
        thread = None if self.forum else target.message_id
        self._say(said, user, said.rest, reply_to=target.message_id, thread=thread)

    def _press(self, said: Said, user: int) -> None:
        for placed in reversed(self.render.screen.placed):
            if placed.chat_id not in (GROUP, user) or placed.author is not None:
                continue
            message = self.fake.get_message(placed.chat_id, placed.message_id)  # as it is now: edits, deletions
            if message is not None and self._pressed(message, said, user):
                return
        raise ConsoleError(f"{said.display_name} can't see a [{said.rest}] button")

    def _pressed(self, message: JSONDict, said: Said, user: int) -> bool:
        if "poll" in message:
            poll = message["poll"]
            texts = [option["text"] for option in poll["options"]]
            if poll["is_closed"] or said.rest not in texts:
                return False
            self.fake.inject_poll_answer(poll["id"], user, [texts.index(said.rest)], first_name=said.display_name)
            return True
        button = _button(message, said.rest)
        if button is None:
            return False
        if "url" in button:  # the deep link: Telegram opens the private chat, he presses Start
            self.fake.inject_message(user, user, DM_LINK_START, first_name=said.display_name)
            return True
        query = self.fake.inject_callback_query(
            user,
            button["callback_data"],
            int(message["chat"]["id"]),
            int(message["message_id"]),
            first_name=said.display_name,
        )
        self.render.screen.toasts[query["callback_query"]["id"]] = said.user_id
        return True


def _button(message: JSONDict, label: str) -> dict[str, Any] | None:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next((b for row in rows for b in row if b["text"] == label), None)


def _display(name: str) -> str:
    return name[:1].upper() + name[1:]


def story_settings(fake: FakeTelegramServer, tmp_path: Path, url: str, defaults: dict[str, str]) -> Settings:
    from tests.conftest import settings_for

    telegram = TelegramSettings(token=fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    return settings_for(url, tmp_path, defaults=defaults, platforms=("telegram",), telegram=telegram)


async def play_telegram_story(
    name: str, url: str, tmp_path: Path, defaults: dict[str, str] | None = None, *, forum: bool = False
) -> str:
    """Play `stories/<name>.txt` on Telegram from 23 November 2026 10:00 UTC; return its transcript."""
    from tests.conftest import START

    clock = ManualClock(START)
    async with FakeTelegramServer(bot_username="magbot_test_bot", clock=lambda: clock.now().timestamp()) as fake:
        run = TelegramStory(fake, story_settings(fake, tmp_path, url, defaults or {}), clock, forum=forum)
        for part in (STORIES / f"{name}.txt").read_text().split(RESTART):
            await run.open()
            try:
                await run.play(part.splitlines())
            finally:
                await run.close()
    return "".join(f"{line}\n" for line in run.lines)
