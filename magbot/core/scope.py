"""One group's scope: what a message handler in a known group and a scheduled job with a group both work in.

The unit of work, the clock, the group with its typed settings, and the two ways to speak: to the group's chat
and privately to a member. The dispatcher builds one for an event from a member (`MemberContext.scope`), the
scheduler for a job planned with a group, so a feature's helpers take a scope whichever started them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from magbot.core.clock import Clock
from magbot.core.events import Button, ChatRef, Post
from magbot.domain.members import Group, Member
from magbot.domain.settings import GroupSettings
from magbot.storage.uow import UnitOfWork

Buttons = tuple[tuple[Button, ...], ...]


def group_chat(group: Group) -> ChatRef:
    """A group's own chat: the one place it is built."""
    return ChatRef(group.platform, group.chat_id, "group")


def dm_chat(platform: str, member: Member) -> ChatRef:
    """A member's private chat: platforms address it by the person's user id."""
    return ChatRef(platform, member.user_id, "dm")


@dataclass(frozen=True)
class GroupScope:
    uow: UnitOfWork
    clock: Clock
    group: Group

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def settings(self) -> GroupSettings:
        return self.group.settings

    @property
    def group_chat(self) -> ChatRef:
        return group_chat(self.group)

    def to_group(
        self,
        text: str,
        buttons: Buttons = (),
        card: str | None = None,
        *,
        thread: str | None = None,
        start_thread: str | None = None,
        protect: bool = False,
        spoiler: bool = False,
        secret_ballot: bool = False,
        about: int | None = None,
    ) -> Post:
        """A group post; `about` is the member whose words or name it carries (kept so /forgetme takes it back)."""
        return Post(
            self.group_chat, text, buttons=buttons, card=card, thread=thread, start_thread=start_thread,
            protect=protect, spoiler=spoiler, secret_ballot=secret_ballot, about=about,
        )  # fmt: skip

    def dm(
        self, member: Member, text: str, buttons: Buttons = (), card: str | None = None, *, protect: bool = False
    ) -> Post:
        return Post(dm_chat(self.group.platform, member), text, buttons=buttons, card=card, protect=protect)

    def of(self, group: Group) -> GroupScope:
        """The same transaction and clock, in another group (a member in several groups acting on one of them)."""
        return replace(self, group=group)
