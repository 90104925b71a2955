"""Offers and needs: /offer and /need post a card in the group; `I'm interested` / `I can help` introduces the
two members privately (once per pair); the poster's `Done`, or 30 days (job `offer:<id>:expire`), closes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from magbot.core.context import MemberContext
from magbot.core.events import Button, Edit, Outgoing, Reply
from magbot.core.feature import Feature
from magbot.core.jobs import Due, JobKind
from magbot.core.scope import GroupScope
from magbot.core.wire import Id, OneOf, Press
from magbot.domain import help_offers as rules
from magbot.domain.help_offers import HelpPost
from magbot.domain.limits import OFFER_OR_NEED
from magbot.domain.members import Member
from magbot.handlers.flows import Act, too_long, words_or_ask
from magbot.storage.uow import UnitOfWork

EXPIRY_GRACE = int(timedelta(days=7).total_seconds())  # a late close is still better than an open card forever
ASK = {
    "offer": f"What can you help with? Write it in one message {OFFER_OR_NEED.up_front}. For example: Fixing bikes",
    "need": f"What do you need? Write it in one message {OFFER_OR_NEED.up_front}. "
    "For example: A lift to Perth on Friday",
}
EXAMPLE = {"offer": "For example: /offer Fixing bikes", "need": "For example: /need A lift to Perth on Friday"}
ANSWER = {"offer": "I'm interested", "need": "I can help"}


@dataclass(frozen=True)
class OfferToClose:
    post: int


EXPIRY = JobKind("offer-expiry", OfferToClose)


@dataclass(frozen=True)
class OfferPress(Press, prefix="offer", shape=(OneOf("answer", "done"), Id())):
    """`offer:<answer|done>:<post id>`: `I'm interested` / `I can help`, and the poster's `Done`."""

    action: str
    post: int


def help_card(post_id: int) -> str:
    return f"offer:{post_id}"


def expiry_key(post_id: int) -> str:
    return f"offer:{post_id}:expire"


def card_text(post: HelpPost, name: str) -> str:
    head = f"{name} offers: {post.text}" if post.kind == "offer" else f"{name} needs: {post.text}"
    if post.status == "done":
        return f"{head}\n(Done. Thanks, everyone.)"
    if post.status == "expired":
        return f"{head}\n(Closed after 30 days. Post it again if it still stands.)"
    return f'{head}\nPress "{ANSWER[post.kind]}" and I\'ll put you in touch.'


def card_buttons(post: HelpPost) -> tuple[tuple[Button, ...], ...]:
    if not post.is_open:
        return ()
    return ((OfferPress("answer", post.id).button(ANSWER[post.kind]), OfferPress("done", post.id).button("Done")),)


def make_post(kind: str) -> Act:
    """The act behind /offer or /need: post the card, plan its expiry."""

    async def post(ctx: MemberContext, raw: str) -> Reply:
        if refusal := OFFER_OR_NEED.refusal(" ".join(raw.split()), f"Please shorten it. {EXAMPLE[kind]}"):
            return Reply([ctx.reply(refusal)])
        text = rules.clean_request(raw, kind)
        if text is None:
            return Reply(
                [ctx.reply(f"Please say it in a few words (under {rules.TEXT_LIMIT} letters). {EXAMPLE[kind]}")]
            )
        post_id = await ctx.uow.help_offers.add(ctx.group.id, ctx.member.id, kind, text, ctx.now)
        found = await ctx.uow.help_offers.get(post_id)
        assert found is not None
        await EXPIRY.plan(
            ctx.uow, expiry_key(post_id), rules.expires_at(ctx.now), OfferToClose(post_id), group_id=ctx.group.id,
            grace_seconds=EXPIRY_GRACE,
        )  # fmt: skip
        card = ctx.to_group(
            card_text(found, ctx.member.name), buttons=card_buttons(found), card=help_card(post_id), about=ctx.member.id
        )
        out: list[Outgoing] = [card]
        return ctx.group_posts(out, "Posted in the group. I'll tell you when someone answers.")

    return post


async def pressed(ctx: MemberContext) -> Reply:
    press, member = ctx.pressed(OfferPress), ctx.member
    action = press.action
    found = await ctx.uow.help_offers.get(press.post)
    if found is None or found.group_id != ctx.group.id or not found.is_open:
        return Reply(toast="That one is closed now.")
    own = found.member_id == member.id
    what = "offer" if found.kind == "offer" else "request"
    if action == "done":
        if not own:
            return Reply(toast="Only the person who posted it can mark it done.")
        await ctx.uow.help_offers.set_status(found.id, "done")
        await ctx.uow.schedule.cancel(expiry_key(found.id))
        closed = await ctx.uow.help_offers.get(found.id)
        assert closed is not None
        return Reply([Edit(ctx.group_chat, help_card(found.id), card_text(closed, member.name))], toast="Marked done.")
    if own:
        return Reply(toast=f"That's your own {what}.")
    poster = await ctx.uow.members.get(found.member_id)
    if poster is None or not poster.active:
        return Reply(toast="The person who posted it is no longer in the group.")
    if not await ctx.uow.help_offers.introduce(found.id, member.id):
        return Reply(toast="I've put you two in touch already. Check your private chat with me.")
    if found.kind == "need":
        to_poster = f"{member.name} can help with: {found.text}. Drop him a message."
        to_helper = f"{poster.name} needs: {found.text}. I've told him you can help. Drop him a message."
    else:
        to_poster = f"{member.name} is interested in your offer: {found.text}. Drop him a message."
        to_helper = f"{poster.name} offers: {found.text}. I've told him you're interested. Drop him a message."
    return Reply(
        [ctx.dm(poster, to_poster), ctx.dm(member, to_helper)],
        toast="I've put you in touch. Check your private chat with me.",
    )


async def expire(scope: GroupScope, job: Due[OfferToClose]) -> list[Outgoing]:
    uow = scope.uow
    found = await uow.help_offers.get(job.payload.post)
    if found is None or not found.is_open:
        return []
    poster = await uow.members.get(found.member_id)
    if poster is None:
        return []
    await uow.help_offers.set_status(found.id, "expired")
    closed = await uow.help_offers.get(found.id)
    assert closed is not None
    return [Edit(scope.group_chat, help_card(found.id), card_text(closed, poster.name))]  # the post's own group


offer, offer_flow = words_or_ask("offer", ASK["offer"], make_post("offer"), too_long(OFFER_OR_NEED))
need, need_flow = words_or_ask("need", ASK["need"], make_post("need"), too_long(OFFER_OR_NEED))


def register() -> Feature:
    feature = Feature("help_offers")
    feature.command("offer", offer, summary="offer the group a hand with something")
    feature.command("need", need, summary="ask the group for a hand with something")
    feature.flow("offer", offer_flow)
    feature.flow("need", need_flow)
    feature.button(OfferPress, pressed)
    feature.job(EXPIRY, expire)
    feature.holds("help_offers", _collect, _erase)
    return feature


async def _collect(uow: UnitOfWork, member: Member) -> dict[str, object]:
    return await uow.help_offers.held_about(member.id)


async def _erase(uow: UnitOfWork, member: Member) -> None:
    for post_id in await uow.help_offers.ids_of(member.id):
        await uow.schedule.cancel(f"offer:{post_id}:")
    await uow.help_offers.erase(member.id)
