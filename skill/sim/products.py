"""The product lists the simulator serves, and the lookups the gateway makes in them.

The lists are plain JSON envelopes (the shape the real server returns); the simulator walks
them the way the gateway must: a version leaf has ``type == "3"`` and owns its credit rules.
Nothing here is about Nano Banana in particular: a list with other ids and prices is served
and validated against just the same.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from skill.resources import sim_data_dir

CATEGORIES: tuple[str, ...] = ("text_to_image", "image_to_image")
LEAF_TYPE = "3"


@functools.lru_cache(maxsize=1)
def _read_default_lists() -> dict[str, dict[str, Any]]:
    lists: dict[str, dict[str, Any]] = {}
    for category in CATEGORIES:
        path = sim_data_dir() / f"product_list.{category}.json"
        lists[category] = json.loads(path.read_text(encoding="utf-8"))
    return lists


def load_default_lists() -> dict[str, dict[str, Any]]:
    """The two captured product lists shipped in ``skill/sim/data`` (a fresh copy each call)."""
    return copy_lists(_read_default_lists())


def copy_lists(lists: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {category: copy.deepcopy(envelope) for category, envelope in lists.items()}


def iter_leaves(nodes: Any) -> Iterator[dict[str, Any]]:
    """Every version leaf in a product tree, in list order (groups may nest)."""
    if not isinstance(nodes, list):
        return
    for node in nodes:
        if not isinstance(node, dict):
            continue
        if str(node.get("type")) == LEAF_TYPE:
            yield node
        yield from iter_leaves(node.get("children"))


@dataclass(frozen=True)
class RuleMatch:
    """A credit rule and the leaf that owns it."""

    leaf: dict[str, Any]
    rule: dict[str, Any]

    @property
    def points(self) -> Any:
        return self.rule.get("points")

    @property
    def attributes(self) -> dict[str, Any]:
        attrs = self.rule.get("attributes")
        return attrs if isinstance(attrs, dict) else {}


def find_rule(envelope: dict[str, Any], attribute_id: Any) -> RuleMatch | None:
    """The credit rule with this ``attribute_id`` in one category's list, or ``None``."""
    if isinstance(attribute_id, bool) or not isinstance(attribute_id, int):
        return None
    for leaf in iter_leaves(envelope.get("data")):
        for rule in leaf.get("credit_rules") or []:
            if isinstance(rule, dict) and rule.get("attribute_id") == attribute_id:
                return RuleMatch(leaf=leaf, rule=rule)
    return None


def field_options(leaf: dict[str, Any], field_name: str) -> list[str] | None:
    """The values a leaf offers for a ``tags`` form field, or ``None`` if it has no such field."""
    for entry in leaf.get("form_config") or []:
        if isinstance(entry, dict) and entry.get("field") == field_name:
            options = entry.get("options") or []
            return [str(o.get("value")) for o in options if isinstance(o, dict)]
    return None
