"""Decision rules: quorum with abstentions, the threshold on Yes against No, and settling early."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from magbot.domain.decisions import Rules, Tally, share

DEFAULT = Rules(Fraction(1, 3), Fraction(1, 2))


def test_shares_read_fractions_and_percentages() -> None:
    assert share("1/3") == Fraction(1, 3)
    assert share("40%") == Fraction(2, 5)
    assert share("nonsense", "1/2") == Fraction(1, 2)


def test_quorum_counts_abstentions_and_the_threshold_does_not() -> None:
    assert DEFAULT.needed(10) == 4
    assert DEFAULT.passes(Tally(yes=2, no=1, abstain=1), 10)  # 4 voters, 2 > 1.5
    assert not DEFAULT.passes(Tally(yes=2, no=1, abstain=0), 10)  # 3 voters: no quorum
    assert not DEFAULT.passes(Tally(yes=2, no=2, abstain=3), 10)  # a tie is not "more than half"
    assert not DEFAULT.passes(Tally(abstain=5), 10)


def test_no_eligible_voters_never_passes() -> None:
    assert not DEFAULT.passes(Tally(), 0)
    assert DEFAULT.settled(Tally(), 0)


def test_settled_early_when_the_remaining_votes_cannot_change_it() -> None:
    assert DEFAULT.settled(Tally(yes=6), 9)  # even three No would leave 6 > 4.5
    assert not DEFAULT.settled(Tally(yes=4), 9)
    assert DEFAULT.settled(Tally(no=5), 9)  # four Yes can't beat five No
    assert not DEFAULT.settled(Tally(yes=1), 3)
    everyone = Rules(Fraction(1), Fraction(1, 2))
    assert not everyone.settled(Tally(yes=2), 3)  # a clear majority, but the quorum is not there yet


@given(
    st.integers(0, 12),
    st.data(),
    st.sampled_from([Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1, 10), Fraction(1)]),
    st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)]),
)
def test_a_settled_outcome_is_the_outcome_whatever_the_rest_vote(
    eligible: int, data: st.DataObject, quorum: Fraction, threshold: Fraction
) -> None:
    rules = Rules(quorum, threshold)
    cast = data.draw(st.lists(st.sampled_from(["yes", "no", "abstain"]), max_size=eligible))
    tally = Tally.of(cast)
    if not rules.settled(tally, eligible):
        return
    rest = data.draw(
        st.lists(
            st.sampled_from(["yes", "no", "abstain", "none"]),
            min_size=eligible - len(cast),
            max_size=eligible - len(cast),
        )
    )
    final = Tally.of(cast + [c for c in rest if c != "none"])
    assert rules.passes(final, eligible) == rules.passes(tally, eligible)
