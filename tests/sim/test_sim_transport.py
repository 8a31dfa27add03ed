"""SimTransport: the same simulator in-process, sync and async; and the package's exports."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from simkit import AUTH, create_body

import skill.sim
from skill.clock import FakeClock
from skill.sim import SimServer, SimTransport, Simulator


def test_exports() -> None:
    assert {"Simulator", "SimTransport", "SimServer", "FAULTS"} <= set(skill.sim.__all__)
    for name in skill.sim.__all__:
        assert getattr(skill.sim, name) is not None


async def test_async_client_runs_a_task(sim: Simulator, sim_clock: FakeClock) -> None:
    transport = SimTransport(sim)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sim.test", headers=AUTH
    ) as client:
        created = await client.post("/open/v1/tasks/create", json=create_body(sim.product_lists))
        task_id = created.json()["data"]["id"]
        # The code under test would sleep on the same FakeClock; here we advance it by hand.
        await sim_clock.sleep(60)
        detail = await client.post("/open/v1/tasks/detail", json={"task_id": task_id})
        media = detail.json()["data"]["medias"][0]
        assert media["status"] == "success"
        png = await client.get(media["url"])
        assert png.content.startswith(b"\x89PNG")
    assert sim_clock.sleeps == [60]


async def test_async_drop_connection(sim: Simulator) -> None:
    sim.inject("drop_connection", endpoint="product_list")
    async with httpx.AsyncClient(transport=SimTransport(sim), base_url="http://t") as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/open/v1/product/list")


async def test_async_client_over_the_server(sim: Simulator, sim_server: SimServer) -> None:
    async with httpx.AsyncClient(base_url=sim_server.url, headers=AUTH) as client:
        got = await client.post("/open/v1/tasks/create", json=create_body(sim.product_lists))
    assert got.json()["code"] == 0
    assert sim.requests[-1].headers["host"] == sim_server.url.removeprefix("http://")


def test_server_stop_is_idempotent_and_closes() -> None:
    server = SimServer(Simulator()).start()
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/_sim/stats").status_code == 200
        server.stop()  # with the client's keep-alive connection still open
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/_sim/stats")
    with pytest.raises(RuntimeError):
        server.start()


def test_fast_server_finishes_tasks_in_real_time(fast_sim_server: SimServer) -> None:
    sim = fast_sim_server.sim
    sim.set_duration("gemini-3.1-flash-image", 20)  # 0.1 s of real time at speed 200
    with httpx.Client(base_url=fast_sim_server.url, headers=AUTH) as client:
        task_id = client.post("/open/v1/tasks/create", json=create_body(sim.product_lists)).json()[
            "data"
        ]["id"]
        for _ in range(100):
            medias = client.post("/open/v1/tasks/detail", json={"task_id": task_id}).json()["data"][
                "medias"
            ]
            if medias and medias[0]["resource_status"] == 1:
                break
            time.sleep(0.02)  # the real clock moves this simulator
        assert medias[0]["status"] == "success"


def test_sim_env(sim_server: SimServer, sim_env: Callable[..., dict[str, str]]) -> None:
    env = sim_env(sim_server)
    assert env["IMA_BASE_URL"] == env["IMA_IM_BASE_URL"] == sim_server.url
    assert env["IMA_API_KEY"] == "ima_test_key_123"
    assert env["IMA_TIME_SCALE"] == "1"
    assert env["HOME"].endswith("home")
    assert "IMA_API_KEY" not in sim_env(sim_server, key=None)
