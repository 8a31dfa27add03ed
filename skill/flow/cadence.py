"""Step 2 arithmetic: when to report progress and what percentage to claim.

Pure functions of elapsed time and the model's facts from :mod:`skill.catalog`; the poll loop
(:mod:`skill.flow.watch`) owns the clock. Progress comes every ``progress_interval_s`` (the
card's cadence) up to the expected maximum; past it the same 95 % would only repeat, so it
thins out: every :data:`~skill.catalog.PROGRESS_OVERDUE_EVERY` intervals, then one "still
working" note at :data:`~skill.catalog.PROGRESS_STILL_WORKING_AT` times the maximum, then
quiet until the picture or the deadline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skill import catalog


@dataclass(frozen=True)
class ProgressPoint:
    """One progress message's numbers."""

    percent: int
    elapsed_s: int
    estimated_max_s: int
    #: Past the estimate: the message adds "almost there".
    overdue: bool
    #: Well past it: the single "still working" note.
    still_working: bool = False


def progress_percent(elapsed_s: float, estimated_max_s: float) -> int:
    """``min(95, floor(elapsed / estimated_max * 100))``, never negative."""
    if estimated_max_s <= 0:
        return catalog.PROGRESS_CAP_PERCENT
    raw = int(max(0.0, elapsed_s) * 100 // estimated_max_s)
    return min(catalog.PROGRESS_CAP_PERCENT, raw)


def progress_point(elapsed_s: float, estimated_max_s: int, *, still: bool = False) -> ProgressPoint:
    """The numbers of the progress message sent ``elapsed_s`` after the task started."""
    return ProgressPoint(
        percent=progress_percent(elapsed_s, estimated_max_s),
        elapsed_s=int(elapsed_s),
        estimated_max_s=estimated_max_s,
        overdue=elapsed_s > estimated_max_s,
        still_working=still,
    )


@dataclass(frozen=True)
class Cadence:
    """Which of the cadence's points (``k * interval_s``, k = 1, 2, ...) are reported."""

    interval_s: float
    estimated_max_s: int

    def __post_init__(self) -> None:
        if not self.interval_s > 0:
            raise ValueError("a progress interval must be positive")

    @property
    def still_working_k(self) -> int:
        """The point of the one "still working" note: the first at or past the threshold."""
        threshold = catalog.PROGRESS_STILL_WORKING_AT * self.estimated_max_s
        return max(1, math.ceil(threshold / self.interval_s - 1e-9))

    def point(self, k: int) -> ProgressPoint | None:
        """The message of point ``k``, or ``None`` when that point stays quiet."""
        elapsed = k * self.interval_s
        if elapsed <= self.estimated_max_s:
            return progress_point(elapsed, self.estimated_max_s)
        last_in_time = math.floor(self.estimated_max_s / self.interval_s + 1e-9)
        if k < self.still_working_k:
            if (k - last_in_time) % catalog.PROGRESS_OVERDUE_EVERY == 0:
                return progress_point(elapsed, self.estimated_max_s)
            return None
        if k == self.still_working_k:
            return progress_point(elapsed, self.estimated_max_s, still=True)
        return None

    def next_k(self, k: int) -> int | None:
        """The first point after ``k`` that says something (``None``: nothing more to say)."""
        for later in range(k + 1, self.still_working_k + 1):
            if self.point(later) is not None:
                return later
        return None
