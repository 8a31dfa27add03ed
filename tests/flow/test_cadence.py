"""Step 2 arithmetic: the percentage formula, the 95% cap, and when progress is due."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import catalog
from skill.flow.cadence import next_wake, progress_percent, progress_point, progress_times

NB2 = catalog.NANO_BANANA_2
PRO = catalog.NANO_BANANA_PRO


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


def test_nb2_reports_every_15_seconds() -> None:
    assert progress_times(NB2.progress_interval_s, 50) == [15, 30, 45]


def test_pro_reports_every_30_seconds() -> None:
    assert progress_times(PRO.progress_interval_s, 100) == [30, 60, 90]


def test_a_short_task_gets_no_progress() -> None:
    assert progress_times(NB2.progress_interval_s, 14.9) == []
    assert progress_times(NB2.progress_interval_s, 15) == []  # done on the point: no message


def test_sleep_until_the_earliest_event() -> None:
    assert next_wake(10, next_poll=12, next_progress=15, deadline=600) == 2
    assert next_wake(14, next_poll=16, next_progress=15, deadline=600) == 1
    assert next_wake(20, next_poll=16, next_progress=15, deadline=600) == 0
