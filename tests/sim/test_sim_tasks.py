"""Tasks on simulated time: phases, durations per model, outcome faults, speed and reset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from simkit import AUTH, NB2, PRO, create_body

from skill.clock import FakeClock
from skill.sim import SimTransport, Simulator
from skill.sim.tasks import nominal_size, served_size

#: The skill card's expected times (simulated seconds), written out here rather than read from
#: the client's catalog or the simulator's own table, so that neither can drift unnoticed.
CARD_ETA_S = {NB2: (20, 40), PRO: (60, 120)}


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test", headers=AUTH) as c:
        yield c


def _create(client: httpx.Client, sim: Simulator, **kw: Any) -> str:
    got = client.post("/open/v1/tasks/create", json=create_body(sim.product_lists, **kw)).json()
    assert got["code"] == 0, got
    task_id: str = got["data"]["id"]
    return task_id


def _medias(client: httpx.Client, task_id: str) -> list[dict[str, Any]]:
    got = client.post("/open/v1/tasks/detail", json={"task_id": task_id}).json()
    assert got["code"] == 0, got
    medias: list[dict[str, Any]] = got["data"]["medias"]
    return medias


@pytest.mark.parametrize("model_id", [NB2, PRO])
def test_durations_fall_in_the_model_range(sim: Simulator, model_id: str) -> None:
    low, high = CARD_ETA_S[model_id]
    with httpx.Client(transport=SimTransport(sim), base_url="http://t", headers=AUTH) as c:
        durations = [sim.tasks[_create(c, sim, model_id=model_id)].duration for _ in range(60)]
    assert all(low <= d <= high for d in durations)
    # Drawn, not fixed: they spread over most of the range.
    assert max(durations) - min(durations) > (high - low) / 2


def test_seed_makes_durations_repeatable() -> None:
    def durations(seed: int) -> list[float]:
        sim = Simulator(seed=seed, clock=FakeClock().now)
        with httpx.Client(transport=SimTransport(sim), base_url="http://t", headers=AUTH) as c:
            return [sim.tasks[_create(c, sim)].duration for _ in range(5)]

    assert durations(7) == durations(7)
    assert durations(7) != durations(8)


def test_set_duration_fixes_and_unfixes(client: httpx.Client, sim: Simulator) -> None:
    sim.set_duration(PRO, 3.5)
    assert sim.tasks[_create(client, sim, model_id=PRO)].duration == 3.5
    assert CARD_ETA_S[NB2][0] <= sim.tasks[_create(client, sim)].duration
    sim.set_duration(PRO, None)
    assert sim.tasks[_create(client, sim, model_id=PRO)].duration >= CARD_ETA_S[PRO][0]


def test_phases_follow_time(client: httpx.Client, sim: Simulator, sim_clock: FakeClock) -> None:
    sim.set_duration(NB2, 100)
    task_id = _create(client, sim)
    assert _medias(client, task_id) == []  # first 5%: no media yet
    sim_clock.advance(6)
    assert _medias(client, task_id)[0]["status"] == "pending"
    sim_clock.advance(5)  # 11 s: past the pending 10%
    statuses = set()
    for _ in range(6):
        media = _medias(client, task_id)[0]
        assert media["status"] == "processing"
        assert media["url"] == ""
        statuses.add(repr(media["resource_status"]))
    # "not done yet" is spelled null, 0 and "" by turns.
    assert statuses == {"None", "0", "''"}
    sim_clock.advance(88.9)  # 99.9 s
    assert _medias(client, task_id)[0]["status"] == "processing"
    sim_clock.advance(0.2)
    done = _medias(client, task_id)[0]
    assert (done["status"], done["resource_status"], done["format"]) == ("success", 1, "png")
    assert done["url"].startswith("http://sim.test/_sim/media/")
    assert done["cover_url"]


def test_speed_multiplies_time(sim_clock: FakeClock) -> None:
    sim = Simulator(speed=10, clock=sim_clock.now, seed=1)
    sim.set_duration(NB2, 40)
    with httpx.Client(transport=SimTransport(sim), base_url="http://t", headers=AUTH) as c:
        task_id = _create(c, sim)
        sim_clock.advance(3.9)
        assert _medias(c, task_id)[0]["status"] == "processing"
        sim_clock.advance(0.2)
        assert _medias(c, task_id)[0]["status"] == "success"


def test_speed_change_keeps_time_continuous(sim_clock: FakeClock) -> None:
    sim = Simulator(speed=2, clock=sim_clock.now)
    sim_clock.advance(10)
    assert sim.now() == 20
    sim.speed = 5
    assert sim.now() == 20
    sim_clock.advance(1)
    assert sim.now() == 25


@pytest.mark.parametrize(
    ("fault", "resource_status", "status", "has_url"),
    [
        ("resource_failed", 2, "failed", False),
        ("resource_deleted", 3, "success", False),
        ("status_failed", 1, "failed", True),
    ],
)
def test_outcome_faults_end_the_next_task(
    client: httpx.Client,
    sim: Simulator,
    sim_clock: FakeClock,
    fault: str,
    resource_status: int,
    status: str,
    has_url: bool,
) -> None:
    sim.inject(fault)
    faulty = _create(client, sim)
    healthy = _create(client, sim)
    sim_clock.advance(CARD_ETA_S[NB2][1] + 1)
    media = _medias(client, faulty)[0]
    assert (media["resource_status"], media["status"]) == (resource_status, status)
    assert bool(media["url"]) is has_url
    assert media["error_msg"]
    ok = _medias(client, healthy)[0]
    assert (ok["resource_status"], ok["status"]) == (1, "success")


def test_outcome_fault_always(client: httpx.Client, sim: Simulator, sim_clock: FakeClock) -> None:
    sim.inject("resource_failed", times=None)
    ids = [_create(client, sim) for _ in range(3)]
    sim_clock.advance(1000)
    assert [_medias(client, i)[0]["resource_status"] for i in ids] == [2, 2, 2]


def test_never_finishes(client: httpx.Client, sim: Simulator, sim_clock: FakeClock) -> None:
    sim.inject("never_finishes")
    task_id = _create(client, sim)
    sim_clock.advance(10_000)
    media = _medias(client, task_id)[0]
    assert media["status"] == "processing"
    assert media["resource_status"] in (None, 0, "")


def test_unknown_task(client: httpx.Client) -> None:
    got = client.post("/open/v1/tasks/detail", json={"task_id": "nope"}).json()
    assert got["code"] == 400
    assert "not found" in got["message"]


def test_detail_needs_a_key(sim: Simulator) -> None:
    with httpx.Client(transport=SimTransport(sim), base_url="http://t") as c:
        got = c.post("/open/v1/tasks/detail", json={"task_id": "x"})
    assert (got.status_code, got.json()["code"]) == (401, 401)


@pytest.mark.parametrize(
    ("size", "ratio", "nominal", "served"),
    [
        ("1K", "16:9", (1024, 576), (512, 288)),
        ("1K", "9:16", (576, 1024), (288, 512)),
        ("2K", "1:1", (2048, 2048), (512, 512)),
        ("4K", "21:9", (4096, 1755), (512, 219)),
        ("512px", "1:8", (64, 512), (64, 512)),
        ("4K", None, (4096, 4096), (512, 512)),
    ],
)
def test_sizes(
    size: str, ratio: str | None, nominal: tuple[int, int], served: tuple[int, int]
) -> None:
    assert nominal_size(size, ratio) == nominal
    assert served_size(size, ratio) == served


def test_reset_forgets_all(client: httpx.Client, sim: Simulator, sim_clock: FakeClock) -> None:
    start = sim.points
    _create(client, sim)
    sim.inject("server_error", times=None)
    sim.set_duration(NB2, 1)
    sim.set_product_list("text_to_image", {"code": 0, "message": "success", "data": []})
    sim_clock.advance(50)
    sim.reset()
    assert (sim.creates, sim.accepted_creates, sim.tasks, sim.requests) == (0, 0, {}, [])
    assert sim.points == start
    assert sim.now() == 0
    task_id = _create(client, sim)  # no fault, shipped list again
    assert sim.tasks[task_id].duration >= CARD_ETA_S[NB2][0]
