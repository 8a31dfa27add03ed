"""From a product list to the exact create request: pure functions, no I/O.

The server is the truth for ids and prices (PROTOCOL.md section 1): the leaf of a model gives
its version, name, form defaults and options; its credit rules give the ``attribute_id`` and
the points to send. Nothing here knows an id or a price; only :mod:`skill.catalog` says which
model ids are Nano Banana.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from skill import catalog
from skill.ima.errors import (
    ConfigurationError,
    ModelUnavailable,
    UnsupportedModel,
    UnsupportedOption,
)
from skill.ima.wire import CreateParameter, CreateRequest, CreditRule, ProductNode
from skill.reasons import Reason

#: The inner parameters we set ourselves; ``--extra-params`` may not override them (a second
#: image, another prompt or another price would make the request disagree with its credit).
RESERVED_PARAMS = frozenset({"prompt", "n", "input_images", "cast"})
#: The options a person chooses; validated against the leaf's own form.
CHOSEN_FIELDS = ("size", "aspect_ratio")
#: A credit rule whose only attribute is this pair is a catch-all fallback.
_MARKER = {"default": "enabled"}


class Plan(BaseModel):
    """Everything a create needs except the prompt and the input images.

    A pydantic model: it is the resolution a :class:`skill.job.Job` keeps (and the journal
    stores), so a task can be told about and resumed exactly as it was priced.
    """

    model_config = ConfigDict(frozen=True)

    task_type: str
    model_id: str
    model_name: str
    model_version: str
    attribute_id: int
    #: The points this request costs: the chosen rule's ``points``.
    credit: int
    size: str | None = None
    aspect_ratio: str | None = None
    #: The inner parameters so far: form defaults, the rule's values, the choices, extras.
    params: dict[str, Any] = Field(default_factory=dict)
    #: What the model offers, field -> option values (for messages and alternatives).
    offered: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    #: The list's own expected-time tag (``EET``, e.g. "20~35s"): a hint for polling.
    expected_time: str | None = None


@dataclass(frozen=True)
class Price:
    size: str
    points: int
    attribute_id: int


@dataclass(frozen=True)
class ModelSummary:
    """One model as the live product list describes it (for ``models`` and alternatives)."""

    task_type: str
    model_id: str
    model_name: str
    model_version: str
    prices: tuple[Price, ...]
    sizes: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    default_size: str | None
    default_aspect_ratio: str | None
    #: The list's own expected-time tag, e.g. "20~35s", when it has one.
    expected_time: str | None


def iter_leaves(tree: Iterable[ProductNode]) -> Iterator[ProductNode]:
    """Every version leaf (``type`` "3") of the tree, depth first, in list order."""
    for node in tree:
        if node.is_leaf:
            yield node
        yield from iter_leaves(node.children)


def find_leaf(tree: Iterable[ProductNode], model_id: str) -> ProductNode | None:
    """The leaf of ``model_id``; when several match, the last (the list runs oldest first)."""
    found: ProductNode | None = None
    for leaf in iter_leaves(tree):
        if leaf.model_id == model_id:
            found = leaf
    return found


def form_defaults(leaf: ProductNode) -> dict[str, str]:
    """The default of every plain form field (virtual UI fields are not sent as they are)."""
    return {
        f.field: f.value for f in leaf.form_config if not f.is_ui_virtual and f.value is not None
    }


def offered_options(leaf: ProductNode) -> dict[str, tuple[str, ...]]:
    """field -> the values the leaf's form offers, in the form's order."""
    return {f.field: f.option_values for f in leaf.form_config if f.options}


def match_option(field_name: str, value: str, offered: Mapping[str, tuple[str, ...]]) -> str:
    """The offered spelling of ``value`` (case-insensitive), else :class:`UnsupportedOption`."""
    allowed = offered.get(field_name, ())
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise UnsupportedOption(field_name, value, allowed)


def _lower(attributes: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v).lower() for k, v in attributes.items()}


def _is_marker(rule: CreditRule) -> bool:
    return _lower(rule.attributes) == _MARKER


def select_rule(rules: Sequence[CreditRule], wanted: Mapping[str, Any]) -> CreditRule | None:
    """The credit rule for the wanted attributes (PROTOCOL.md section 1).

    A rule whose attributes all equal the wanted values (case-insensitively), else the one
    matching most of them, else the ``default: enabled`` marker rule, else the first rule.
    """
    if not rules:
        return None
    want = _lower(wanted)
    best: CreditRule | None = None
    best_score = 0
    for rule in rules:
        if _is_marker(rule):
            continue
        attributes = _lower(rule.attributes)
        score = sum(1 for k, v in attributes.items() if want.get(k) == v)
        if attributes and score == len(attributes):
            return rule
        if score > best_score:
            best, best_score = rule, score
    if best is not None:
        return best
    return next((r for r in rules if _is_marker(r)), rules[0])


def price_table(leaf: ProductNode) -> list[tuple[str, int]]:
    """(size, points) for each size the leaf prices, smallest offered size first."""
    return [(p.size, p.points) for p in _prices(leaf)]


def _prices(leaf: ProductNode) -> list[Price]:
    order = {s.lower(): i for i, s in enumerate(offered_options(leaf).get("size", ()))}
    prices: list[Price] = []
    for rule in leaf.credit_rules:
        size = next((v for k, v in rule.attributes.items() if k.lower() == "size"), None)
        if size is not None:
            prices.append(Price(size, rule.points, rule.attribute_id))
    return sorted(prices, key=lambda p: order.get(p.size.lower(), len(order)))


def check_model(task_type: str, model_id: str) -> None:
    """Refuse, before any request, a task type we do not make or a model that is not ours."""
    if task_type not in catalog.TASK_TYPES:
        raise ConfigurationError(
            f"task type {task_type!r} is not one of {', '.join(catalog.TASK_TYPES)}",
            reason=Reason.BAD_REQUEST,
        )
    if not catalog.is_nano_banana(model_id):
        raise UnsupportedModel(model_id)


def make_plan(
    task_type: str,
    tree: Sequence[ProductNode],
    model_id: str,
    *,
    size: str | None = None,
    aspect_ratio: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan for one create: leaf, defaults, validated choices and the matching rule.

    Inner parameters are built in PROTOCOL.md's order: form defaults, then the rule's values,
    then the person's choices (which are already in the form's own spelling); where a choice
    equals the rule's value but for case, the rule's spelling is sent ("4k" goes out as "4K").
    """
    check_model(task_type, model_id)
    leaf = find_leaf(tree, model_id)
    if leaf is None:
        raise ModelUnavailable(model_id, task_type)
    extras = dict(extra or {})
    clash = sorted(RESERVED_PARAMS & extras.keys())
    if clash:
        raise ConfigurationError(
            f"extra parameters may not set {', '.join(clash)}", reason=Reason.BAD_REQUEST
        )
    asked = {"size": size, "aspect_ratio": aspect_ratio}
    for name in CHOSEN_FIELDS:
        if asked[name] is None and extras.get(name) is not None:
            asked[name] = str(extras[name])
        extras.pop(name, None)

    offered = offered_options(leaf)
    params: dict[str, Any] = dict(form_defaults(leaf))
    choices = {k: match_option(k, v, offered) for k, v in asked.items() if v is not None}
    params.update(choices)
    params.update(extras)

    rule = select_rule(leaf.credit_rules, params)
    if rule is None:
        raise ConfigurationError(
            f"the product list gives {model_id!r} no credit rule", reason=Reason.INVALID_ATTRIBUTE
        )
    if not _is_marker(rule):
        for key, value in rule.attributes.items():
            chosen = choices.get(key)
            if chosen is None or chosen.lower() == value.lower():
                params[key] = value
    return Plan(
        task_type=task_type,
        model_id=leaf.model_id,
        model_name=leaf.name or catalog.model_info(model_id).display_name,
        model_version=leaf.id,
        attribute_id=rule.attribute_id,
        credit=rule.points,
        size=_text_or_none(params.get("size")),
        aspect_ratio=_text_or_none(params.get("aspect_ratio")),
        params=params,
        offered=offered,
        expected_time=leaf.tag("EET"),
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def create_request(plan: Plan, prompt: str, input_urls: Sequence[str] = ()) -> CreateRequest:
    """The create body of PROTOCOL.md section 2 for a plan, a prompt and input image URLs."""
    urls = list(input_urls)
    inner: dict[str, Any] = {
        **plan.params,
        "prompt": prompt,
        "n": 1,
        "input_images": urls,
        "cast": {"points": plan.credit, "attribute_id": plan.attribute_id},
    }
    return CreateRequest(
        task_type=plan.task_type,
        enable_multi_model=False,
        src_img_url=urls,
        parameters=[
            CreateParameter(
                attribute_id=plan.attribute_id,
                model_id=plan.model_id,
                model_name=plan.model_name,
                model_version=plan.model_version,
                category=plan.task_type,
                credit=plan.credit,
                parameters=inner,
            )
        ],
    )


def summarize(leaf: ProductNode, task_type: str) -> ModelSummary:
    """A leaf as a :class:`ModelSummary`."""
    offered = offered_options(leaf)
    defaults = form_defaults(leaf)
    return ModelSummary(
        task_type=task_type,
        model_id=leaf.model_id,
        model_name=leaf.name,
        model_version=leaf.id,
        prices=tuple(_prices(leaf)),
        sizes=offered.get("size", ()),
        aspect_ratios=offered.get("aspect_ratio", ()),
        default_size=defaults.get("size"),
        default_aspect_ratio=defaults.get("aspect_ratio"),
        expected_time=leaf.tag("EET"),
    )


def nano_banana_models(tree: Sequence[ProductNode], task_type: str) -> list[ModelSummary]:
    """The Nano Banana models the list offers for a task type, in catalog order."""
    found = []
    for model_id in catalog.MODELS:
        leaf = find_leaf(tree, model_id)
        if leaf is not None:
            found.append(summarize(leaf, task_type))
    return found
