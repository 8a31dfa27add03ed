"""The upload host: the token's checks, then PUT and GET round-trip the bytes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from simkit import KEY, token_form

from skill.sim import SimServer, Simulator

TOKEN = "/api/rest/oss/getuploadtoken"


@pytest.fixture
def client(sim_server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim_server.url, timeout=5) as c:
        yield c


def test_token_urls_point_at_the_server(client: httpx.Client, sim_server: SimServer) -> None:
    got = client.post(TOKEN, data=token_form(suffix="jpeg", mime="image/jpeg"))
    assert got.status_code == 200
    data = got.json()["data"]
    assert data["ful"].startswith(f"{sim_server.url}/_sim/upload/")
    assert data["fdl"] == f"{sim_server.url}/_sim/files/{data['fdl_key']}"
    assert data["fdl_key"].endswith(".jpeg")
    assert data["fdl_expire"] > data["ful_expire"] > 0


def test_get_with_query_is_accepted_too(client: httpx.Client) -> None:
    assert client.get(TOKEN, params=token_form()).json()["code"] == 0


def test_post_records_the_form(client: httpx.Client, sim: Simulator) -> None:
    form = token_form()
    client.post(TOKEN, data=form)
    assert sim.requests[-1].form == form
    assert sim.requests[-1].query == {}  # the key stays out of the URL


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("appUid", "not_a_key", 401),
        ("cmimToken", "ima_other_key_999", 401),
        ("appId", "otherAgent", 400),
        ("appKey", "wrong", 400),
        ("sign", "0" * 40, 400),
        ("timestamp", "yesterday", 400),
        ("nonce", "abc", 400),
        ("nonce", "z" * 21, 400),
        ("fService", "", 400),
        ("fType", "", 400),
        ("fSuffix", "", 400),
        ("fContentType", "", 400),
    ],
)
def test_token_checks(client: httpx.Client, field: str, value: str, code: int) -> None:
    form = token_form()
    form[field] = value
    got = client.post(TOKEN, data=form)
    assert got.status_code == code
    assert got.json()["code"] == code


def test_lowercase_sign_is_refused(client: httpx.Client) -> None:
    form = token_form()
    form["sign"] = form["sign"].lower()
    assert client.post(TOKEN, data=form).json()["code"] == 400


def test_put_then_get_round_trips_bytes(client: httpx.Client, sim: Simulator) -> None:
    data = client.post(TOKEN, data=token_form(key=KEY)).json()["data"]
    payload = os.urandom(300_000)
    put = client.put(data["ful"], content=payload, headers={"Content-Type": "image/png"})
    assert put.status_code == 200
    recorded = sim.requests[-1]
    assert (recorded.method, recorded.body) == ("PUT", payload)
    got = client.get(data["fdl"])
    assert got.status_code == 200
    assert got.content == payload
    assert sim.uploads[data["fdl_key"]] == payload


def test_put_to_a_url_never_issued_is_refused(client: httpx.Client, sim: Simulator) -> None:
    put = client.put("/_sim/upload/sim/forged.png", content=b"x", headers={"Content-Type": "a/b"})
    assert put.status_code == 403
    assert sim.uploads == {}


def test_put_needs_a_content_type(client: httpx.Client) -> None:
    data = client.post(TOKEN, data=token_form()).json()["data"]
    # httpx adds no Content-Type for raw bytes: the simulator insists on one.
    assert client.put(data["ful"], content=b"x").status_code == 400


def test_chunked_put_round_trips(client: httpx.Client) -> None:
    data = client.post(TOKEN, data=token_form()).json()["data"]
    parts = [b"a" * 1000, b"b" * 5000, b"c"]
    put = client.put(data["ful"], content=iter(parts), headers={"Content-Type": "image/png"})
    assert put.status_code == 200
    assert client.get(data["fdl"]).content == b"".join(parts)


def test_missing_file_is_404(client: httpx.Client) -> None:
    assert client.get("/_sim/files/sim/none.png").status_code == 404
