"""EditThrottle on a hand-driven clock: coalescing, spacing, and the outcome never held back."""

from __future__ import annotations

import asyncio

import pytest

from skill.channels._board import Board, EditThrottle
from skill.channels._http import ChannelError
from skill.events import Reply


class ManualClock:
    """Time moves only when the test says so; sleepers wake when their deadline is reached."""

    def __init__(self) -> None:
        self._now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, future))
        await future

    async def advance(self, seconds: float) -> None:
        for _ in range(5):  # let new tasks start their sleeps at the current time
            await asyncio.sleep(0)
        self._now += seconds
        for deadline, future in list(self._sleepers):
            if deadline <= self._now and not future.done():
                future.set_result(None)
                self._sleepers.remove((deadline, future))
        for _ in range(5):  # let woken tasks run
            await asyncio.sleep(0)


class Recorder:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.edits: list[tuple[float, str]] = []
        self.gate: asyncio.Event | None = None
        self.fail_next = False

    async def __call__(self, text: str) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ChannelError("refused")
        if self.gate is not None:
            await self.gate.wait()
        self.edits.append((self.clock.now(), text))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def test_a_burst_becomes_one_edit_after_the_interval(clock: ManualClock) -> None:
    edit = Recorder(clock)
    throttle = EditThrottle(edit, clock=clock, min_interval_s=2.0)
    throttle.created("ack")
    for text in ("start", "p1", "p2"):
        await throttle.update(text)
    assert edit.edits == []
    await clock.advance(1.9)
    assert edit.edits == []
    await clock.advance(0.1)
    assert edit.edits == [(2.0, "p2")]
    await throttle.update("p2")  # unchanged text: no edit
    await clock.advance(5)
    assert len(edit.edits) == 1
    await throttle.update("p3")  # the interval has passed: at once
    assert edit.edits[-1] == (7.0, "p3")
    await throttle.aclose()


async def test_the_outcome_cancels_a_waiting_edit_and_goes_at_once(clock: ManualClock) -> None:
    edit = Recorder(clock)
    throttle = EditThrottle(edit, clock=clock, min_interval_s=2.0)
    throttle.created("ack")
    await throttle.update("start")
    await clock.advance(0.5)
    await throttle.final("done!")
    assert edit.edits == [(0.5, "done!")]
    await clock.advance(10)
    assert edit.edits == [(0.5, "done!")]


async def test_an_edit_on_the_wire_lands_before_the_outcome(clock: ManualClock) -> None:
    edit = Recorder(clock)
    throttle = EditThrottle(edit, clock=clock, min_interval_s=2.0)
    throttle.created("ack")
    await throttle.update("start")
    edit.gate = asyncio.Event()
    await clock.advance(2.0)  # the deferred edit starts and waits on the network
    await throttle.update("p1")  # arrives while that edit is in flight
    final = asyncio.create_task(throttle.final("outcome"))
    await asyncio.sleep(0)
    edit.gate.set()
    # Without the fix the outcome would wait for a later progress edit: fail, do not hang.
    await asyncio.wait_for(final, timeout=2)
    # In order, the outcome last, and the stale progress was not sent after it.
    assert [text for _, text in edit.edits] == ["start", "outcome"]


async def test_a_failed_progress_edit_is_dropped_a_failed_outcome_is_raised(
    clock: ManualClock,
) -> None:
    edit = Recorder(clock)
    throttle = EditThrottle(edit, clock=clock, min_interval_s=0.0)
    throttle.created("ack")
    edit.fail_next = True
    await throttle.update("start")
    assert throttle.dropped == 1
    edit.fail_next = True
    with pytest.raises(ChannelError):
        await throttle.final("outcome")


def test_board_shows_ack_then_start_and_latest_progress_then_outcome() -> None:
    board = Board()
    board.apply(Reply(event="ack", text="A"))
    assert board.text() == "A"
    board.apply(Reply(event="start", text="S"))
    board.apply(Reply(event="progress", text="P1", percent=10))
    board.apply(Reply(event="progress", text="P2", percent=20))
    assert board.text() == "A\n\nS\n\nP2"
    board.apply(Reply(event="failure", text="F", reason="task_failed"))
    board.apply(Reply(event="done"))
    assert board.text() == "A\n\nF"
