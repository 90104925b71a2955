"""Membership: /start, /help, /setup and its "I'm a member" button, /members, /leave (/settings: proposals.py)."""

from __future__ import annotations

from dataclasses import dataclass

from magbot.core.context import Context, MemberContext, open_dm_button
from magbot.core.events import Button, ButtonPress, Edit, Outgoing, Remove, Reply
from magbot.core.feature import CommandMenu, Feature, MenuEntry
from magbot.core.scope import group_chat
from magbot.core.wire import Const, Id, OneOf, Press, Word
from magbot.domain.dates import day_text
from magbot.domain.members import FOUNDING_WINDOW, Group, Member, clean_name, member_list_text
from magbot.handlers.decisions import member_gone


@dataclass(frozen=True)
class RunCommand(Press, prefix="cmd", shape=(Word(),)):
    """`cmd:<name>`: a button that runs a command as if it had been typed (handlers/__init__.py)."""

    name: str


@dataclass(frozen=True)
class JoinAsFounder(Press, prefix="setup", shape=(Const("join"),)):
    """`setup:join`: "I'm a member", in the founding week."""


@dataclass(frozen=True)
class LeaveAnswer(Press, prefix="leave", shape=(OneOf("yes", "no"), Id())):
    """`leave:<yes|no>:<member id>`: the answer to /leave, for that member only."""

    answer: str
    member: int


INTRO = (
    "I'm the group's bot. I help with check-ins, offloads, the meeting agenda, polls, sign-ups and sharing. "
    "Nobody is in charge here: the group decides things together."
)


async def start(ctx: MemberContext) -> Reply:
    buttons = ((RunCommand("help").button("What can you do?"), RunCommand("members").button("Who's in the group?")),)
    return Reply([ctx.reply(f"Hi {ctx.member.name}. {INTRO}", buttons=buttons)])


COMMON = ("checkin", "offload", "suggest", "meeting", "poll", "members", "mydata")


async def help_(ctx: Context, menu: CommandMenu) -> Reply:
    """A few lines and buttons; `/help all` lists every command. Only commands in the menu are named."""
    if ctx.args.lower() == "all":
        lines = [f"/{entry.name} - {entry.summary}" for entry in menu.entries if entry.summary]
        return Reply([ctx.reply("\n".join(lines))])
    common = [f"/{name} - {summary}" for name in COMMON if (summary := menu.summary(name)) is not None]
    text = "\n".join([INTRO, *common, "/help all lists everything."])
    buttons = ((RunCommand("meeting").button("Next meeting"), RunCommand("members").button("Who's in the group?")),)
    return Reply([ctx.reply(text, buttons=buttons)])


def setup_card(group: Group) -> str:
    return f"setup:{group.id}"


async def setup(ctx: Context) -> Reply:
    group = ctx.group
    assert group is not None
    if group.is_set_up and ctx.member is None:
        return Reply()  # a stranger gets nothing in the group, whatever he sends
    if group.is_set_up:
        assert group.setup_at is not None
        day = day_text(group.setup_at.astimezone(group.settings.zone).date(), year=True)
        return Reply([ctx.reply(f"This group was set up on {day}. /settings shows how it runs.")])
    if ctx.member is None:  # setup.allowed names who may start the group, and this person is not one
        return Reply([ctx.reply("Only the people named in my config can run /setup here.")])
    await ctx.uow.groups.mark_set_up(group.id, ctx.now)
    for user_id in ctx.policy.founding_members:
        if await ctx.uow.members.in_group(group.id, user_id) is None:
            await ctx.uow.members.add(group.id, user_id, user_id, founding=True, now=ctx.now)
    group = await ctx.uow.groups.get(group.id)
    assert group is not None
    return Reply(
        [ctx.scope_of(group).to_group(await setup_text(ctx, group), buttons=setup_buttons(), card=setup_card(group))]
    )


async def setup_text(ctx: Context, group: Group) -> str:
    members = await ctx.uow.members.of_group(group.id)
    names = ", ".join(m.name for m in members if m.active and m.founding) or "nobody yet"
    days = FOUNDING_WINDOW.days
    return (
        "Welcome to the group's space. I'm the group's bot.\n"
        f"Founding members: {names}.\n"
        f'Part of the group? Press "I\'m a member" in the next {days} days. '
        "After that, new members join by a group decision.\n"
        "Please also open a private chat with me, so I can message you.\n"
        f"{group.settings.summary()} /settings shows them all."
    )


def setup_buttons() -> tuple[tuple[Button, ...], ...]:
    return ((JoinAsFounder().button("I'm a member"),), open_dm_button())


async def founders_without(ctx: Context, group: Group, gone: Member) -> list[Outgoing]:
    """The setup card again without a founder who erased himself (/forgetme): it lists founders by name."""
    place = await ctx.uow.cards.find(group.platform, group.chat_id, setup_card(group))
    if not gone.founding or place is None:
        return []
    return [Edit(group_chat(group), setup_card(group), await setup_text(ctx, group), buttons=setup_buttons())]


async def join_as_founder(ctx: Context) -> Reply:
    group, press = ctx.group, ctx.incoming
    assert isinstance(press, ButtonPress)
    if group is None or ctx.in_dm:
        return Reply(toast="Press this in the group chat.")
    if ctx.member is not None:
        return Reply(toast="You're already a member.")
    if not group.is_set_up or not group.founding_open(ctx.now):
        return Reply(toast="Joining now needs a group decision. Ask a member to /invite you.")
    if await ctx.uow.members.was_member(group.id, press.sender.user_id):
        # Founding membership is for people who were never members: coming back is the group's decision.
        return Reply(toast="Coming back needs a group decision. Ask a member to /invite you.")
    sender = press.sender
    await ctx.uow.members.add(group.id, sender.user_id, clean_name(sender.display_name), founding=True, now=ctx.now)
    chat = ctx.scope_of(group).group_chat
    edit = Edit(chat, setup_card(group), await setup_text(ctx, group), buttons=setup_buttons())
    return Reply([edit], toast="Welcome, you're in.")


async def members(ctx: MemberContext) -> Reply:
    return Reply([ctx.reply(member_list_text(await ctx.uow.members.of_group(ctx.group.id)))])


async def leave(ctx: MemberContext) -> Reply:
    buttons = ((LeaveAnswer("yes", ctx.member.id).button("Yes"), LeaveAnswer("no", ctx.member.id).button("No")),)
    question = ctx.dm(ctx.member, "Do you want to leave the group? You can ask to come back later.", buttons=buttons)
    # Asked privately: whether he leaves is his business until he does.
    return Reply([question]) if ctx.in_dm else Reply([question, ctx.reply("I've asked you in our private chat.")])


async def leave_answer(ctx: MemberContext) -> Reply:
    press, member = ctx.pressed(LeaveAnswer), ctx.member
    if press.member != member.id:
        return Reply(toast="That question was for someone else.")
    if press.answer != "yes":
        return Reply([ctx.dm(member, "Good, you're staying.")], toast="Okay.")
    await ctx.uow.members.set_status(member.id, "left")
    await ctx.uow.pending.clear_member(member.id)
    out = [
        ctx.to_group(f"{member.name} has left the group. All the best.", about=member.id),
        Remove(ctx.group_chat, member.user_id),
        *await member_gone(ctx.scope, member),
    ]
    return Reply(out, toast="You've left the group. Take care.")


async def left_the_chat(ctx: Context) -> Reply:
    """He left (or was taken out of) the group chat on the platform: the chat is the group, so he has left it
    (coming back is a join request and an admission vote). Nothing if the bot already took him off the list."""
    member, group = ctx.member, ctx.group
    if member is None or group is None or ctx.in_dm:
        return Reply()
    await ctx.uow.members.set_status(member.id, "left")
    await ctx.uow.pending.clear_member(member.id)
    scope = ctx.scope_of(group)
    left = scope.to_group(f"{member.name} has left the group. All the best.", about=member.id)
    return Reply([left, *await member_gone(scope, member)])


async def bot_blocked(ctx: Context) -> Reply:
    """He blocked the bot in his private chat: hold private messages until he opens it again (no one is told)."""
    if ctx.incoming.chat.is_dm:
        await ctx.uow.members.set_reachability(ctx.platform, ctx.incoming.sender.user_id, dm_open=False)
    return Reply()


def register() -> Feature:
    feature = Feature("membership")
    feature.command("start", start, summary="", where="dm")
    feature.command("setup", setup, where="group", members_only=False, summary="", example="")
    feature.command("members", members, summary="who is in the group")
    feature.command("leave", leave, summary="leave the group")
    feature.button(JoinAsFounder, join_as_founder, members_only=False)
    feature.button(LeaveAnswer, leave_answer)
    feature.on("BotBlocked", bot_blocked)
    feature.on("MemberLeft", left_the_chat)
    return feature


HELP = MenuEntry("help", "what I can do", "any")


def register_help(others: CommandMenu) -> Feature:
    """/help, given the menu as data: its own line, then `others` (every other feature's commands, in order)."""
    menu = CommandMenu((HELP,)) + others

    async def help_command(ctx: Context) -> Reply:
        return await help_(ctx, menu)

    feature = Feature("help")
    feature.command(HELP.name, help_command, where=HELP.where, summary=HELP.summary)
    return feature
