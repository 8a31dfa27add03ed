"""Step 2 arithmetic: the percentage formula, the 95% cap, and which points are reported."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import catalog
from skill.flow.cadence import Cadence, progress_percent, progress_point

NB2 = catalog.NANO_BANANA_2
PRO = catalog.NANO_BANANA_PRO


def reported(cadence: Cadence, until_s: float) -> list[tuple[float, bool]]:
    """(elapsed, still_working) of every point reported before ``until_s``."""
    out: list[tuple[float, bool]] = []
    k = cadence.next_k(0)
    while k is not None and k * cadence.interval_s < until_s:
        point = cadence.point(k)
        assert point is not None
        out.append((k * cadence.interval_s, point.still_working))
        k = cadence.next_k(k)
    return out


@pytest.mark.parametrize(
    ("elapsed", "most", "percent"),
    [
        (15, 40, 37),
        (30, 40, 75),
        (39.9, 40, 95),
        (45, 40, 95),
        (30, 120, 25),
        (119, 120, 95),
        (0, 40, 0),
        (1000, 120, 95),
    ],
)
def test_percent_formula(elapsed: float, most: int, percent: int) -> None:
    assert progress_percent(elapsed, most) == percent


@given(st.floats(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=600))
def test_percent_never_passes_the_cap_and_never_goes_back(elapsed: float, most: int) -> None:
    now = progress_percent(elapsed, most)
    later = progress_percent(elapsed + 1, most)
    assert 0 <= now <= later <= catalog.PROGRESS_CAP_PERCENT


def test_almost_there_only_past_the_estimate() -> None:
    assert not progress_point(40, 40).overdue
    assert progress_point(45, 40).overdue
    assert progress_point(45, 40).percent == 95


def test_nb2_every_15_seconds_then_thinning_then_one_still_working_note() -> None:
    cadence = Cadence(NB2.progress_interval_s, NB2.estimated_max_s)
    assert reported(cadence, 600) == [(15, False), (30, False), (60, False), (90, True)]


def test_pro_every_30_seconds_then_thinning_then_one_still_working_note() -> None:
    cadence = Cadence(PRO.progress_interval_s, PRO.estimated_max_s)
    assert reported(cadence, 600) == [
        (30, False),
        (60, False),
        (90, False),
        (120, False),
        (180, False),
        (240, True),
    ]


def test_past_the_maximum_the_same_95_is_never_said_at_every_interval() -> None:
    # The case: a long wait used to repeat "95% almost there" at every interval.
    for info in (NB2, PRO):
        cadence = Cadence(info.progress_interval_s, info.estimated_max_s)
        overdue = [e for e, _ in reported(cadence, 10_000) if e > info.estimated_max_s]
        assert len(overdue) <= 2


def test_a_short_task_gets_no_progress() -> None:
    cadence = Cadence(NB2.progress_interval_s, NB2.estimated_max_s)
    assert reported(cadence, 14.9) == []
    assert reported(cadence, 15) == []  # done on the point: no message
