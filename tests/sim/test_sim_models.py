"""The simulator's own duration table says what the skill card says, whatever the client thinks."""

from __future__ import annotations

from simkit import NB2, PRO

from skill.sim.models import DEFAULT_DURATION_RANGE_S, DURATION_RANGE_S, duration_range


def test_the_durations_are_the_skill_cards() -> None:
    # The card's "Estimated Generation Time per Model": Nano Banana2 20~40s, Pro 60~120s.
    assert DURATION_RANGE_S == {NB2: (20, 40), PRO: (60, 120)}
    assert duration_range(NB2) == (20, 40)
    assert duration_range(PRO) == (60, 120)


def test_a_model_the_table_does_not_know_takes_the_default() -> None:
    assert duration_range("seedream-4.0") == DEFAULT_DURATION_RANGE_S
    low, high = DEFAULT_DURATION_RANGE_S
    assert 0 < low < high
