"""Polling: the promise (a finish seen within 3 s), its price in polls, and the server's hints.

The schedules are pure functions of the task's age, so the promise is checked as arithmetic:
a task finishing at age ``t`` is seen by the first poll at or after ``t``.
"""

from __future__ import annotations

import itertools
import math

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ima_fakes import ENDS, KEY, FakeApi, media, ok

from skill import catalog
from skill.clock import FakeClock
from skill.flow.watch import watch
from skill.ima import (
    ExpectedWindow,
    FixedEvery,
    ImaClient,
    PollSchedule,
    TaskSnapshot,
    schedule_for,
)
from skill.ima.polling import parse_estimate, respect_hint

NB2 = catalog.NANO_BANANA_2
PRO = catalog.NANO_BANANA_PRO
MODELS = pytest.mark.parametrize("info", [NB2, PRO], ids=["nb2", "pro"])

#: The promise: a finish from this age to twice the expected maximum is seen within the gap
#: (3 s), and this late at most on average.
PROMISE_FROM_S = 5.0
PROMISED_MEAN_S = 2.0
#: Float noise in the ages (sums of tenths), far below anything a person could notice.
NOISE_S = 1e-9


def ages(schedule: PollSchedule, until: float) -> list[float]:
    """Every poll age up to the first one at or after ``until``."""
    out = [schedule.first()]
    while out[-1] < until:
        out.append(schedule.after(out[-1]))
    return out


def seen(schedule: PollSchedule, done_at: float) -> tuple[float, int]:
    """How late a task finished at ``done_at`` is seen, and how many polls that takes."""
    polls = ages(schedule, done_at)
    return polls[-1] - done_at, len(polls)


def tenths(low: float, high: float) -> list[float]:
    """Finish times from ``low`` to ``high`` every 0.1 s (each one a whole number of tenths)."""
    return [i / 10 for i in range(round(low * 10), round(high * 10) + 1)]


def widest_gap(schedule: PollSchedule, low: float, high: float) -> float:
    """The latest any finish in ``[low, high]`` is seen: one just after a poll waits the gap."""
    polls = ages(schedule, high)
    worst = next(a for a in polls if a >= low) - low
    for a, b in itertools.pairwise(polls):
        if b > low and a < high:
            worst = max(worst, b - max(a, low))
    return worst


def averaged(schedule: PollSchedule, low: float, high: float) -> tuple[float, float]:
    """Delay and polls per task for finishes spread evenly over ``[low, high]``, exactly: a
    finish at ``t`` in ``(previous poll, k-th poll at p]`` waits ``p - t`` and takes ``k``."""
    polls = ages(schedule, high)
    delay = count = 0.0
    for k, (a, b) in enumerate(itertools.pairwise([-math.inf, *polls]), start=1):
        start, end = max(a, low), min(b, high)
        if end > start:
            delay += ((b - start) ** 2 - (b - end) ** 2) / 2
            count += k * (end - start)
    return delay / (high - low), count / (high - low)


def mean_polls(schedule: PollSchedule, low: float, high: float) -> float:
    return averaged(schedule, low, high)[1]


def fewest(info: catalog.ModelInfo) -> ExpectedWindow:
    """The cheapest schedule that keeps the promise: every poll as late as it allows (the
    first at 5 s + one gap, then one gap apart)."""
    return ExpectedWindow(info.estimated_max_s, first_s=PROMISE_FROM_S + catalog.POLL_GAP_S)


def test_fixed_polls_at_once_then_every_interval() -> None:
    assert ages(FixedEvery(5), 20) == [0, 5, 10, 15, 20]
    with pytest.raises(ValueError, match="positive"):
        FixedEvery(0)


def test_it_polls_at_five_seconds_then_every_three_through_twice_the_expected_time() -> None:
    window = ExpectedWindow.for_model(NB2)
    assert window.steady_until_s == 2 * NB2.estimated_max_s == 80
    assert ages(window, 80) == [5.0 + 3 * k for k in range(26)]  # 5, 8, ... 80
    late = [a for a in ages(window, 400) if a >= 80]
    gaps = [b - a for a, b in itertools.pairwise(late)]
    assert gaps[0] == catalog.POLL_GAP_S
    assert gaps == sorted(gaps)  # backing off past twice the expected time...
    assert gaps[-1] == catalog.POLL_OVERDUE_MAX_GAP_S  # ...up to its cap


@MODELS
def test_every_finish_from_five_seconds_to_twice_the_expected_time_is_seen_within_three(
    info: catalog.ModelInfo,
) -> None:
    schedule = schedule_for(info)
    end = 2 * info.estimated_max_s
    delays = [seen(schedule, t)[0] for t in tenths(PROMISE_FROM_S, end)]
    assert len(delays) == 10 * (end - PROMISE_FROM_S) + 1
    assert max(delays) <= catalog.POLL_GAP_S + NOISE_S
    # Between the tenths too: no gap across the range is wider than the promise.
    assert widest_gap(schedule, PROMISE_FROM_S, end) == pytest.approx(catalog.POLL_GAP_S)
    assert sum(delays) / len(delays) <= PROMISED_MEAN_S
    mean_delay = averaged(schedule, PROMISE_FROM_S, end)[0]
    assert mean_delay == pytest.approx(catalog.POLL_GAP_S / 2, abs=0.01)  # half the gap
    # The vendor's fixed 5 s breaks the promise (a task at 12 s is seen at 15 s; at 10.1 s,
    # 4.9 s late), and so did the old schedule by the window (8.2 s late at 12 s).
    assert seen(FixedEvery(5), 12.0)[0] == 3.0
    assert widest_gap(FixedEvery(5), PROMISE_FROM_S, end) == 5.0
    assert seen(schedule, 12.0)[0] == 2.0


@MODELS
def test_over_the_cards_window_it_polls_no_more_than_the_fixed_schedule_with_its_worst_case(
    info: catalog.ModelInfo,
) -> None:
    # The comparison skill/ima/polling.py holds, for each finish time in the card's window.
    schedule = schedule_for(info)
    same_worst = FixedEvery(catalog.POLL_GAP_S)
    for t in tenths(*info.eta_s):
        polls = seen(schedule, t)[1]
        assert polls <= seen(same_worst, t)[1]
        assert polls == seen(fewest(info), t)[1] + 1  # the poll at 5 s
    assert widest_gap(fewest(info), PROMISE_FROM_S, 2 * info.estimated_max_s) == pytest.approx(
        catalog.POLL_GAP_S
    )


@pytest.mark.parametrize(
    ("info", "least", "ours", "every_five"),
    [(NB2, 8.85, 9.85, 7.50), (PRO, 28.83, 29.83, 19.50)],
    ids=["nb2", "pro"],
)
def test_no_schedule_that_keeps_the_promise_polls_as_rarely_as_every_five_seconds(
    info: catalog.ModelInfo, least: float, ours: float, every_five: float
) -> None:
    # The trade-off skill/ima/polling.py states, with its figures: polls per task, averaged
    # over finishes spread evenly across the card's window.
    low, high = (float(x) for x in info.eta_s)
    assert mean_polls(fewest(info), low, high) == pytest.approx(least, abs=0.005)
    assert mean_polls(schedule_for(info), low, high) == pytest.approx(ours, abs=0.005)
    assert mean_polls(FixedEvery(5), low, high) == pytest.approx(every_five, abs=0.005)
    assert every_five < least < ours


def test_a_late_poll_does_not_push_the_grid_back() -> None:
    window = ExpectedWindow.for_model(NB2)
    assert window.after(8.4) == 11.0  # sent 0.4 s late: the next one is still at 11
    assert window.after(8.0 - 1e-9) == 11.0  # clock arithmetic: that was the poll at 8
    # A poll off the grid (at once, on resume) keeps the minimum gap, then rejoins it.
    assert window.after(10.7) == pytest.approx(10.7 + catalog.POLL_MIN_GAP_S)
    assert window.after(10.7 + catalog.POLL_MIN_GAP_S) == 14.0
    assert window.after(0.0) == catalog.POLL_FIRST_S


@given(
    longest=st.floats(1, 600),
    age=st.floats(0, 2000),
)
def test_every_next_poll_is_later_and_inside_the_promise_never_further_than_the_gap(
    longest: float, age: float
) -> None:
    window = ExpectedWindow(longest)
    later = window.after(age)
    assert later - age >= catalog.POLL_MIN_GAP_S - NOISE_S
    if age >= window.steady_until_s:
        gap = later - age
        assert catalog.POLL_GAP_S - NOISE_S <= gap <= catalog.POLL_OVERDUE_MAX_GAP_S + NOISE_S
    elif age < window.first_s - window.gap_s:
        assert later == window.first_s
    else:
        assert later - age <= catalog.POLL_GAP_S + NOISE_S


def test_the_servers_estimate_can_only_widen_the_promise() -> None:
    # Earlier than the card (the simulator's "25~45s" for Pro): the card's maximum stands.
    assert ExpectedWindow.for_model(PRO, (25.0, 45.0)) == ExpectedWindow.for_model(PRO)
    # Later than the card: every 3 s up to twice the server's maximum.
    assert ExpectedWindow.for_model(NB2, (30.0, 60.0)).steady_until_s == 120.0
    with pytest.raises(ValueError, match="gaps"):
        ExpectedWindow(40.0, gap_s=20.0)


def test_a_retry_after_pushes_the_next_poll_back_up_to_a_cap() -> None:
    assert respect_hint(12.0, 10.0, None) == 12.0
    assert respect_hint(12.0, 10.0, 1.0) == 12.0  # the schedule was later anyway
    assert respect_hint(12.0, 10.0, 8.0) == 18.0
    assert respect_hint(12.0, 10.0, 3600.0) == 10.0 + catalog.RETRY_AFTER_CAP_S
    # After the server's pause the schedule picks its grid up again.
    window = ExpectedWindow.for_model(NB2)
    hinted = respect_hint(window.after(8.0), 8.0, 9.0)
    assert (hinted, window.after(hinted)) == (17.0, 20.0)


@pytest.mark.parametrize(
    ("tag", "window"),
    [
        ("20~35s", (20.0, 35.0)),
        ("25~45s", (25.0, 45.0)),
        ("40 ~ 90 s", (40.0, 90.0)),
        ("20-40秒", (20.0, 40.0)),
        ("1~2min", (60.0, 120.0)),
        ("45~25s", (25.0, 45.0)),
        ("", None),
        (None, None),
        ("fast", None),
        ("0~0s", None),
    ],
)
def test_the_expected_time_tag_is_read(tag: str | None, window: tuple[float, float] | None) -> None:
    assert parse_estimate(tag) == window


def test_an_explicit_interval_keeps_the_fixed_schedule() -> None:
    assert schedule_for(NB2, every_s=2.0) == FixedEvery(2.0)
    assert schedule_for(NB2) == ExpectedWindow(NB2.estimated_max_s)
    assert schedule_for(NB2, estimate="1~2min") == ExpectedWindow(120.0)


async def test_watch_follows_the_schedule_and_the_servers_retry_after() -> None:
    api = FakeApi()
    running = ok({"medias": [media(rs=0, status="processing", url=None)]})
    slow_down = httpx.Response(
        200,
        json={"code": 0, "message": "success", "data": {"medias": [media(rs=0, url=None)]}},
        headers={"Retry-After": "9"},
    )
    api.queue("detail", running, slow_down, running, ok({"medias": [media()]}))
    clock = FakeClock()
    polled_at: list[float] = []
    async with ImaClient(
        KEY, endpoints=ENDS, transport=httpx.MockTransport(api.handler), clock=clock
    ) as client:
        detail = client.detail

        async def noted(task_id: str) -> TaskSnapshot:
            polled_at.append(clock.now())
            return await detail(task_id)

        client.detail = noted  # type: ignore[method-assign]
        async for _item in watch(
            client,
            clock,
            "task-123",
            catalog.NANO_BANANA_2,
            schedule=ExpectedWindow(20.0, first_s=1.0),
            timeout_s=600,
        ):
            pass
    # 1 (first), 4 (one gap on), then the server's Retry-After 9 beats the grid's 7 (13, not
    # 7), then the grid's next point (16).
    assert polled_at == [1.0, 4.0, 13.0, 16.0]
    assert clock.now() == 16.0
    assert len(api.sent("detail")) == 4
