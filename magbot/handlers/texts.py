"""The one fallback for plain texts that no guided flow is waiting for.

It runs, in order, the text observers features declared (`Feature.observe_texts`: a buddy was seen in the group,
a reply inside an anonymous offload's thread goes to its author, the author's words typed in private are offered
to his thread); it knows none of those features itself. Each observer checks where the text was. In a private
chat that no observer answered, it points to /help.
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
        out: list[Outgoing] = []
        toast: str | None = None
        for observer in watching:  # each sees every text: one answering does not hide it from the next
            reply = await observer(ctx)
            if reply is not None:
                out += reply.out
                toast = toast or reply.toast
        if ctx.in_dm and not out:  # nobody took it up: never silence in private
            return Reply([ctx.reply(DM_HINT)])
        return Reply(out, toast=toast)

    feature = Feature("texts")
    feature.on("Text", on_text)
    return feature
