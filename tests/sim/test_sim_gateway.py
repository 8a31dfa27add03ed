"""Create validation: every gateway rule answers with its own code (in-process transport)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from simkit import AUTH, NB2, PRO, create_body

from skill.sim import SimTransport, Simulator

CREATE = "/open/v1/tasks/create"
IMG = "https://example.com/in.png"


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test", headers=AUTH) as c:
        yield c


def _post(client: httpx.Client, body: Any) -> httpx.Response:
    return client.post(CREATE, json=body)


def _param(body: dict[str, Any]) -> dict[str, Any]:
    param: dict[str, Any] = body["parameters"][0]
    return param


def _inner(body: dict[str, Any]) -> dict[str, Any]:
    inner: dict[str, Any] = _param(body)["parameters"]
    return inner


def test_valid_body_is_accepted(client: httpx.Client, sim: Simulator) -> None:
    got = _post(client, create_body(sim.product_lists))
    assert got.status_code == 200
    data = got.json()["data"]
    assert got.json()["code"] == 0
    assert data["medias"] == []
    assert data["timeout_at"] > data["created_at"] > 0
    assert data["id"] in sim.tasks
    assert data["biz_id"] != data["id"]


@pytest.mark.parametrize(
    "key", ["", "sk-not-ima", "ima_", "ima_123", "IMA_test_key_123", "Bearer-less"]
)
def test_bad_key_is_http_401(sim: Simulator, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key != "Bearer-less" else {}
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test") as c:
        got = c.post(CREATE, json=create_body(sim.product_lists), headers=headers)
    assert got.status_code == 401
    assert got.json()["code"] == 401
    assert sim.accepted_creates == 0
    assert sim.creates == 1


Mutation = Callable[[dict[str, Any]], None]


def _set_prompt(value: Any) -> Mutation:
    return lambda b: _inner(b).__setitem__("prompt", value)


def _drop_prompt(b: dict[str, Any]) -> None:
    del _inner(b)["prompt"]


def _prompt_at_top(b: dict[str, Any]) -> None:
    b["prompt"] = _inner(b).pop("prompt")


def _category(b: dict[str, Any]) -> None:
    _param(b)["category"] = "image_to_image"


def _task_type(b: dict[str, Any]) -> None:
    b["task_type"] = "text_to_video"


def _no_parameters(b: dict[str, Any]) -> None:
    b["parameters"] = []


def _bad_ratio(b: dict[str, Any]) -> None:
    _inner(b)["aspect_ratio"] = "7:3"


@pytest.mark.parametrize(
    "mutate",
    [
        _set_prompt(""),
        _set_prompt("   "),
        _set_prompt(None),
        _drop_prompt,
        _prompt_at_top,
        _category,
        _task_type,
        _no_parameters,
        _bad_ratio,
    ],
)
def test_bad_parameters_are_400(client: httpx.Client, sim: Simulator, mutate: Mutation) -> None:
    body = create_body(sim.product_lists)
    mutate(body)
    got = _post(client, body)
    assert got.status_code == 200
    assert got.json()["code"] == 400
    assert sim.accepted_creates == 0


def test_body_not_json_is_400(client: httpx.Client) -> None:
    got = client.post(CREATE, content=b"{not json", headers={"Content-Type": "application/json"})
    assert got.json()["code"] == 400


def test_pro_rejects_a_ratio_only_nb2_offers(client: httpx.Client, sim: Simulator) -> None:
    assert _post(client, create_body(sim.product_lists, aspect_ratio="8:1")).json()["code"] == 0
    body = create_body(sim.product_lists, model_id=PRO, aspect_ratio="8:1")
    assert _post(client, body).json()["code"] == 400


@pytest.mark.parametrize(
    ("images", "inner_images"),
    [
        ([], []),
        (None, [IMG]),
        ([IMG], []),
        ([IMG], ["https://example.com/other.png"]),
        ([IMG], None),
    ],
)
def test_image_to_image_needs_matching_images(
    client: httpx.Client, sim: Simulator, images: Any, inner_images: Any
) -> None:
    body = create_body(sim.product_lists, task_type="image_to_image", images=[IMG])
    if images is None:
        del body["src_img_url"]
    else:
        body["src_img_url"] = images
    if inner_images is None:
        del _inner(body)["input_images"]
    else:
        _inner(body)["input_images"] = inner_images
    assert _post(client, body).json()["code"] == 400


def test_image_to_image_with_images_is_accepted(client: httpx.Client, sim: Simulator) -> None:
    body = create_body(sim.product_lists, task_type="image_to_image", images=[IMG, IMG + "?2"])
    data = _post(client, body).json()["data"]
    assert sim.tasks[data["id"]].order.input_images == [IMG, IMG + "?2"]


def test_text_to_image_attribute_is_unknown_to_image_to_image(
    client: httpx.Client, sim: Simulator
) -> None:
    body = create_body(sim.product_lists, task_type="image_to_image", images=[IMG])
    t2i = create_body(sim.product_lists)
    attribute_id = _param(t2i)["attribute_id"]
    _param(body)["attribute_id"] = attribute_id
    _inner(body)["cast"]["attribute_id"] = attribute_id
    assert _post(client, body).json()["code"] == 6010


def _attribute(value: Any) -> Mutation:
    def mutate(b: dict[str, Any]) -> None:
        _param(b)["attribute_id"] = value
        _inner(b)["cast"]["attribute_id"] = value

    return mutate


def _model(field: str, value: str) -> Mutation:
    return lambda b: _param(b).__setitem__(field, value)


def _size_disagrees(b: dict[str, Any]) -> None:
    _inner(b)["size"] = "4K"  # the body carries the 1K rule


@pytest.mark.parametrize(
    "mutate",
    [
        _attribute(0),
        _attribute(999_999),
        _attribute("4401"),
        _attribute(2399),  # Pro's rule under NB2's model id
        _model("model_id", PRO),
        _model("model_version", "gemini-3-pro-image-preview"),
        _size_disagrees,
    ],
)
def test_attribute_mismatch_is_6010(client: httpx.Client, sim: Simulator, mutate: Mutation) -> None:
    body = create_body(sim.product_lists)
    mutate(body)
    assert _post(client, body).json()["code"] == 6010


def test_size_must_use_the_offered_spelling(client: httpx.Client, sim: Simulator) -> None:
    body = create_body(sim.product_lists, size="4K")
    _inner(body)["size"] = "4k"
    # The rule matches case-insensitively (no 6010), but "4k" is not an offered value: 400.
    assert _post(client, body).json()["code"] == 400


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: _param(b).__setitem__("credit", 12),
        lambda b: _param(b).__setitem__("credit", "6"),
        lambda b: _inner(b)["cast"].__setitem__("points", 5),
        lambda b: _inner(b)["cast"].__setitem__("attribute_id", 4400),
        lambda b: _inner(b).pop("cast"),
    ],
)
def test_credit_mismatch_is_6006(client: httpx.Client, sim: Simulator, mutate: Mutation) -> None:
    body = create_body(sim.product_lists)
    mutate(body)
    assert _post(client, body).json()["code"] == 6006


def test_insufficient_points_is_4008_and_charges_nothing(sim: Simulator) -> None:
    sim.points = 12
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test", headers=AUTH) as c:
        got = c.post(CREATE, json=create_body(sim.product_lists, size="4K"))  # 13 points
        assert got.json() == {"code": 4008, "message": "Insufficient points", "data": None}
        assert sim.points == 12
        assert c.post(CREATE, json=create_body(sim.product_lists, size="2K")).json()["code"] == 0
    assert sim.points == 2
    assert (sim.creates, sim.accepted_creates) == (2, 1)


def test_each_accepted_create_charges_its_rule(client: httpx.Client, sim: Simulator) -> None:
    start = sim.points
    for model, size in [(NB2, "512px"), (NB2, "1K"), (NB2, "2K"), (PRO, "1K"), (PRO, "4K")]:
        assert (
            _post(client, create_body(sim.product_lists, model_id=model, size=size)).json()["code"]
            == 0
        )
    assert start - sim.points == 4 + 6 + 10 + 10 + 18
    assert len({t.id for t in sim.tasks.values()}) == 5
