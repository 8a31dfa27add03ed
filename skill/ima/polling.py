"""When to ask the server whether a task is done: every 3 s, from 5 s to twice the expected time.

**The promise.** A task that finishes at any age from 5 s to twice its model's expected maximum
(Nano Banana 2: 5-80 s, Pro: 5-240 s) is seen at most 3 s late, 1.5 s late on average. A task
is seen at the first poll after it finished, so its delay is at most the gap it finished in:
the worst delay over a range is the widest gap across it, and the mean, for finishes spread
over the range, is about half the mean gap. The promise is therefore one rule: no gap wider
than :data:`~skill.catalog.POLL_GAP_S` (3 s) anywhere in the range. (Ages are when polls are
sent; the answer's round trip comes on top: about a millisecond over loopback, the server's
latency on the internet.)

**Why not by the expected window any more.** The schedule this replaces polled sparsely (gaps
up to 15 s) until the card's window opened and densely inside it: quick and cheap for a task
that keeps to the card, but a Nano Banana 2 task finishing at 12 s (an independent fake did
that) was seen 8.2 s late, where the vendor's fixed 5 s poll saw it 3.0 s late. How long a
task takes is the server's business, not the card's; any sparse stretch is where some task
finishes, so the schedule has none inside the range.

**The schedule** (:class:`ExpectedWindow`), in the task's age (seconds since the create):

* the first poll at :data:`~skill.catalog.POLL_FIRST_S` (5 s): a task rejected at once is
  reported by then, and no finish at all, even one before the range, waits longer than the
  vendor's worst case (5 s);
* then every :data:`~skill.catalog.POLL_GAP_S` (3 s) on a grid counted from the first poll (5,
  8, 11, ...), never from the last one: a poll that goes out late (a slow answer, a busy loop)
  does not push the rest back. 3 s is the widest gap that keeps the promise, so this is the
  cheapest schedule that does; denser polls would buy mean delay the promise does not ask
  for (1.5 s against 2 s) with polls it does count;
* until :data:`~skill.catalog.POLL_STEADY_SPAN` (2) times the expected maximum: the card's
  upper bound (which the start notice quotes), or the server's own (the product list's ``EET``
  tag) when that is later. A server estimate can only widen the promise, never narrow it,
  and its lower bound no longer matters: the schedule is already dense from the start;
* past that, backing off: the gap grows by :data:`~skill.catalog.POLL_OVERDUE_GROWTH` of the
  time overdue, up to :data:`~skill.catalog.POLL_OVERDUE_MAX_GAP_S`, until the task's deadline.

A ``Retry-After`` on an answer is honoured on top (:func:`respect_hint`): while the server asks
for quiet, the 3 s promise is suspended, and the grid resumes at its next point after the hint.

**The trade-off, and the comparison held.** The promise costs polls: one every 3 s where the
vendor spends one every 5 s. Over the card's window it cannot be had at the vendor's price, by
this schedule or any other. A schedule with no gap over 3 s from 5 s on has its first poll at
8 s at the latest and then at least one every 3 s, so to see a finish at age ``t`` (past 8 s)
it makes at least ``1 + ceil((t - 8) / 3)`` polls; fixed 5 s makes ``1 + ceil(t / 5)`` (it
polls at once). The first is no larger up to about 23 s, and larger on average after. Averaged
over the card's window, the fewest possible are 8.85 polls per task for Nano Banana 2 (20-40 s)
against fixed 5 s's 7.50, and 28.83 for Pro (60-120 s) against 19.50. "Never later than 3 s"
and "no more polls than every 5 s over the window" cannot both hold; this schedule keeps the
first, because a late picture is what a person notices, and holds instead, for every finish
time in the card's window (each one, not only on average):

* no more polls than :class:`FixedEvery` ``(3)``, the fixed schedule with the same worst case;
* exactly one more than the fewest any schedule keeping the promise can make: the poll at 5 s,
  which reports an instant rejection 3 s sooner and covers finishes from 2 s on.

Against fixed 5 s that is 9.85 polls per task over Nano Banana 2's window instead of 7.50, and
29.83 over Pro's instead of 19.50; over the whole range it is 1 poll per 3 s instead of 1 per
5 s. ``bench/polling.py`` prints these figures; ``tests/ima/test_polling.py`` checks them.

:class:`FixedEvery` is the plain schedule, kept for an explicit ``--poll-interval``. Both are
pure functions of the task's age; the caller owns the clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

from skill import catalog

#: Two ages closer than this are the same instant: the loop wakes at ``born + 8`` and may
#: compute the age as 7.9999999, and that poll must count as the one at 8.
_SAME_INSTANT_S = 1e-6


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
    """A poll at ``first_s``, then one every ``gap_s`` through ``steady_span`` times the
    expected maximum, then backing off (the module's docstring gives the reasons)."""

    #: The longest the task is expected to take (seconds).
    expected_max_s: float
    first_s: float = catalog.POLL_FIRST_S
    gap_s: float = catalog.POLL_GAP_S
    steady_span: float = catalog.POLL_STEADY_SPAN
    min_gap_s: float = catalog.POLL_MIN_GAP_S
    overdue_growth: float = catalog.POLL_OVERDUE_GROWTH
    overdue_max_gap_s: float = catalog.POLL_OVERDUE_MAX_GAP_S

    def __post_init__(self) -> None:
        if not (self.expected_max_s > 0 and self.steady_span > 0 and self.first_s > 0):
            raise ValueError("the expected maximum, its span and the first poll must be positive")
        if not 0 < self.min_gap_s <= self.gap_s <= self.overdue_max_gap_s:
            raise ValueError("the gaps must be 0 < min gap <= gap <= overdue max gap")
        if self.overdue_growth < 0:
            raise ValueError("the overdue gap cannot shrink")

    @property
    def steady_until_s(self) -> float:
        """The age up to which no two polls are further apart than ``gap_s``."""
        return self.steady_span * self.expected_max_s

    @classmethod
    def for_model(
        cls, info: catalog.ModelInfo, server_estimate: tuple[float, float] | None = None
    ) -> ExpectedWindow:
        """By the model's expected maximum (the skill card's table), or the server's estimate
        of it when that is later."""
        longest = float(info.estimated_max_s)
        if server_estimate is not None:
            longest = max(longest, server_estimate[1])
        return cls(longest)

    def first(self) -> float:
        return self.first_s

    def after(self, age: float) -> float:
        if age >= self.steady_until_s:
            overdue = age - self.steady_until_s
            return age + min(self.overdue_max_gap_s, self.gap_s + self.overdue_growth * overdue)
        # The first grid point past this poll; one within the same instant is this poll's own.
        steps = math.floor((age + _SAME_INSTANT_S - self.first_s) / self.gap_s) + 1
        return max(age + self.min_gap_s, self.first_s + max(0, steps) * self.gap_s)


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
