"""When to ask the server whether a task is done: polling by expectation.

A fixed 5-second poll (the vendor's script) notices a finished task 2.5 s late on average and
spends polls while nothing can be ready. :class:`ExpectedWindow` polls by the model's expected
time instead, as seconds since the task was created:

* **before the window opens**: one early poll (an instant rejection is reported at once), one
  at the server's own earliest estimate when it comes sooner (the product list's ``EET`` tag),
  and no gap longer than :data:`skill.catalog.POLL_SPARSE_MAX_GAP_S`, landing on the window's
  start;
* **inside the window**: dense, the gap shrinking from :data:`~skill.catalog.POLL_DENSE_MAX_S`
  to :data:`~skill.catalog.POLL_DENSE_MIN_S` as the window runs out. The gap follows
  ``sqrt(time left / window)``: a task still running late in its window is ever more likely to
  finish in the next second, and an early poll is one most tasks pay for, a late one few do;
* **past the window**: backing off, the gap growing with how overdue the task is, up to
  :data:`~skill.catalog.POLL_OVERDUE_MAX_GAP_S`.

:class:`FixedEvery` is the plain schedule, kept for an explicit ``--poll-interval``. Both are
pure functions of the task's age; the caller owns the clock and honours a server's
``Retry-After`` on top (:func:`respect_hint`). ``bench/polling.py`` measures them side by side.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

from skill import catalog


class PollSchedule(Protocol):
    """When to poll, as task ages (seconds since the task was created)."""

    def first(self) -> float:
        """The age of the first poll."""
        ...

    def after(self, age: float) -> float:
        """The age of the next poll, after one made at ``age`` (always later than ``age``)."""
        ...


@dataclass(frozen=True)
class FixedEvery:
    """A poll right away, then one every ``every_s`` seconds."""

    every_s: float

    def __post_init__(self) -> None:
        if not self.every_s > 0:
            raise ValueError("a poll interval must be positive")

    def first(self) -> float:
        return 0.0

    def after(self, age: float) -> float:
        return age + self.every_s


@dataclass(frozen=True)
class ExpectedWindow:
    """Sparse before the expected window, dense inside it, backing off past it."""

    #: The task is expected to finish between these ages (seconds).
    low_s: float
    high_s: float
    #: Extra polls before the window (the server's own estimate, when it is earlier).
    checkpoints: tuple[float, ...] = ()
    first_s: float = catalog.POLL_FIRST_S
    sparse_max_gap_s: float = catalog.POLL_SPARSE_MAX_GAP_S
    dense_min_s: float = catalog.POLL_DENSE_MIN_S
    dense_max_s: float = catalog.POLL_DENSE_MAX_S
    dense_scale_s: float = catalog.POLL_DENSE_SCALE_S
    overdue_max_gap_s: float = catalog.POLL_OVERDUE_MAX_GAP_S
    overdue_growth: float = catalog.POLL_OVERDUE_GROWTH
    min_gap_s: float = catalog.POLL_MIN_GAP_S

    def __post_init__(self) -> None:
        if not 0 <= self.low_s < self.high_s:
            raise ValueError("the expected window must be 0 <= low < high")
        if not 0 < self.min_gap_s <= self.dense_min_s <= self.dense_max_s:
            raise ValueError("the gaps must be 0 < min gap <= dense min <= dense max")
        if not (self.first_s > 0 and self.sparse_max_gap_s > 0 and self.overdue_max_gap_s > 0):
            raise ValueError("poll gaps must be positive")

    @classmethod
    def for_model(
        cls, info: catalog.ModelInfo, server_estimate: tuple[float, float] | None = None
    ) -> ExpectedWindow:
        """The model's expected time (the skill card's table, which the start notice quotes),
        with a checkpoint at the server's earliest estimate when it expects the task sooner."""
        low, high = (float(x) for x in info.eta_s)
        marks = (server_estimate[0],) if server_estimate and 0 < server_estimate[0] < low else ()
        return cls(low, high, checkpoints=marks)

    def first(self) -> float:
        return min(self.first_s, self.low_s) if self.low_s > 0 else self.after(0.0)

    def after(self, age: float) -> float:
        # A mark closer than the minimum gap counts as reached: ages come from clock
        # arithmetic, and 19.999999999 must not be followed by a second poll "at 20".
        if age + self.min_gap_s < self.low_s:
            return self._sparse_after(age)
        if age < self.high_s:
            left = self.high_s - max(age, self.low_s)
            gap = self.dense_scale_s * math.sqrt(left / (self.high_s - self.low_s))
            return age + min(self.dense_max_s, max(self.dense_min_s, gap))
        overdue = age - self.high_s
        gap = self.dense_min_s + self.overdue_growth * overdue
        return age + min(self.overdue_max_gap_s, gap)

    def _sparse_after(self, age: float) -> float:
        """Before the window: the next mark (a checkpoint or the window's start), reached in
        equal steps no longer than the sparse gap."""
        marks = sorted({m for m in (*self.checkpoints, self.low_s) if m > age + self.min_gap_s})
        target = marks[0]
        steps = math.ceil((target - age) / self.sparse_max_gap_s - 1e-9)
        return age + (target - age) / max(1, steps)


def respect_hint(next_age: float, age: float, retry_after_s: float | None) -> float:
    """The next poll, no sooner than the server asked (``Retry-After`` on the last answer).

    A hint longer than :data:`skill.catalog.RETRY_AFTER_CAP_S` is held to that cap: the
    server's wish is honoured, but never by going silent for minutes.
    """
    if retry_after_s is None or retry_after_s <= 0:
        return next_age
    return max(next_age, age + min(retry_after_s, catalog.RETRY_AFTER_CAP_S))


_ESTIMATE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(?:s|秒)?\s*[~\-–至到]\s*(\d+(?:\.\d+)?)\s*"
    r"(s|sec|secs|seconds|秒|m|min|mins|minutes|分钟)?\s*$",
    re.IGNORECASE,
)


def parse_estimate(tag: str | None) -> tuple[float, float] | None:
    """The product list's expected-time tag (``EET``, e.g. ``"20~35s"``) as seconds.

    ``None`` when absent or unreadable: a hint we cannot read is no hint. Minutes are accepted
    (``"1~2min"``); the bounds come back in order.
    """
    if not tag:
        return None
    found = _ESTIMATE.match(tag)
    if found is None:
        return None
    low, high = float(found.group(1)), float(found.group(2))
    if (found.group(3) or "s").lower() in ("m", "min", "mins", "minutes", "分钟"):
        low, high = low * 60, high * 60
    low, high = min(low, high), max(low, high)
    if high <= 0:
        return None
    return low, high


def schedule_for(
    info: catalog.ModelInfo, *, every_s: float | None = None, estimate: str | None = None
) -> PollSchedule:
    """The schedule for one task: ``FixedEvery`` when the caller named an interval, else by
    the model's expected window (with the server's ``EET`` tag, when it gave one)."""
    if every_s is not None:
        return FixedEvery(every_s)
    return ExpectedWindow.for_model(info, parse_estimate(estimate))
