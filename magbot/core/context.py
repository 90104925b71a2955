"""What a handler gets: the event, the unit of work, the clock, who is speaking, and helpers to answer.

`Context` is the optional form, for routes open to strangers (/setup, join requests, poll votes): its group and
member may be None. Routing hands a members-only route a `MemberContext`, made after the membership check,
whose group and member are known and whose `scope` is the group's `GroupScope`; a guided-flow step gets a
`FlowContext`, which also has the waiting step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from magbot.core.clock import Clock
from magbot.core.events import Button, ChatRef, Incoming, Outgoing, Post, Reply
from magbot.core.records import PendingInput
from magbot.core.scope import GroupScope, dm_chat
from magbot.core.wire import Press
from magbot.domain.members import Group, Member
from magbot.storage.uow import UnitOfWork

# A button with this url opens the member's private chat with the bot; each platform renders it
# (Telegram: a t.me/<bot>?start= deep link; Matrix: a matrix.to link; console: the label only).
DM_LINK = "magbot:dm"

Buttons = tuple[tuple[Button, ...], ...]
P = TypeVar("P", bound=Press)


@dataclass(frozen=True)
class BotPolicy:
    """The operator's choices that handlers need (from config), nothing secret."""

    setup_allowed: frozenset[str] = frozenset()
    founding_members: frozenset[str] = frozenset()
    defaults: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    incoming: Incoming
    uow: UnitOfWork
    clock: Clock
    policy: BotPolicy
    group: Group | None = None
    member: Member | None = None
    pending: PendingInput | None = None  # a text's waiting step; for a command, the step it ended
    thread_card: str | None = None  # the card name of the thread the event came from, if the bot started it
    press: Press | None = None  # a button press's data, parsed by the router

    def pressed(self, kind: type[P]) -> P:
        """The typed press a button handler was routed for (the router parsed and checked it)."""
        assert isinstance(self.press, kind), f"routed without a {kind.__name__}"
        return self.press

    @property
    def args(self) -> str:
        """A command's words after its name; empty when the command came from a button."""
        value: Any = getattr(self.incoming, "args", "")
        return str(value).strip()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def platform(self) -> str:
        return self.incoming.chat.platform

    @property
    def in_dm(self) -> bool:
        return self.incoming.chat.is_dm

    def scope_of(self, group: Group) -> GroupScope:
        """The scope of a group this event concerns (an open route that found its group)."""
        return GroupScope(self.uow, self.clock, group)

    def reply(self, text: str, buttons: Buttons = (), card: str | None = None) -> Post:
        """An answer in the chat the event came from (inside its thread, if it came from one)."""
        # A thread the bot started is named by its card; one it did not (a member's forum topic) goes by the
        # platform's own id.
        raw = None if self.thread_card else getattr(self.incoming, "thread", None)
        # An answer in the group that says his name ("How are you doing, Sam?") is a post about him: /forgetme
        # takes it back with the rest.
        named = self.member is not None and not self.in_dm and self.member.name in text
        about = self.member.id if named and self.member is not None else None
        return Post(
            self.incoming.chat, text, buttons=buttons, card=card, thread=self.thread_card, platform_thread=raw,
            about=about,
        )  # fmt: skip

    def group_posts(self, posts: list[Outgoing], note_in_private: str) -> Reply:
        """What goes to the group; asked from the private chat, also a short note there that it went."""
        return Reply([*posts, self.reply(note_in_private)] if self.in_dm else list(posts))

    def dm(self, member: Member, text: str, buttons: Buttons = (), card: str | None = None) -> Post:
        return Post(
            dm_chat(self.platform if self.group is None else self.group.platform, member),
            text,
            buttons=buttons,
            card=card,
        )

    def as_member(self) -> MemberContext:
        """This context for a members-only route; routing calls it only after the membership check passed."""
        if self.member is None or self.group is None:
            raise LookupError("a members-only route reached without a member")
        return MemberContext(**self._fields())

    def as_flow(self) -> FlowContext:
        """This context for a guided flow's step: a member's text while his step was waiting."""
        if self.member is None or self.group is None or self.pending is None:
            raise LookupError("a guided flow reached without a member or his step")
        return FlowContext(**self._fields())

    def _fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(Context)}


@dataclass
class MemberContext(Context):
    """A member speaking, in a known group: what members-only routes get."""

    group: Group
    member: Member

    @property
    def scope(self) -> GroupScope:
        return GroupScope(self.uow, self.clock, self.group)

    @property
    def group_chat(self) -> ChatRef:
        return self.scope.group_chat

    def to_group(self, text: str, buttons: Buttons = (), card: str | None = None, *, about: int | None = None) -> Post:
        return self.scope.to_group(text, buttons, card, about=about)


@dataclass
class FlowContext(MemberContext):
    """A member's answer to his waiting guided-flow step."""

    pending: PendingInput


def open_dm_button(label: str = "Open a private chat with me") -> tuple[Button, ...]:
    return (Button(label, url=DM_LINK),)
