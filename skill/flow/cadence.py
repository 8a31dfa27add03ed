"""Step 2 arithmetic: when to report progress and what percentage to claim.

Pure functions of elapsed time and the model's facts from :mod:`skill.catalog`; the driver
owns the clock. Progress and polling keep their own cadences: the driver sleeps until the
earlier of the next poll and the next progress point (:func:`next_wake`).
"""

from __future__ import annotations

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


def progress_percent(elapsed_s: float, estimated_max_s: float) -> int:
    """``min(95, floor(elapsed / estimated_max * 100))``, never negative."""
    if estimated_max_s <= 0:
        return catalog.PROGRESS_CAP_PERCENT
    raw = int(max(0.0, elapsed_s) * 100 // estimated_max_s)
    return min(catalog.PROGRESS_CAP_PERCENT, raw)


def progress_point(elapsed_s: float, estimated_max_s: int) -> ProgressPoint:
    """The numbers of the progress message sent ``elapsed_s`` after the start notice."""
    return ProgressPoint(
        percent=progress_percent(elapsed_s, estimated_max_s),
        elapsed_s=int(elapsed_s),
        estimated_max_s=estimated_max_s,
        overdue=elapsed_s > estimated_max_s,
    )


def progress_times(interval_s: float, until_s: float) -> list[float]:
    """Elapsed times (from the start notice) of every progress message before ``until_s``.

    A task that ends before the first point gets none; one ending exactly on a point gets
    none for that point either, because the driver polls before it reports.
    """
    if interval_s <= 0:
        raise ValueError("interval_s must be positive")
    times: list[float] = []
    k = 1
    while k * interval_s < until_s:
        times.append(k * interval_s)
        k += 1
    return times


def next_wake(now: float, *, next_poll: float, next_progress: float, deadline: float) -> float:
    """How long to sleep: until the earliest of the next poll, progress point or deadline."""
    return max(0.0, min(next_poll, next_progress, deadline) - now)
