"""The work queue: N at a time, in order, one at a time per key, places told as they change;
and the bot's settings from the environment."""

from __future__ import annotations

import asyncio

import pytest

from skill.serve import QueueClosed, ServeConfig, WorkQueue
from skill.serve.config import ConfigError


class Gate:
    """Work that runs until it is let go, recording when it began."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.go = asyncio.Event()

    async def __call__(self) -> None:
        self.log.append(f"start {self.name}")
        await self.go.wait()
        self.log.append(f"end {self.name}")


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_n_at_a_time_in_order_with_places_counting_down() -> None:
    queue = WorkQueue(2)
    log: list[str] = []
    places: dict[str, list[int]] = {}
    gates = {name: Gate(name, log) for name in "abcde"}
    for name, gate in gates.items():

        async def on_place(place: int, name: str = name) -> None:
            places.setdefault(name, []).append(place)

        queue.submit(name, gate, on_place=on_place)
    await settle()
    assert log == ["start a", "start b"]
    assert (queue.running, queue.waiting) == (2, 3)
    assert places == {"c": [1], "d": [2], "e": [3]}
    gates["b"].go.set()
    await settle()
    assert log[-1] == "start c"
    assert places == {"c": [1], "d": [2, 1], "e": [3, 2]}
    for gate in gates.values():
        gate.go.set()
    assert await queue.join(timeout_s=5)
    assert queue.peak == 2
    assert [line for line in log if line.startswith("start")] == [f"start {n}" for n in "abcde"]


async def test_work_of_one_key_runs_one_at_a_time_and_others_pass_it() -> None:
    queue = WorkQueue(3)
    log: list[str] = []
    first, second, other = Gate("1", log), Gate("2", log), Gate("x", log)
    queue.submit("chat-a", first)
    queue.submit("chat-a", second)
    queue.submit("chat-b", other)
    await settle()
    assert log == ["start 1", "start x"]  # the second of chat-a waits; chat-b passes it
    assert queue.has("chat-a")
    first.go.set()
    await settle()
    assert log[-1] == "start 2"
    second.go.set()
    other.go.set()
    assert await queue.join(timeout_s=5)
    assert not queue.has("chat-a")


async def test_a_failing_piece_of_work_frees_its_place() -> None:
    queue = WorkQueue(1)
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    queue.submit("a", broken)
    queue.submit("b", fine)
    assert await queue.join(timeout_s=5)
    assert ran == ["fine"]


async def test_a_closed_queue_takes_nothing_and_cancelled_work_leaves() -> None:
    queue = WorkQueue(1)
    log: list[str] = []
    running = queue.submit("a", Gate("a", log))
    waiting = queue.submit("b", Gate("b", log))
    await settle()
    queue.close()
    with pytest.raises(QueueClosed):
        queue.submit("c", Gate("c", log))
    waiting.cancel()
    running.cancel()
    assert await queue.join(timeout_s=5)
    assert log == ["start a"]
    assert (queue.running, queue.waiting) == (0, 0)
    with pytest.raises(ValueError, match="at least one"):
        WorkQueue(0)


def test_the_settings_come_from_the_environment_and_bad_ones_are_named() -> None:
    default = ServeConfig.from_env({})
    assert (default.concurrency, default.budget_user_credits, default.budget_chat_credits) == (
        4,
        None,
        None,
    )
    assert not default.has_budget
    set_ = ServeConfig.from_env(
        {
            "IMA_SERVE_CONCURRENCY": "8",
            "IMA_BUDGET_USER_CREDITS": "100",
            "IMA_BUDGET_CHAT_CREDITS": "500",
            "IMA_SERVE_STOP_S": "5",
        }
    )
    assert (set_.concurrency, set_.budget_user_credits, set_.budget_chat_credits) == (8, 100, 500)
    assert set_.stop_s == 5.0
    assert set_.has_budget
    with pytest.raises(ConfigError, match="IMA_SERVE_CONCURRENCY"):
        ServeConfig.from_env({"IMA_SERVE_CONCURRENCY": "lots"})
    with pytest.raises(ConfigError, match="IMA_BUDGET_USER_CREDITS"):
        ServeConfig.from_env({"IMA_BUDGET_USER_CREDITS": "0"})


async def test_a_long_line_is_told_its_place_as_it_halves_then_at_every_last_step() -> None:
    """200 in line: telling every place at every start was 23 card edits a conversation."""
    queue = WorkQueue(1)
    log: list[str] = []
    places: dict[int, list[int]] = {}
    gates = [Gate(str(n), log) for n in range(201)]
    for n, gate in enumerate(gates):

        async def on_place(place: int, n: int = n) -> None:
            places.setdefault(n, []).append(place)

        queue.submit(n, gate, on_place=on_place)
    await settle()
    for gate in gates:
        gate.go.set()
        await settle()
    assert await queue.join(timeout_s=5)
    assert places[100] == [100, 50, 25, 12, 6, 3, 2, 1]
    assert places[200] == [200, 100, 50, 25, 12, 6, 3, 2, 1]
    assert places[2] == [2, 1]
    assert all(told == sorted(told, reverse=True) and told[-1] == 1 for told in places.values())
    assert sum(len(told) for told in places.values()) < 200 * 10
