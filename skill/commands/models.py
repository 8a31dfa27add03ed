"""``models [--task-type T] [--json]``: the Nano Banana models of the live product list.

Sizes with their points, aspect ratios and defaults, all read from the server at run time
(nothing here knows a price). ``create --list-models`` prints the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from typing import Any

import httpx

from skill import catalog, settings
from skill.commands._access import report_failure, resolve_access
from skill.exits import EXIT_FAILED, EXIT_OK
from skill.ima import ImaError, ModelSummary
from skill.logs import protect_process
from skill.session import Session
from skill.settings import Access


def main(args: argparse.Namespace) -> int:
    """Print the models of one task type, or of both when none is given."""
    access = resolve_access(args.api_key, as_json=args.json)
    if isinstance(access, int):
        return access
    key, ends = access
    protect_process(key)
    task_types = (args.task_type,) if args.task_type else catalog.TASK_TYPES
    return print_models(key, ends, task_types, as_json=args.json)


def print_models(
    key: str,
    ends: settings.Endpoints,
    task_types: Sequence[str],
    *,
    as_json: bool,
    language: str = "en",
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Read the live lists and print them as a table or as one JSON object."""
    try:
        found = asyncio.run(_collect(key, ends, task_types, language, transport))
    except ImaError as exc:
        report_failure(exc, as_json=as_json, lang=language)
        return EXIT_FAILED
    if as_json:
        print(json.dumps(models_json(found), ensure_ascii=False, indent=2))
    else:
        print(format_table(found))
    return EXIT_OK


async def _collect(
    key: str,
    ends: settings.Endpoints,
    task_types: Sequence[str],
    language: str,
    transport: httpx.AsyncBaseTransport | None,
) -> dict[str, list[ModelSummary]]:
    access = Access(key, ends)
    async with Session.open(access, language=language, transport=transport) as session:
        return {t: await session.client.models(t) for t in task_types}


def summary_json(model: ModelSummary) -> dict[str, Any]:
    return {
        "model_id": model.model_id,
        "model_name": model.model_name,
        "model_version": model.model_version,
        "sizes": [
            {"size": p.size, "points": p.points, "attribute_id": p.attribute_id}
            for p in model.prices
        ],
        "aspect_ratios": list(model.aspect_ratios),
        "default_size": model.default_size,
        "default_aspect_ratio": model.default_aspect_ratio,
        "expected_time": expected_time(model),
    }


def expected_time(model: ModelSummary) -> str | None:
    """The expected time the start notice quotes (the skill card's, from the catalog): one
    source, so ``models`` and the conversation never disagree."""
    if not catalog.is_nano_banana(model.model_id):
        return None
    low, high = catalog.model_info(model.model_id).eta_s
    return f"{low}~{high}s"


def models_json(found: dict[str, list[ModelSummary]]) -> dict[str, Any]:
    """``{task_type: [model, ...]}``."""
    return {task_type: [summary_json(m) for m in models] for task_type, models in found.items()}


def format_table(found: dict[str, list[ModelSummary]]) -> str:
    """A readable listing, one block a model."""
    lines: list[str] = []
    for task_type, models in found.items():
        lines.append(task_type)
        if not models:
            lines.append("  (the product list offers no Nano Banana model)")
        for m in models:
            eta = f"  expected {expected}" if (expected := expected_time(m)) else ""
            lines.append(f"  {m.model_name}  [{m.model_id}]  version {m.model_version}{eta}")
            prices = " · ".join(f"{p.size} {p.points} pts" for p in m.prices)
            lines.append(f"    sizes:  {prices}  (default {m.default_size})")
            ratios = ", ".join(m.aspect_ratios)
            lines.append(f"    ratios: {ratios}  (default {m.default_aspect_ratio})")
        lines.append("")
    return "\n".join(lines).rstrip("\n")
