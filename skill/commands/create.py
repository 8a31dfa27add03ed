"""``create``: one generation without the conversation (the vendor script's interface).

Progress goes to stderr; with ``--output-json`` stdout holds exactly one JSON object, the
result or ``{"error": {"reason", "message", ...}}``. Exit codes: 0 the image was made;
1 the API or the generation failed; 2 bad usage or bad input (no key, an endpoint off the
allowlist, a model that is not Nano Banana, an option the model does not offer, a broken
image), in which case nothing billable was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from dataclasses import dataclass
from typing import Any

import httpx

from skill import catalog, settings
from skill.clock import Clock, RealClock
from skill.commands._access import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    report_failure,
    resolve_access,
    usage_failure,
)
from skill.commands.models import print_models
from skill.ima import (
    ConfigurationError,
    ImaClient,
    ImaError,
    ModelUnavailable,
    TaskSnapshot,
    schedule_for,
    validate_inputs,
)
from skill.ima.rules import check_model
from skill.logs import protect_process


@dataclass(frozen=True)
class Request:
    """The command line, checked."""

    task_type: str
    model_id: str
    prompt: str
    size: str | None
    aspect_ratio: str | None
    images: list[str]
    extra: dict[str, Any]
    language: str
    timeout_s: float
    #: A fixed interval when ``--poll-interval`` was given; None polls by the expected time.
    poll_interval_s: float | None
    as_json: bool


def main(args: argparse.Namespace) -> int:
    """Run one generation from the command line."""
    as_json: bool = args.output_json
    access = resolve_access(args.api_key, as_json=as_json)
    if isinstance(access, int):
        return access
    key, ends = access
    protect_process(key)
    if args.list_models:
        task_types = (args.task_type,) if args.task_type else catalog.TASK_TYPES
        return print_models(key, ends, task_types, as_json=as_json, language=args.language)
    checked = _check(args)
    if isinstance(checked, int):
        return checked
    clock = RealClock(settings.time_scale(ends))
    return asyncio.run(run(key, ends, checked, clock=clock))


def _check(args: argparse.Namespace) -> Request | int:
    """The request, or an exit code after a one-line reason. No network here."""
    as_json: bool = args.output_json
    if not args.task_type:
        return usage_failure(
            "--task-type is required (text_to_image or image_to_image)", as_json=as_json
        )
    prompt = (args.prompt or "").strip()
    if not prompt:
        return usage_failure("--prompt is required", as_json=as_json)
    model_id: str = args.model_id or catalog.DEFAULT_MODEL_ID
    images: list[str] = list(args.input_images or [])
    extra: dict[str, Any] = {}
    if args.extra_params:
        try:
            parsed = json.loads(args.extra_params)
        except json.JSONDecodeError as exc:
            return usage_failure(f"--extra-params is not valid JSON ({exc.msg})", as_json=as_json)
        if not isinstance(parsed, dict):
            return usage_failure("--extra-params must be a JSON object", as_json=as_json)
        extra = parsed
    for flag, value in (("--timeout", args.timeout), ("--poll-interval", args.poll_interval)):
        if value is not None and not (math.isfinite(value) and value > 0):
            return usage_failure(f"{flag} must be a positive number of seconds", as_json=as_json)
    if args.task_type == "text_to_image" and images:
        return usage_failure(
            "--input-images is for image_to_image (use --task-type image_to_image)",
            as_json=as_json,
        )
    try:
        check_model(args.task_type, model_id)
        if args.task_type == "image_to_image" and not images:
            return usage_failure(
                "image_to_image needs --input-images (a file or an https URL)",
                as_json=as_json,
                reason="missing_image",
            )
        validate_inputs(images)
    except ConfigurationError as exc:
        report_failure(exc, as_json=as_json)
        return EXIT_USAGE
    return Request(
        task_type=args.task_type,
        model_id=model_id,
        prompt=prompt,
        size=args.size,
        aspect_ratio=args.aspect_ratio,
        images=images,
        extra=extra,
        language=args.language,
        timeout_s=args.timeout or catalog.TASK_TIMEOUT_S,
        poll_interval_s=args.poll_interval,
        as_json=as_json,
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run(
    key: str,
    ends: settings.Endpoints,
    req: Request,
    *,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Plan, upload, create once, wait; print the result. The exit code."""
    info = catalog.model_info(req.model_id)
    try:
        async with ImaClient(
            key, endpoints=ends, transport=transport, language=req.language, clock=clock
        ) as client:
            plan = await client.plan(
                req.task_type,
                req.model_id,
                size=req.size,
                aspect_ratio=req.aspect_ratio,
                extra=req.extra,
            )
            urls: list[str] = []
            if req.images:
                _say(f"Preparing {len(req.images)} input image(s)…")
                urls = await client.prepare_inputs(req.images)
            _say(
                f"Creating task… {plan.model_name}, {plan.size}, {plan.aspect_ratio}, "
                f"{plan.credit} points"
            )
            started = clock.now()
            task_id = await client.create(plan, req.prompt, input_urls=urls)
            low, high = info.eta_s
            _say(f"Task {task_id} created; waiting (usually {low}–{high}s)…")
            next_report = info.progress_interval_s

            def on_poll(snap: TaskSnapshot) -> None:
                nonlocal next_report
                elapsed = clock.now() - started
                if snap.state in ("pending", "processing") and elapsed >= next_report:
                    _say(f"Waiting… {elapsed:.0f}s ({snap.state})")
                    next_report += info.progress_interval_s

            result = await client.wait(
                task_id,
                schedule=schedule_for(
                    info, every_s=req.poll_interval_s, estimate=plan.expected_time
                ),
                timeout=req.timeout_s,
                on_poll=on_poll,
            )
            elapsed_s = round(clock.now() - started, 1)
    except ModelUnavailable as exc:
        report_failure(exc, as_json=req.as_json)
        return EXIT_FAILED
    except ConfigurationError as exc:
        report_failure(exc, as_json=req.as_json)
        return EXIT_USAGE
    except ImaError as exc:
        report_failure(exc, as_json=req.as_json)
        return EXIT_FAILED
    _say(f"Done in {elapsed_s:.0f}s")
    if req.as_json:
        out = {
            "task_id": result.task_id,
            "url": result.url,
            "cover_url": result.cover_url,
            "model_id": plan.model_id,
            "model_name": plan.model_name,
            "model_version": plan.model_version,
            "attribute_id": plan.attribute_id,
            "credit": plan.credit,
            "size": plan.size,
            "aspect_ratio": plan.aspect_ratio,
            "width": result.width,
            "height": result.height,
            "elapsed_s": elapsed_s,
        }
        print(json.dumps(out, ensure_ascii=False), flush=True)
    else:
        print(result.url, flush=True)
    return EXIT_OK
