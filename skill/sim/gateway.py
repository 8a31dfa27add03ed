"""Create validation, as the IMA gateway does it: the checks and the code each failure gets.

Order (the first failing check answers):

1. the body is a JSON object with a known ``task_type`` and a non-empty ``parameters`` list -> 400
2. ``parameters[0].category`` equals ``task_type`` -> else 400
3. the inner ``parameters.prompt`` is a non-empty string -> else 400
4. image_to_image: ``src_img_url`` and the inner ``input_images`` are non-empty and equal -> 400
5. ``attribute_id`` is one of the category's credit rules, and that rule's leaf has this
   ``model_id`` and ``model_version`` (its ``id``), and the inner values agree with the rule's
   attributes (``size`` "2K" for a 2K rule; case-insensitive) -> else 6010
6. the inner ``aspect_ratio`` and ``size``, when the leaf offers a list of them, are among it
   -> else 400
7. ``credit`` equals the rule's ``points``, ``cast.points`` equals ``credit`` and
   ``cast.attribute_id`` equals ``attribute_id`` -> else 6006
8. the balance covers ``credit`` -> else 4008 "Insufficient points"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skill.sim.products import field_options, find_rule

CODE_BAD_REQUEST = 400
CODE_CREDIT_MISMATCH = 6006
CODE_ATTRIBUTE_MISMATCH = 6010
CODE_INSUFFICIENT_POINTS = 4008

#: Inner fields whose values must be among the leaf's offered options.
CHECKED_FIELDS: tuple[str, ...] = ("aspect_ratio", "size")
#: A rule attribute with this name is a fallback marker, not a parameter to compare.
FALLBACK_ATTRIBUTE = "default"


@dataclass(frozen=True)
class Rejection:
    """A create the gateway refuses: the envelope code and message."""

    code: int
    message: str


@dataclass(frozen=True)
class AcceptedCreate:
    """What the simulator needs to run an accepted task."""

    task_type: str
    model_id: str
    model_version: str
    model_name: str
    attribute_id: int
    credit: int
    prompt: str
    size: str | None
    aspect_ratio: str | None
    input_images: list[str] = field(default_factory=list)


def _same(a: Any, b: Any) -> bool:
    return str(a).strip().lower() == str(b).strip().lower()


def validate_create(
    body: Any, lists: dict[str, dict[str, Any]], balance: int
) -> AcceptedCreate | Rejection:
    """Check a create body against the served product lists and the points balance."""
    bad = CODE_BAD_REQUEST
    if not isinstance(body, dict):
        return Rejection(bad, "request body must be a JSON object")
    task_type = body.get("task_type")
    if not isinstance(task_type, str) or task_type not in lists:
        return Rejection(bad, f"unsupported task_type: {task_type!r}")
    params = body.get("parameters")
    if not isinstance(params, list) or not params or not isinstance(params[0], dict):
        return Rejection(bad, "parameters must be a non-empty list")
    param: dict[str, Any] = params[0]
    if param.get("category") != task_type:
        return Rejection(bad, "parameters.category must equal task_type")
    inner = param.get("parameters")
    if not isinstance(inner, dict):
        return Rejection(bad, "parameters.parameters must be an object")
    prompt = inner.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return Rejection(bad, "prompt is required")

    images: list[str] = []
    if task_type == "image_to_image":
        src = body.get("src_img_url")
        given = inner.get("input_images")
        if not isinstance(src, list) or not src or not all(isinstance(u, str) for u in src):
            return Rejection(bad, "src_img_url must list the input images")
        if given != src:
            return Rejection(bad, "input_images must equal src_img_url")
        images = list(src)

    attribute_id = param.get("attribute_id")
    match = find_rule(lists[task_type], attribute_id)
    if match is None:
        return Rejection(CODE_ATTRIBUTE_MISMATCH, "Invalid product attribute")
    leaf = match.leaf
    if param.get("model_id") != leaf.get("model_id") or param.get("model_version") != leaf.get(
        "id"
    ):
        return Rejection(CODE_ATTRIBUTE_MISMATCH, "attribute_id does not belong to this model")
    for name, value in match.attributes.items():
        if name == FALLBACK_ATTRIBUTE:
            continue
        if name in inner and not _same(inner[name], value):
            return Rejection(
                CODE_ATTRIBUTE_MISMATCH, f"attribute_id does not match {name}={inner[name]!r}"
            )
    for name in CHECKED_FIELDS:
        options = field_options(leaf, name)
        if options is not None and name in inner and str(inner[name]) not in options:
            return Rejection(bad, f"unsupported {name}: {inner[name]!r}")

    credit = param.get("credit")
    cast = inner.get("cast")
    if (
        isinstance(credit, bool)
        or not isinstance(credit, int)
        or credit != match.points
        or not isinstance(cast, dict)
        or cast.get("points") != credit
        or cast.get("attribute_id") != attribute_id
    ):
        return Rejection(CODE_CREDIT_MISMATCH, "Credit does not match the credit rule")
    if balance < credit:
        return Rejection(CODE_INSUFFICIENT_POINTS, "Insufficient points")

    size = inner.get("size")
    ratio = inner.get("aspect_ratio")
    return AcceptedCreate(
        task_type=task_type,
        model_id=str(leaf.get("model_id")),
        model_version=str(leaf.get("id")),
        model_name=str(param.get("model_name") or leaf.get("name") or ""),
        attribute_id=int(match.rule["attribute_id"]),
        credit=credit,
        prompt=prompt,
        size=str(size) if size is not None else None,
        aspect_ratio=str(ratio) if ratio is not None else None,
        input_images=images,
    )
