"""The faults that lose an answer: ``stall`` (no answer until the client gives up) and
``accepted_then_drop`` (the request is carried out, then the connection closes unanswered)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from simkit import AUTH, LIST_QUERY, create_body, token_form

from skill.clock import FakeClock
from skill.sim import SimServer, SimTransport, Simulator
from skill.sim.server import STALL_CAP_S

CLIENT_TIMEOUT_S = 0.2
#: Real seconds within which a stalled exchange must be over (the client's timeout + slack).
PROMPT_END_S = 2.0


@pytest.fixture
def local(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test", headers=AUTH) as c:
        yield c


def _create(client: httpx.Client, sim: Simulator, prompt: str = "a cat") -> httpx.Response:
    return client.post("/open/v1/tasks/create", json=create_body(sim.product_lists, prompt=prompt))


def _wait_until(condition: Callable[[], bool], seconds: float = PROMPT_END_S) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


# --- stall --------------------------------------------------------------------------------------
def test_stall_in_process_is_the_read_timeout_the_client_would_get(
    local: httpx.Client, sim: Simulator
) -> None:
    sim.inject("stall")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        _create(local, sim)
    assert time.monotonic() - started < PROMPT_END_S  # no real wait in-process
    # The request was received but not carried out: nothing created, nothing charged.
    assert (sim.creates, sim.accepted_creates, len(sim.tasks)) == (1, 0, 0)
    assert _create(local, sim).json()["code"] == 0  # once: the next one is answered


def test_stall_over_http_lets_the_clients_own_timeout_fire(
    sim: Simulator, sim_server: SimServer
) -> None:
    sim.inject("stall", endpoint="product_list")
    params = {**LIST_QUERY, "category": "text_to_image"}
    with httpx.Client(base_url=sim_server.url, headers=AUTH, timeout=CLIENT_TIMEOUT_S) as c:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get("/open/v1/product/list", params=params)
        waited = time.monotonic() - started
        assert CLIENT_TIMEOUT_S * 0.9 <= waited < PROMPT_END_S
        assert c.get("/open/v1/product/list", params=params).json()["code"] == 0
    # The server noticed that the client gave up and let the connection go.
    assert _wait_until(lambda: sim_server._server.stalled == 0)


def test_stop_releases_a_stalled_request_at_once(sim: Simulator) -> None:
    sim.inject("stall", endpoint="detail", times=None)
    server = SimServer(sim).start()
    outcome: list[BaseException] = []

    def ask() -> None:
        # A timeout far beyond the test's bounds: only the server can end this exchange.
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as c:
            try:
                c.post("/open/v1/tasks/detail", json={"task_id": "x"})
            except httpx.TransportError as exc:
                outcome.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    assert _wait_until(lambda: server._server.stalled == 1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    asker.join(PROMPT_END_S)
    assert not asker.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], httpx.RemoteProtocolError)  # closed, never answered
    assert server._server.stalled == 0
    assert server._server.open_connections == set()


def test_a_stall_is_capped_in_simulated_time() -> None:
    # At speed 600 the cap of 60 simulated seconds is 0.1 s of real time: a client with a
    # long timeout sees the connection closed unanswered instead of hanging.
    sim = Simulator(speed=STALL_CAP_S / 0.1, seed=1)
    sim.inject("stall", endpoint="product_list")
    with SimServer(sim) as server, httpx.Client(base_url=server.url, timeout=5) as c:
        started = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            c.get("/open/v1/product/list", params={**LIST_QUERY, "category": "text_to_image"})
        assert time.monotonic() - started < PROMPT_END_S


# --- accepted_then_drop -------------------------------------------------------------------------
def test_accepted_then_drop_creates_and_charges_the_task(
    local: httpx.Client, sim: Simulator
) -> None:
    points = sim.points
    sim.inject("accepted_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        _create(local, sim)
    assert (sim.creates, sim.accepted_creates, len(sim.tasks)) == (1, 1, 1)
    (task,) = sim.tasks.values()
    assert sim.points == points - task.order.credit
    assert _create(local, sim).json()["code"] == 0


def test_accepted_then_drop_on_create_over_http(sim: Simulator, sim_server: SimServer) -> None:
    sim.inject("accepted_then_drop")
    with (
        httpx.Client(base_url=sim_server.url, headers=AUTH, timeout=5) as c,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        _create(c, sim)
    assert (sim.creates, sim.accepted_creates) == (1, 1)


def test_accepted_then_drop_elsewhere_does_the_work_then_drops(
    local: httpx.Client, sim: Simulator
) -> None:
    task_id = _create(local, sim).json()["data"]["id"]
    sim.inject("accepted_then_drop", endpoint="detail")
    with pytest.raises(httpx.RemoteProtocolError):
        local.post("/open/v1/tasks/detail", json={"task_id": task_id})
    assert sim.tasks[task_id].polls == 1  # the poll was answered inside, then lost
    token = local.post("/api/rest/oss/getuploadtoken", data=token_form()).json()["data"]
    sim.inject("accepted_then_drop", endpoint="upload_put")
    with pytest.raises(httpx.RemoteProtocolError):
        local.put(token["ful"], content=b"picture", headers={"Content-Type": "image/png"})
    assert sim.uploads[token["fdl_key"]] == b"picture"  # stored, though nobody was told


def test_a_refused_create_stays_refused_when_its_answer_is_lost(
    local: httpx.Client, sim: Simulator
) -> None:
    sim.points = 0
    sim.inject("accepted_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        _create(local, sim)
    assert (sim.accepted_creates, sim.points) == (0, 0)


# --- targeted faults (match) --------------------------------------------------------------------
def test_a_targeted_create_fault_fires_only_for_its_prompt(
    local: httpx.Client, sim: Simulator
) -> None:
    sim.inject("insufficient_points", match="[m1]")
    assert _create(local, sim, "a cat [m2]").json()["code"] == 0
    assert _create(local, sim, "a cat").json()["code"] == 0
    assert _create(local, sim, "a cat [m1]").json()["code"] == 4008
    assert _create(local, sim, "a cat [m1]").json()["code"] == 0  # once, and used up


def test_a_targeted_outcome_fault_waits_for_its_task(
    local: httpx.Client, sim: Simulator, sim_clock: FakeClock
) -> None:
    sim.inject("resource_failed", match="[m1]")
    other = _create(local, sim, "a dog [m2]").json()["data"]["id"]
    mine = _create(local, sim, "a cat [m1]").json()["data"]["id"]
    sim_clock.advance(200)

    def status(task_id: str) -> object:
        detail = local.post("/open/v1/tasks/detail", json={"task_id": task_id}).json()
        return detail["data"]["medias"][0]["resource_status"]

    assert (status(other), status(mine)) == (1, 2)


def test_a_targeted_detail_fault_fires_only_for_its_task(
    local: httpx.Client, sim: Simulator
) -> None:
    mine = _create(local, sim, "a cat [m1]").json()["data"]["id"]
    other = _create(local, sim, "a dog [m2]").json()["data"]["id"]
    sim.inject("rate_limited", endpoint="detail", times=None, match="[m1]")
    for _ in range(3):
        assert local.post("/open/v1/tasks/detail", json={"task_id": other}).status_code == 200
        assert local.post("/open/v1/tasks/detail", json={"task_id": mine}).status_code == 429
    # An unknown task has no prompt: a targeted fault never fires for it.
    assert local.post("/open/v1/tasks/detail", json={"task_id": "nope"}).json()["code"] == 400


def test_an_untargeted_fault_is_unchanged(local: httpx.Client, sim: Simulator) -> None:
    sim.inject("server_error")
    assert _create(local, sim, "anything [m9]").status_code == 500


@pytest.mark.parametrize(
    ("endpoint", "match"),
    [("product_list", "x"), ("upload_token", "x"), ("upload_put", "x"), ("create", "")],
)
def test_match_is_refused_where_no_prompt_travels(
    sim: Simulator, endpoint: str, match: str
) -> None:
    with pytest.raises(ValueError, match=r"match"):
        sim.inject("server_error", endpoint=endpoint, match=match)


def test_match_over_the_control_api(sim: Simulator, sim_server: SimServer) -> None:
    with httpx.Client(base_url=sim_server.url, headers=AUTH, timeout=5) as c:
        fault = {"fault": "subscription_required", "times": None, "match": "[m1]"}
        assert c.post("/_sim/faults", json=fault).json()["ok"]
        assert _create(c, sim, "a cat").json()["code"] == 0
        assert _create(c, sim, "a cat [m1]").json()["code"] == 4014
        assert _create(c, sim, "a cat [m1]").json()["code"] == 4014
        bad = c.post("/_sim/faults", json={"fault": "server_error", "match": 7})
        assert bad.status_code == 400
        aimless = {"fault": "server_error", "endpoint": "product_list", "match": "x"}
        assert c.post("/_sim/faults", json=aimless).status_code == 400


def test_many_concurrent_clients_each_meet_their_own_fault(
    sim: Simulator, sim_server: SimServer
) -> None:
    codes = {"insufficient_points": 4008, "subscription_required": 4014, "bad_request": 400}
    names = list(codes)
    markers = [f"[m{i:03d}]" for i in range(36)]
    for i, marker in enumerate(markers):
        sim.inject(names[i % len(names)], match=marker)
    got: dict[str, list[int]] = {}

    def client_for(index: int) -> None:
        marker = markers[index]
        with httpx.Client(base_url=sim_server.url, headers=AUTH, timeout=5) as c:
            got[marker] = [_create(c, sim, f"a cat {marker}").json()["code"] for _ in range(2)]

    threads = [threading.Thread(target=client_for, args=(i,)) for i in range(len(markers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for i, marker in enumerate(markers):
        assert got[marker] == [codes[names[i % len(names)]], 0], marker
    assert sim.accepted_creates == len(markers)
