"""The simulator over real loopback HTTP: the endpoints a client uses, end to end."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from simkit import AUTH, LIST_QUERY, NB2, PRO, create_body, token_form

from skill.clock import FakeClock
from skill.resources import sim_data_dir
from skill.sim import SimServer, Simulator


@pytest.fixture
def client(sim_server: SimServer) -> httpx.Client:
    with httpx.Client(base_url=sim_server.url, headers=AUTH, timeout=5) as c:
        yield c


@pytest.mark.parametrize("category", ["text_to_image", "image_to_image"])
def test_product_list_is_the_shipped_file(client: httpx.Client, category: str) -> None:
    got = client.get("/open/v1/product/list", params={**LIST_QUERY, "category": category})
    assert got.status_code == 200
    expected = json.loads((sim_data_dir() / f"product_list.{category}.json").read_text("utf-8"))
    assert got.json() == expected


def test_product_list_needs_a_key(sim_server: SimServer) -> None:
    with httpx.Client(base_url=sim_server.url) as c:
        got = c.get("/open/v1/product/list", params={**LIST_QUERY, "category": "text_to_image"})
    assert got.status_code == 401
    assert got.json()["code"] == 401


def test_task_runs_pending_processing_done(
    client: httpx.Client, sim: Simulator, sim_clock: FakeClock, sim_server: SimServer
) -> None:
    created = client.post(
        "/open/v1/tasks/create", json=create_body(sim.product_lists, aspect_ratio="16:9")
    ).json()
    assert created["code"] == 0
    task_id = created["data"]["id"]
    duration = sim.tasks[task_id].duration
    seen = []
    for _ in range(30):
        medias = client.post("/open/v1/tasks/detail", json={"task_id": task_id}).json()["data"][
            "medias"
        ]
        status = medias[0]["status"] if medias else "empty"
        if not seen or seen[-1] != status:
            seen.append(status)
        sim_clock.advance(duration / 20)
    assert seen == ["empty", "pending", "processing", "success"]
    done = medias[0]
    assert done["resource_status"] == 1
    assert (done["width"], done["height"]) == (1024, 576)
    assert done["url"] == f"{sim_server.url}/_sim/media/{task_id}.png"
    png = client.get(done["url"])
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_create_charges_points(client: httpx.Client, sim: Simulator) -> None:
    before = sim.points
    body = create_body(sim.product_lists, model_id=PRO, size="4K")
    assert client.post("/open/v1/tasks/create", json=body).json()["code"] == 0
    assert sim.points == before - 18
    assert (sim.creates, sim.accepted_creates) == (1, 1)


def test_upload_round_trip(client: httpx.Client, sim: Simulator) -> None:
    token = client.post("/api/rest/oss/getuploadtoken", data=token_form()).json()
    assert token["code"] == 0
    data = token["data"]
    payload = bytes(range(256)) * 40
    put = httpx.put(data["ful"], content=payload, headers={"Content-Type": "image/png"})
    assert put.status_code == 200
    got = httpx.get(data["fdl"])
    assert got.content == payload
    assert got.headers["content-type"] == "image/png"
    assert sim.uploads[data["fdl_key"]] == payload


def test_drop_connection_is_a_connection_error(client: httpx.Client, sim: Simulator) -> None:
    sim.inject("drop_connection")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/open/v1/tasks/create", json=create_body(sim.product_lists))
    # The next request on a fresh connection is answered normally.
    assert (
        client.post("/open/v1/tasks/create", json=create_body(sim.product_lists)).json()["code"]
        == 0
    )
    assert sim.creates == 2


def test_every_nb2_size_is_accepted(client: httpx.Client, sim: Simulator) -> None:
    for size in ("512px", "1K", "2K", "4K"):
        body = create_body(sim.product_lists, model_id=NB2, size=size)
        assert client.post("/open/v1/tasks/create", json=body).json()["code"] == 0


async def test_hundreds_of_clients_connecting_at_once_are_all_answered(
    sim_server: SimServer,
) -> None:
    # With socketserver's default listen backlog (5), some of these connections were left
    # unanswered until the client's timeout: one process serving many conversations needs more.
    limits = httpx.Limits(max_connections=None)
    async with httpx.AsyncClient(base_url=sim_server.url, limits=limits, timeout=10) as c:
        answers = await asyncio.gather(*(c.get("/_sim/stats") for _ in range(200)))
    assert [a.status_code for a in answers] == [200] * 200
