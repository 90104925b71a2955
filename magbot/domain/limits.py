"""How long each kind of text members write may be: one limit per kind, the same in the group and in private.

Nothing is ever cut without a word (PRODUCT.md "Conversations"): a text over its limit is refused before anything
is posted, saying the limit and how far over it is, and each question that takes such a text says the limit up
front. Every limit is here, so a handler never restates one. All are under the router's limit on a command's
words (core/router.py MAX_ARGS, 4,000), so each kind's own refusal is the one members see, and under Telegram's
4,096 characters a message, with room for the bot's own words around them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextLimit:
    """A kind of text and how many letters it may have. `what` reads in a sentence: `An offload`."""

    what: str
    letters: int

    def over(self, text: str) -> int:
        """How many letters too long the text is (0 when it fits)."""
        return max(0, len(text) - self.letters)

    def refusal(self, text: str, again: str = "") -> str | None:
        """What to tell the member when the text is too long (None when it fits). `again` says how to resend."""
        over = self.over(text)
        if not over:
            return None
        tail = f" {again}" if again else " Please shorten it and send it again."
        letters = "1 letter" if over == 1 else f"{over:,} letters"
        return (
            f"That's {letters} too long: {self.what[:1].lower()}{self.what[1:]} can be up to "
            f"{self.letters:,} letters. Nothing was posted.{tail}"
        )

    @property
    def up_front(self) -> str:
        """`(up to 2,000 letters)`, for the question that asks for the text."""
        return f"(up to {self.letters:,} letters)"


OFFLOAD = TextLimit("An offload", 2000)  # what he writes, and each reply passed on through the bot
CHECKIN_WORDS = TextLimit("The words with a check-in", 500)
SUGGESTION = TextLimit("A topic for the agenda", 200)
NOTICE = TextLimit("A notice", 500)
REMINDER_NOTE = TextLimit("A note on the reminder", 300)
RESOURCE = TextLimit("A shared resource", 500)
OFFER_OR_NEED = TextLimit("An offer or a need", 500)  # the same as a resource: both are a short post
RULE = TextLimit("A rule", 300)
POLL_QUESTION = TextLimit("A poll's question", 300)
POLL_ANSWER = TextLimit("Each answer of a poll", 100)
ACTIVITY_WHAT = TextLimit("What the activity is", 100)
ACTIVITY_PLACE = TextLimit("Where it is", 100)
LONGEST = max(
    limit.letters
    for limit in (OFFLOAD, CHECKIN_WORDS, SUGGESTION, NOTICE, REMINDER_NOTE, RESOURCE, OFFER_OR_NEED, RULE)
)
