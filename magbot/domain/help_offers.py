"""Offers and needs: "I can help with ..." and "I need ...", their words and how long they stay up.

Pure rules, no storage. A poster marks his own one done; otherwise it closes after HELP_LIFETIME.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from magbot.domain.limits import OFFER_OR_NEED

HELP_LIFETIME = timedelta(days=30)
TEXT_LIMIT = OFFER_OR_NEED.letters  # letters in an offer or a need (domain/limits.py)


@dataclass(frozen=True)
class HelpPost:
    """An offer ("I can help with") or a need ("I need")."""

    id: int
    group_id: int
    member_id: int
    kind: str  # "offer" or "need"
    text: str
    status: str  # "open", "done", "expired"
    created_at: datetime

    @property
    def is_open(self) -> bool:
        return self.status == "open"


_LEADS = {"offer": ("i can help with ",), "need": ("i need ",)}


def clean_request(raw: str, kind: str = "offer") -> str | None:
    """An offer's or a need's words, tidied (a leading "I can help with" / "I need" dropped: the card says it);
    None when empty or too long."""
    text = " ".join(raw.split())
    for lead in _LEADS.get(kind, ()):
        if text.lower().startswith(lead) and len(text) > len(lead):
            text = text[len(lead) :]
            break
    return text if text and len(text) <= TEXT_LIMIT else None


def expires_at(created_at: datetime) -> datetime:
    return created_at + HELP_LIFETIME
