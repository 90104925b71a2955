"""Library rules: #tags and search words are read (never a crash: a share or a kind explanation), searches
ignore case, offers and needs keep their words tidy."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.resources import (
    STALE_FLAGS,
    TEXT_LIMIT,
    Problem,
    Resource,
    Share,
    as_tag,
    is_removed,
    parse_query,
    parse_share,
    search,
    tag_counts,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def res(rid: int, text: str, *tags: str) -> Resource:
    return Resource(rid, 1, 1, "Dave", text, tags, NOW.replace(minute=rid))


def test_a_share_is_its_words_and_lower_case_tags_each_once() -> None:
    assert parse_share("Free bus passes, ask for Jo #Travel #money #travel") == Share(
        "Free bus passes, ask for Jo", ("travel", "money")
    )
    assert parse_share("https://shelter.org.uk/help #housing.") == Share("https://shelter.org.uk/help", ("housing",))


def test_tags_are_letters_digits_and_dashes() -> None:
    assert as_tag("#job-club") == "job-club"
    assert as_tag("#2026") == "2026"
    assert as_tag("#") is None and as_tag("#-x") is None and as_tag("#a/b") is None and as_tag("word") is None
    assert parse_share("Ring 0808 #1 mate #a/b").text == "Ring 0808 mate #a/b"


def test_only_tags_or_too_long_is_explained_with_an_example() -> None:
    for raw in ("#housing", "", "   ", "x" * (TEXT_LIMIT + 1)):
        problem = parse_share(raw)
        assert isinstance(problem, Problem) and "For example: /share" in problem.message


@given(st.text(max_size=600))
def test_the_share_parser_never_crashes_and_either_parses_or_explains(raw: str) -> None:
    result = parse_share(raw)
    if isinstance(result, Share):
        assert result.text and len(result.text) <= TEXT_LIMIT
        assert all(t == t.lower() and as_tag("#" + t) == t for t in result.tags)
        assert len(set(result.tags)) == len(result.tags)
    else:
        assert "For example: /share" in result.message


@given(st.text(max_size=200))
def test_the_query_parser_never_crashes(raw: str) -> None:
    query = parse_query(raw)
    assert all(w == w.casefold() for w in query.words)
    search([res(1, "Bus passes", "travel")], query)


def test_search_ignores_case_and_looks_in_text_and_tags_newest_first() -> None:
    library = [res(1, "Free bus passes at the council", "travel"), res(2, "Council tax help", "money")]
    assert [r.id for r in search(library, parse_query("COUNCIL"))] == [2, 1]
    assert [r.id for r in search(library, parse_query("#travel"))] == [1]
    assert [r.id for r in search(library, parse_query("money"))] == [2]
    assert [r.id for r in search(library, parse_query("#money bus"))] == []


def test_tag_counts_most_used_first() -> None:
    library = [res(1, "a", "jobs", "courses"), res(2, "b", "jobs"), res(3, "c", "housing")]
    assert tag_counts(library) == [("jobs", 2), ("courses", 1), ("housing", 1)]


def test_removed_by_its_author_or_two_members() -> None:
    assert is_removed(0, by_author=True)
    assert not is_removed(STALE_FLAGS - 1, by_author=False)
    assert is_removed(STALE_FLAGS, by_author=False)


def test_offers_and_needs_are_tidied() -> None:
    from magbot.domain.help_offers import TEXT_LIMIT, clean_request

    assert clean_request("  I need  a lift  to Perth ", "need") == "a lift to Perth"
    assert clean_request("I can help with forms", "offer") == "forms"
    assert clean_request("I can fix bikes", "offer") == "I can fix bikes"
    assert clean_request("   ", "offer") is None
    assert clean_request("x" * (TEXT_LIMIT + 1), "need") is None
