"""Rule selection on the real product lists: leaf, defaults, options, credit rule, body."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ima_fakes import product_list

from skill.ima import (
    ConfigurationError,
    ModelUnavailable,
    UnsupportedModel,
    UnsupportedOption,
    create_request,
    find_leaf,
    make_plan,
    nano_banana_models,
    price_table,
    select_rule,
)
from skill.ima.wire import CreditRule, Envelope, ProductList, ProductNode

NB2 = "gemini-3.1-flash-image"
PRO = "gemini-3-pro-image"


def tree(category: str = "text_to_image", raw: dict[str, Any] | None = None) -> ProductList:
    env = Envelope[ProductList].model_validate(raw or product_list(category))
    assert env.data is not None
    return env.data


TREE_T2I = tree()

# Expected values read from the reference lists (PROTOCOL.md), not from our code.
T2I_PRICES = {
    NB2: [("512px", 4, 4400), ("1K", 6, 4401), ("2K", 10, 4402), ("4K", 13, 4403)],
    PRO: [("1K", 10, 2399), ("2K", 10, 2400), ("4K", 18, 2401)],
}
I2I_PRICES = {
    NB2: [("512px", 4, 4404), ("1K", 6, 4405), ("2K", 10, 4406), ("4K", 13, 4407)],
    PRO: [("1K", 10, 2402), ("2K", 10, 2403), ("4K", 18, 2404)],
}


@pytest.mark.parametrize(
    ("category", "table"), [("text_to_image", T2I_PRICES), ("image_to_image", I2I_PRICES)]
)
@pytest.mark.parametrize("model_id", [NB2, PRO])
def test_every_size_gets_its_own_rule(
    category: str, table: dict[str, list[tuple[str, int, int]]], model_id: str
) -> None:
    for size, points, attribute_id in table[model_id]:
        plan = make_plan(category, tree(category), model_id, size=size.lower())
        assert (plan.attribute_id, plan.credit) == (attribute_id, points)
        # The rule's own spelling goes out, whatever case was asked.
        assert plan.size == size
        assert plan.params["size"] == size


def test_defaults_come_from_the_form() -> None:
    plan = make_plan("text_to_image", tree(), NB2)
    assert (plan.size, plan.aspect_ratio) == ("1K", "1:1")
    assert (plan.attribute_id, plan.credit) == (4401, 6)
    assert plan.model_version == "gemini-3.1-flash-image-preview"
    assert plan.model_name == "Nano Banana 2"


def test_ratio_offered_by_nb2_but_not_by_pro() -> None:
    assert make_plan("text_to_image", tree(), NB2, aspect_ratio="21:9").aspect_ratio == "21:9"
    with pytest.raises(UnsupportedOption) as info:
        make_plan("text_to_image", tree(), PRO, aspect_ratio="1:8")
    err = info.value
    assert err.reason == "unsupported_aspect_ratio"
    assert err.field == "aspect_ratio"
    assert "16:9" in err.allowed
    assert "1:8" not in err.allowed
    assert len(err.allowed) == 10
    assert "16:9" in str(err)


def test_size_not_offered_names_the_offered_ones() -> None:
    with pytest.raises(UnsupportedOption) as info:
        make_plan("text_to_image", tree(), PRO, size="512px")
    assert info.value.allowed == ("1K", "2K", "4K")
    assert info.value.reason == "bad_request"


@pytest.mark.parametrize("model_id", ["doubao-seedream-4.5", "midjourney", "dall-e-3"])
def test_other_models_are_refused(model_id: str) -> None:
    with pytest.raises(UnsupportedModel) as info:
        make_plan("text_to_image", tree(), model_id)
    assert info.value.reason == "unsupported_model"


def test_nano_banana_missing_from_the_list() -> None:
    raw = product_list("text_to_image")
    raw["data"] = [g for g in raw["data"] if g["id"] != "Nano Banana"]
    with pytest.raises(ModelUnavailable):
        make_plan("text_to_image", tree(raw=raw), NB2)


def test_last_matching_leaf_wins_and_int_types_are_accepted() -> None:
    raw = product_list("text_to_image")
    group = raw["data"][0]
    newer = copy.deepcopy(group["children"][0])
    newer["id"] = "gemini-3.1-flash-image-v2"
    newer["type"] = 3  # an int, as some servers send it
    newer["credit_rules"][3]["attribute_id"] = 9903
    group["children"].append(newer)
    leaf = find_leaf(tree(raw=raw), NB2)
    assert leaf is not None
    assert leaf.id == "gemini-3.1-flash-image-v2"
    plan = make_plan("text_to_image", tree(raw=raw), NB2, size="4K")
    assert (plan.model_version, plan.attribute_id) == ("gemini-3.1-flash-image-v2", 9903)


def rule(attribute_id: int, points: int, **attributes: str) -> CreditRule:
    return CreditRule(attribute_id=attribute_id, points=points, attributes=attributes)


def test_select_rule_prefers_full_then_partial_then_marker_then_first() -> None:
    rules = [
        rule(1, 1, size="1K", quality="low"),
        rule(2, 2, size="2K", quality="high"),
        rule(3, 3, default="enabled"),
    ]
    assert select_rule(rules, {"size": "2k", "quality": "HIGH"}) == rules[1]
    assert select_rule(rules, {"size": "2K", "quality": "medium"}) == rules[1]
    assert select_rule(rules, {"size": "8K"}) == rules[2]
    assert select_rule(rules[:2], {"size": "8K"}) == rules[0]
    assert select_rule([], {"size": "1K"}) is None


def test_marker_rule_prices_a_model_without_attributes() -> None:
    leaf = ProductNode.model_validate(
        {
            "id": "v",
            "type": "3",
            "model_id": NB2,
            "name": "X",
            "credit_rules": [
                {"attribute_id": 77, "points": 5, "attributes": {"default": "enabled"}}
            ],
            "form_config": [],
        }
    )
    plan = make_plan("text_to_image", [leaf], NB2)
    assert (plan.attribute_id, plan.credit) == (77, 5)
    assert "default" not in plan.params


def test_extra_params_merge_but_cannot_override_what_we_set() -> None:
    plan = make_plan("text_to_image", tree(), NB2, extra={"size": "2k", "style": "vivid"})
    assert (plan.size, plan.credit, plan.params["style"]) == ("2K", 10, "vivid")
    explicit = make_plan("text_to_image", tree(), NB2, size="4K", extra={"size": "2K"})
    assert explicit.size == "4K"
    with pytest.raises(ConfigurationError):
        make_plan("text_to_image", tree(), NB2, extra={"prompt": "sneaky"})


def test_create_body_is_exactly_protocol_section_2() -> None:
    plan = make_plan("image_to_image", tree("image_to_image"), NB2, size="4K", aspect_ratio="16:9")
    urls = ["https://cdn.example.test/a.png"]
    body = create_request(plan, "a cat", urls).model_dump(mode="json")
    assert body == {
        "task_type": "image_to_image",
        "enable_multi_model": False,
        "src_img_url": urls,
        "parameters": [
            {
                "attribute_id": 4407,
                "model_id": NB2,
                "model_name": "Nano Banana 2",
                "model_version": "gemini-3.1-flash-image-preview",
                "app": "ima",
                "platform": "web",
                "category": "image_to_image",
                "credit": 13,
                "parameters": {
                    "size": "4K",
                    "aspect_ratio": "16:9",
                    "prompt": "a cat",
                    "n": 1,
                    "input_images": urls,
                    "cast": {"points": 13, "attribute_id": 4407},
                },
            }
        ],
    }


def test_price_table_and_summaries() -> None:
    leaf = find_leaf(tree(), PRO)
    assert leaf is not None
    assert price_table(leaf) == [("1K", 10), ("2K", 10), ("4K", 18)]
    models = nano_banana_models(tree(), "text_to_image")
    assert [m.model_id for m in models] == [NB2, PRO]
    assert len(models[0].aspect_ratios) == 14
    assert models[0].sizes == ("512px", "1K", "2K", "4K")
    assert models[0].expected_time == "20~35s"


@given(
    model_and_size=st.sampled_from([(m, s) for m, rows in T2I_PRICES.items() for s, _, _ in rows]),
    flips=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_any_spelling_of_a_size_gets_the_rule_spelling(
    model_and_size: tuple[str, str], flips: list[bool]
) -> None:
    model_id, size = model_and_size
    asked = "".join(c.swapcase() if flip else c for c, flip in zip(size, flips, strict=False))
    plan = make_plan("text_to_image", TREE_T2I, model_id, size=f" {asked} ")
    expected = {s: (a, p) for s, p, a in T2I_PRICES[model_id]}[size]
    assert (plan.size, (plan.attribute_id, plan.credit)) == (size, expected)
    body = create_request(plan, "p").model_dump(mode="json")
    assert body["parameters"][0]["parameters"]["size"] == size
