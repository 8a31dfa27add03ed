"""Polling by expectation: the schedules' shape, the server's hints, and the client's wait."""

from __future__ import annotations

import itertools

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ima_fakes import ENDS, KEY, FakeApi, media, ok

from skill import catalog
from skill.clock import FakeClock
from skill.flow.watch import watch
from skill.ima import ExpectedWindow, FixedEvery, ImaClient, TaskSnapshot, schedule_for
from skill.ima.polling import parse_estimate, respect_hint

NB2 = catalog.NANO_BANANA_2
PRO = catalog.NANO_BANANA_PRO


def ages(schedule: ExpectedWindow | FixedEvery, until: float) -> list[float]:
    """Every poll age up to ``until``."""
    out = [schedule.first()]
    while out[-1] < until:
        out.append(schedule.after(out[-1]))
    return out


def test_fixed_polls_at_once_then_every_interval() -> None:
    assert ages(FixedEvery(5), 20) == [0, 5, 10, 15, 20]
    with pytest.raises(ValueError, match="positive"):
        FixedEvery(0)


def test_nano_banana_2_is_sparse_before_its_window_and_dense_inside() -> None:
    polls = ages(ExpectedWindow.for_model(NB2), 40)
    low, high = NB2.eta_s
    before = [a for a in polls if a < low]
    assert before == [catalog.POLL_FIRST_S, pytest.approx(11.0)]
    assert low in polls  # the window's opening is polled exactly
    inside = [a for a in polls if low <= a <= high + catalog.POLL_DENSE_MIN_S]
    gaps = [b - a for a, b in itertools.pairwise(inside)]
    assert all(catalog.POLL_DENSE_MIN_S <= g <= catalog.POLL_DENSE_MAX_S for g in gaps)
    assert gaps == sorted(gaps, reverse=True)  # tighter as the window runs out
    assert gaps[-1] == catalog.POLL_DENSE_MIN_S


def detection(schedule: ExpectedWindow | FixedEvery, done_at: float) -> tuple[float, int]:
    """How late a task finished at ``done_at`` is seen, and how many polls that takes."""
    polls = ages(schedule, done_at)
    return polls[-1] - done_at, len(polls)


@pytest.mark.parametrize("info", [NB2, PRO], ids=["nb2", "pro"])
def test_over_the_expected_window_it_is_quicker_and_cheaper_than_every_five_seconds(
    info: catalog.ModelInfo,
) -> None:
    # Durations spread evenly over the window (what bench/polling.py draws at random).
    low, high = info.eta_s
    durations = [low + (high - low) * (i + 0.5) / 400 for i in range(400)]
    adaptive = [detection(ExpectedWindow.for_model(info), d) for d in durations]
    fixed = [detection(FixedEvery(info.poll_interval_s), d) for d in durations]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731 -- a one-line helper
    assert mean([d for d, _ in adaptive]) <= 1.5 < mean([d for d, _ in fixed])
    assert mean([n for _, n in adaptive]) < mean([n for _, n in fixed])
    polls = ages(ExpectedWindow.for_model(info), high)
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert max(gaps) <= catalog.POLL_SPARSE_MAX_GAP_S


def test_past_the_window_the_gap_grows_to_its_cap() -> None:
    window = ExpectedWindow.for_model(NB2)
    late = [a for a in ages(window, 400) if a > 40]
    gaps = [b - a for a, b in itertools.pairwise(late)]
    assert gaps == sorted(gaps)
    assert gaps[0] < 3
    assert gaps[-1] == catalog.POLL_OVERDUE_MAX_GAP_S


def test_the_servers_earlier_estimate_adds_a_checkpoint() -> None:
    polls = ages(ExpectedWindow.for_model(PRO, (25.0, 45.0)), 60)
    assert polls == [
        2.0,
        13.5,
        25.0,
        pytest.approx(36.67, abs=0.01),
        pytest.approx(48.33, abs=0.01),
        60.0,
    ]
    # A server estimate inside or after the card's window adds nothing.
    assert ages(ExpectedWindow.for_model(NB2, (20.0, 35.0)), 40) == ages(
        ExpectedWindow.for_model(NB2), 40
    )


@given(
    low=st.floats(0, 300),
    width=st.floats(0.5, 600),
    age=st.floats(0, 2000),
    marks=st.lists(st.floats(0.1, 300), max_size=4),
)
def test_every_next_poll_is_later_and_never_too_far(
    low: float, width: float, age: float, marks: list[float]
) -> None:
    window = ExpectedWindow(low, low + width, checkpoints=tuple(marks))
    later = window.after(age)
    assert later - age >= catalog.POLL_MIN_GAP_S
    longest = max(
        catalog.POLL_SPARSE_MAX_GAP_S, catalog.POLL_DENSE_MAX_S, catalog.POLL_OVERDUE_MAX_GAP_S
    )
    assert later - age <= longest + 1e-9
    assert 0 < window.first() <= max(catalog.POLL_FIRST_S, catalog.POLL_DENSE_MAX_S)


def test_a_retry_after_pushes_the_next_poll_back_up_to_a_cap() -> None:
    assert respect_hint(12.0, 10.0, None) == 12.0
    assert respect_hint(12.0, 10.0, 1.0) == 12.0  # the schedule was later anyway
    assert respect_hint(12.0, 10.0, 8.0) == 18.0
    assert respect_hint(12.0, 10.0, 3600.0) == 10.0 + catalog.RETRY_AFTER_CAP_S


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
    assert isinstance(schedule_for(NB2), ExpectedWindow)
    assert schedule_for(PRO, estimate="25~45s") == ExpectedWindow.for_model(PRO, (25.0, 45.0))


async def test_wait_follows_the_schedule_and_the_servers_retry_after() -> None:
    api = FakeApi()
    running = ok({"medias": [media(rs=0, status="processing", url=None)]})
    slow_down = httpx.Response(
        200,
        json={"code": 0, "message": "success", "data": {"medias": [media(rs=0, url=None)]}},
        headers={"Retry-After": "9"},
    )
    api.queue("detail", running, slow_down, running, ok({"medias": [media()]}))
    clock = FakeClock()
    seen: list[float] = []
    async with ImaClient(
        KEY, endpoints=ENDS, transport=httpx.MockTransport(api.handler), clock=clock
    ) as client:
        detail = client.detail

        async def noted(task_id: str) -> TaskSnapshot:
            seen.append(clock.now())
            return await detail(task_id)

        client.detail = noted  # type: ignore[method-assign]
        async for _item in watch(
            client,
            clock,
            "task-123",
            catalog.NANO_BANANA_2,
            schedule=ExpectedWindow(10.0, 20.0, first_s=1.0),
            timeout_s=600,
        ):
            pass
    # 1 (first), 10 (the window opens), then the server's Retry-After 9 beats the dense gap
    # (19, not 13.5), then the minimum dense gap near the window's end (21).
    assert seen == [1.0, 10.0, 19.0, 21.0]
    assert clock.now() == 21.0
    assert len(api.sent("detail")) == 4
