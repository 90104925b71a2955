"""The group's library and its offers and needs: pure rules (parsing #tags, searching, when things go).

A shared resource is a few words or a link with `#tags`; `/resources` browses by tag or searches words.
Offers ("I can help with") and needs ("I need") stay open for 30 days or until their poster marks them done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from magbot.domain.limits import RESOURCE

TEXT_LIMIT = RESOURCE.letters  # letters in a shared resource (domain/limits.py)
TAG_LIMIT = 30  # letters in one tag
MAX_TAGS = 8
SHOWN = 8  # results on one phone screen
NEWEST = 3  # resources shown under the tag list
LINE_LIMIT = 120  # letters of a resource in a list
STALE_FLAGS = 2  # different members saying "out of date" remove a resource
SHARE_EXAMPLE = "For example: /share Free bus passes at the council, ask for Jo #travel #money"
_TRAILING = ".,;:!?)\"'"


@dataclass(frozen=True)
class Resource:
    id: int
    group_id: int
    member_id: int
    author: str
    text: str
    tags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class Share:
    text: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """Why the words could not be used, said kindly, with an example."""

    message: str


@dataclass(frozen=True)
class Query:
    tags: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.tags and not self.words


def as_tag(token: str) -> str | None:
    """`#Housing,` -> `housing`; None when the token is not a tag (letters, digits and dashes after a `#`)."""
    if not token.startswith("#"):
        return None
    tag = token[1:].rstrip(_TRAILING).lower()
    if not tag or len(tag) > TAG_LIMIT or not tag[0].isalnum():
        return None
    return tag if all(c.isalnum() or c == "-" for c in tag) else None


def split_tags(raw: str) -> tuple[str, tuple[str, ...]]:
    """The words without their #tags (spaces tidied), and the tags in order, each once."""
    words: list[str] = []
    tags: list[str] = []
    for token in raw.split():
        tag = as_tag(token)
        if tag is None:
            words.append(token)
        elif tag not in tags:
            tags.append(tag)
    return " ".join(words), tuple(tags)


def parse_share(raw: str) -> Share | Problem:
    """`/share <text or link> #tag ...` -> what to add to the library, or a friendly explanation."""
    text, tags = split_tags(raw)
    if not text:
        return Problem(f"I need a few words or a link to share, not only tags. {SHARE_EXAMPLE}")
    if refusal := RESOURCE.refusal(text, f"Please shorten it. {SHARE_EXAMPLE}"):
        return Problem(refusal)
    if len(tags) > MAX_TAGS:
        return Problem(f"A few tags are plenty: at most {MAX_TAGS}. {SHARE_EXAMPLE}")
    return Share(text, tags)


def parse_query(raw: str) -> Query:
    """`/resources housing #council` -> tags and words to look for (case does not matter)."""
    text, tags = split_tags(raw)
    words = tuple(dict.fromkeys(w.strip(_TRAILING).casefold() for w in text.split() if w.strip(_TRAILING)))
    return Query(tags, words)


def matches(resource: Resource, query: Query) -> bool:
    """Every tag asked for is on it, and every word is in its text or its tags."""
    if any(tag not in resource.tags for tag in query.tags):
        return False
    haystack = " ".join([resource.text, *resource.tags]).casefold()
    return all(word in haystack for word in query.words)


def search(library: list[Resource], query: Query) -> list[Resource]:
    """Matches, newest first."""
    found = [r for r in library if matches(r, query)]
    return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)


def tag_counts(library: list[Resource]) -> list[tuple[str, int]]:
    """Tags with how many resources carry them, most used first, then alphabetical."""
    counts: dict[str, int] = {}
    for resource in library:
        for tag in resource.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def short(text: str, limit: int = LINE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def with_tags(text: str, tags: tuple[str, ...]) -> str:
    return " ".join([text, *(f"#{tag}" for tag in tags)])


def resource_line(resource: Resource) -> str:
    return f"- {with_tags(short(resource.text), resource.tags)} ({resource.author})"


def is_removed(flaggers: int, by_author: bool) -> bool:
    """A resource goes when its author says it is out of date, or two different members do."""
    return by_author or flaggers >= STALE_FLAGS
