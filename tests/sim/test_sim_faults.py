"""Every fault, once and always, on its natural endpoint and on others."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from simkit import AUTH, LIST_QUERY, create_body, token_form

from skill.sim import FAULTS, SimServer, SimTransport, Simulator
from skill.sim.faults import OUTCOME_FAULTS, RESPONSE_FAULTS

#: fault -> (HTTP status, envelope code or None when the body is not an envelope)
EXPECTED: dict[str, tuple[int, int | None]] = {
    "unauthorized": (401, 401),
    "insufficient_points": (200, 4008),
    "subscription_required": (200, 4014),
    "credit_mismatch": (200, 6006),
    "no_rule": (200, 6009),
    "attribute_mismatch": (200, 6010),
    "invalid_product_attribute": (200, 1001),
    "bad_request": (200, 400),
    "rate_limited": (429, 429),
    "server_error": (500, 500),
    "bad_gateway": (502, None),
    "unavailable": (503, 503),
    "malformed_json": (200, None),
}


def test_fault_names_are_the_contract() -> None:
    assert set(FAULTS) == set(EXPECTED) | {
        "drop_connection",
        "stall",
        "accepted_then_drop",
        "resource_failed",
        "resource_deleted",
        "status_failed",
        "never_finishes",
    }
    assert set(RESPONSE_FAULTS) | set(OUTCOME_FAULTS) == set(FAULTS)


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test", headers=AUTH) as c:
        yield c


def _create(client: httpx.Client, sim: Simulator) -> httpx.Response:
    return client.post("/open/v1/tasks/create", json=create_body(sim.product_lists))


def _check(resp: httpx.Response, fault: str) -> None:
    status, code = EXPECTED[fault]
    assert resp.status_code == status
    if code is not None:
        assert resp.json()["code"] == code
    elif fault == "malformed_json":
        with pytest.raises(ValueError, match=r"."):
            resp.json()
    else:
        assert resp.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_once(client: httpx.Client, sim: Simulator, fault: str) -> None:
    sim.inject(fault)
    _check(_create(client, sim), fault)
    assert _create(client, sim).json()["code"] == 0
    assert (sim.creates, sim.accepted_creates) == (2, 1)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_always(client: httpx.Client, sim: Simulator, fault: str) -> None:
    sim.inject(fault, times=None)
    for _ in range(3):
        _check(_create(client, sim), fault)
    assert (sim.creates, sim.accepted_creates) == (3, 0)
    sim.clear_faults()
    assert _create(client, sim).json()["code"] == 0


def test_fault_a_number_of_times(client: httpx.Client, sim: Simulator) -> None:
    sim.inject("server_error", times=2)
    assert [_create(client, sim).status_code for _ in range(3)] == [500, 500, 200]


def test_rate_limited_says_when_to_retry(client: httpx.Client, sim: Simulator) -> None:
    sim.inject("rate_limited")
    assert _create(client, sim).headers["retry-after"] == "1"


def test_invalid_product_attribute_message(client: httpx.Client, sim: Simulator) -> None:
    sim.inject("invalid_product_attribute")
    assert _create(client, sim).json()["message"] == "Invalid product attribute"


def test_drop_connection_in_process(client: httpx.Client, sim: Simulator) -> None:
    sim.inject("drop_connection")
    with pytest.raises(httpx.RemoteProtocolError):
        _create(client, sim)
    assert sim.creates == 1


def test_faults_on_other_endpoints(client: httpx.Client, sim: Simulator) -> None:
    sim.inject("server_error", endpoint="product_list")
    sim.inject("rate_limited", endpoint="detail")
    sim.inject("unavailable", endpoint="upload_token")
    # A create is not touched by faults aimed elsewhere.
    task_id = _create(client, sim).json()["data"]["id"]
    params = {**LIST_QUERY, "category": "text_to_image"}
    assert client.get("/open/v1/product/list", params=params).status_code == 500
    assert client.get("/open/v1/product/list", params=params).status_code == 200
    assert client.post("/open/v1/tasks/detail", json={"task_id": task_id}).status_code == 429
    assert client.post("/open/v1/tasks/detail", json={"task_id": task_id}).status_code == 200
    assert client.post("/api/rest/oss/getuploadtoken", data=token_form()).status_code == 503
    token = client.post("/api/rest/oss/getuploadtoken", data=token_form()).json()["data"]
    sim.inject("bad_gateway", endpoint="upload_put")
    put = client.put(token["ful"], content=b"x", headers={"Content-Type": "image/png"})
    assert put.status_code == 502
    assert token["fdl_key"] not in sim.uploads


def test_drop_connection_on_detail_over_http(sim: Simulator, sim_server: SimServer) -> None:
    sim.inject("drop_connection", endpoint="detail", times=None)
    with httpx.Client(base_url=sim_server.url, headers=AUTH) as c:
        task_id = _create(c, sim).json()["data"]["id"]
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                c.post("/open/v1/tasks/detail", json={"task_id": task_id})
        sim.clear_faults()
        assert c.post("/open/v1/tasks/detail", json={"task_id": task_id}).json()["code"] == 0


@pytest.mark.parametrize(
    ("fault", "endpoint", "times"),
    [
        ("no_such_fault", None, 1),
        ("server_error", "nowhere", 1),
        ("resource_failed", "detail", 1),
        ("server_error", None, 0),
    ],
)
def test_inject_refuses_nonsense(
    sim: Simulator, fault: str, endpoint: str | None, times: int
) -> None:
    with pytest.raises(ValueError, match=r"."):
        sim.inject(fault, endpoint=endpoint, times=times)
