"""Control over HTTP (for subprocess tests and the sim command), and served product lists."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from simkit import AUTH, LIST_QUERY, NB2, PRO, create_body, leaf_for

from skill.clock import FakeClock
from skill.sim import SimServer, SimTransport, Simulator
from skill.sim.products import load_default_lists


@pytest.fixture
def client(sim_server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim_server.url, headers=AUTH, timeout=5) as c:
        yield c


def _create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    got: dict[str, Any] = client.post("/open/v1/tasks/create", json=body).json()
    return got


def test_faults_over_http(client: httpx.Client, sim: Simulator) -> None:
    body = create_body(sim.product_lists)
    assert client.post("/_sim/faults", json={"fault": "insufficient_points"}).json()["ok"]
    assert _create(client, body)["code"] == 4008
    assert _create(client, body)["code"] == 0
    client.post("/_sim/faults", json={"fault": "server_error", "times": None})
    assert [client.post("/open/v1/tasks/create", json=body).status_code for _ in range(2)] == [
        500,
        500,
    ]
    assert client.delete("/_sim/faults").json()["ok"]
    assert _create(client, body)["code"] == 0
    client.post("/_sim/faults", json={"fault": "server_error", "endpoint": "detail"})
    assert _create(client, body)["code"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"fault": "nope"},
        {"fault": "server_error", "endpoint": "nowhere"},
        {"fault": "server_error", "times": "twice"},
        {"fault": "server_error", "times": 0},
    ],
)
def test_bad_fault_request(client: httpx.Client, payload: dict[str, Any]) -> None:
    got = client.post("/_sim/faults", json=payload)
    assert got.status_code == 400
    assert got.json()["ok"] is False


def test_stats_count_creates(client: httpx.Client, sim: Simulator) -> None:
    start = client.get("/_sim/stats").json()
    assert start == {"creates": 0, "accepted_creates": 0, "tasks": 0, "points": 100_000}
    _create(client, create_body(sim.product_lists, size="2K"))
    bad = create_body(sim.product_lists)
    bad["parameters"][0]["credit"] = 1
    assert _create(client, bad)["code"] == 6006
    stats = client.get("/_sim/stats").json()
    assert stats == {"creates": 2, "accepted_creates": 1, "tasks": 1, "points": 99_990}


def test_requests_are_listed_without_control_calls(client: httpx.Client, sim: Simulator) -> None:
    body = create_body(sim.product_lists)
    client.get("/open/v1/product/list", params={**LIST_QUERY, "category": "text_to_image"})
    _create(client, body)
    client.get("/_sim/stats")
    listed = client.get("/_sim/requests").json()
    assert [(r["method"], r["path"]) for r in listed] == [
        ("GET", "/open/v1/product/list"),
        ("POST", "/open/v1/tasks/create"),
    ]
    assert listed[0]["query"]["category"] == "text_to_image"
    assert listed[1]["json"] == body
    assert listed[1]["headers"]["authorization"] == AUTH["Authorization"]
    assert listed[1]["body"].startswith("{")


def test_config(client: httpx.Client, sim: Simulator) -> None:
    got = client.post("/_sim/config", json={"points": 5, "speed": 50, "durations": {PRO: 2}})
    assert got.json()["points"] == 5
    assert sim.speed == 50
    assert _create(client, create_body(sim.product_lists))["code"] == 4008
    client.post("/_sim/config", json={"points": 100})
    task_id = _create(client, create_body(sim.product_lists, model_id=PRO))["data"]["id"]
    assert sim.tasks[task_id].duration == 2


@pytest.mark.parametrize(
    "payload",
    [{"points": "many"}, {"speed": 0}, {"speed": True}, {"durations": {NB2: -1}}, {"durations": 3}],
)
def test_bad_config_changes_nothing(
    client: httpx.Client, sim: Simulator, payload: dict[str, Any]
) -> None:
    got = client.post("/_sim/config", json={"points": 7, **payload})
    assert got.status_code == 400
    assert sim.points == 100_000
    assert sim.speed == 1


def test_reset_over_http(client: httpx.Client, sim: Simulator) -> None:
    _create(client, create_body(sim.product_lists))
    client.post("/_sim/faults", json={"fault": "server_error", "times": None})
    assert client.post("/_sim/reset").json()["ok"]
    assert client.get("/_sim/stats").json()["creates"] == 0
    assert _create(client, create_body(sim.product_lists))["code"] == 0


def _relabelled() -> dict[str, Any]:
    """The shipped text_to_image list with other ids and prices (NB2 and Pro)."""
    envelope = copy.deepcopy(load_default_lists()["text_to_image"])
    lists = {"text_to_image": envelope}
    nb2 = leaf_for(lists, "text_to_image", NB2)
    nb2["id"] = "gemini-3.1-flash-image-2099"
    for n, rule in enumerate(nb2["credit_rules"]):
        rule["attribute_id"] = 91_000 + n
        rule["points"] = rule["origin_point"] = 7 + n
    return envelope


def test_a_served_list_is_what_gets_validated(client: httpx.Client, sim: Simulator) -> None:
    old_body = create_body(sim.product_lists, size="2K")
    envelope = _relabelled()
    assert client.put("/_sim/products/text_to_image", json=envelope).json()["ok"]
    served = client.get(
        "/open/v1/product/list", params={**LIST_QUERY, "category": "text_to_image"}
    ).json()
    assert served == envelope
    # The old ids are stale now...
    assert _create(client, old_body)["code"] == 6010
    # ...and a body built from the served list is accepted and charged its new price.
    new_body = create_body(sim.product_lists, size="2K")
    assert new_body["parameters"][0]["attribute_id"] == 91_002
    before = sim.points
    assert _create(client, new_body)["code"] == 0
    assert before - sim.points == 9
    task = next(iter(sim.tasks.values()))
    assert task.order.model_version == "gemini-3.1-flash-image-2099"


def test_set_product_list_in_process(sim: Simulator) -> None:
    sim.set_product_list("text_to_image", _relabelled())
    body = create_body(sim.product_lists, size="512px")
    assert body["parameters"][0]["credit"] == 7
    body["parameters"][0]["credit"] = 4  # the reference price is no longer right
    body["parameters"][0]["parameters"]["cast"]["points"] = 4
    with httpx.Client(transport=SimTransport(sim), base_url="http://t", headers=AUTH) as c:
        assert _create(c, body)["code"] == 6006


def test_unknown_category_and_bad_query(client: httpx.Client) -> None:
    got = client.get("/open/v1/product/list", params={**LIST_QUERY, "category": "text_to_video"})
    assert got.json()["code"] == 400
    got = client.get("/open/v1/product/list", params={"category": "text_to_image"})
    assert got.json()["code"] == 400


def test_unknown_route_is_404(client: httpx.Client) -> None:
    assert client.get("/open/v1/nothing").status_code == 404
    assert client.get("/_sim/nothing").status_code == 404


def test_tasks_are_listed_with_what_they_were_asked(
    client: httpx.Client, sim: Simulator, sim_clock: FakeClock
) -> None:
    assert client.get("/_sim/tasks").json() == []
    made = _create(client, create_body(sim.product_lists, prompt="a fox [t1]", size="2K"))
    client.post("/_sim/faults", json={"fault": "resource_failed", "match": "[t2]"})
    failed = _create(client, create_body(sim.product_lists, prompt="a cat [t2]"))
    sim_clock.advance(10)
    listed = {t["id"]: t for t in client.get("/_sim/tasks").json()}
    first, second = listed[made["data"]["id"]], listed[failed["data"]["id"]]
    assert (first["prompt"], first["size"], first["model_id"]) == ("a fox [t1]", "2K", NB2)
    assert (first["outcome"], second["outcome"]) == (None, "resource_failed")
    assert second["prompt"] == "a cat [t2]"
    assert first["phase"] == "processing"
    assert first["started_at"] == 0
    assert 20 <= first["duration"] <= 40
