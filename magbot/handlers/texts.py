"""The one fallback for plain texts that no guided flow is waiting for.

In a private chat it points to /help. In the group it runs, in order, the text observers features declared
(`Feature.observe_texts`: a buddy was seen, a reply inside an anonymous offload's thread goes to its author);
it knows none of those features itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from magbot.core.context import MemberContext
from magbot.core.events import Outgoing, Reply
from magbot.core.feature import Feature, TextObserver

DM_HINT = "Type /help to see what I can do."


def register(observers: Sequence[TextObserver]) -> Feature:
    """The "Text" event route over `observers`, every feature's in the order the features were declared."""
    watching = tuple(observers)

    async def on_text(ctx: MemberContext) -> Reply:
        # Reached only from a member: routing answers a stranger's text itself.
        if ctx.in_dm:
            return Reply([ctx.reply(DM_HINT)])
        out: list[Outgoing] = []
        toast: str | None = None
        for observer in watching:  # each sees every text: one answering does not hide it from the next
            reply = await observer(ctx)
            if reply is not None:
                out += reply.out
                toast = toast or reply.toast
        return Reply(out, toast=toast)

    feature = Feature("texts")
    feature.on("Text", on_text)
    return feature
