"""``create``: one generation without the conversation (the vendor script's interface).

The job goes through :func:`skill.flow.follow` like every other: the start notice and progress
go to stderr (in ``--language``), and with ``--output-json`` stdout holds exactly one JSON
object, the result or ``{"error": {"reason", "message", ...}}``. Exit codes: 0 the image was
made; 1 the API or the generation failed; 2 bad usage or bad input (no key, an endpoint off the
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

from skill import catalog
from skill.clock import Clock
from skill.commands._access import (
    hint_line,
    report_failure,
    resolve_access,
    usage_failure,
    usage_line,
)
from skill.commands.models import print_models
from skill.exits import EXIT_OK, EXIT_USAGE
from skill.flow import Options
from skill.ima import ConfigurationError, TaskSnapshot, validate_inputs
from skill.ima.rules import check_model
from skill.job import Job, JobRequest
from skill.logs import protect_process
from skill.reasons import Reason
from skill.session import Session
from skill.settings import Access


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
    user_id: str
    timeout_s: float
    #: A fixed interval when ``--poll-interval`` was given; None polls by the expected time.
    poll_interval_s: float | None
    as_json: bool


def main(args: argparse.Namespace) -> int:
    """Run one generation from the command line."""
    as_json: bool = args.output_json
    access = resolve_access(args.api_key, as_json=as_json, lang=args.language)
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
    return asyncio.run(run(Access(key, ends), checked))


def _check(args: argparse.Namespace) -> Request | int:
    """The request, or an exit code after a one-line reason. No network here."""
    as_json: bool = args.output_json
    lang: str = args.language

    def refuse(
        problem: Any, *, name: str | None = None, reason: Reason = Reason.BAD_REQUEST
    ) -> int:
        return usage_failure(usage_line(problem, lang, name=name), as_json=as_json, reason=reason)

    if not args.task_type:
        return refuse("task_type_required")
    prompt = (args.prompt or "").strip()
    if not prompt:
        return refuse("prompt_required")
    model_id: str = args.model_id or catalog.DEFAULT_MODEL_ID
    images: list[str] = list(args.input_images or [])
    extra: dict[str, Any] = {}
    if args.extra_params:
        try:
            parsed = json.loads(args.extra_params)
        except json.JSONDecodeError:
            return refuse("extra_params_json")
        if not isinstance(parsed, dict):
            return refuse("extra_params_object")
        extra = parsed
    for flag, value in (("--timeout", args.timeout), ("--poll-interval", args.poll_interval)):
        if value is not None and not (math.isfinite(value) and value > 0):
            return refuse("not_positive", name=flag)
    if args.task_type == "text_to_image" and images:
        return refuse("images_need_i2i")
    try:
        check_model(args.task_type, model_id)
        if args.task_type == "image_to_image" and not images:
            return refuse("i2i_needs_images", reason=Reason.MISSING_IMAGE)
        validate_inputs(images)
    except ConfigurationError as exc:
        report_failure(exc, as_json=as_json, lang=lang)
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
        user_id=args.user_id,
        timeout_s=args.timeout or catalog.TASK_TIMEOUT_S,
        poll_interval_s=args.poll_interval,
        as_json=as_json,
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run(
    access: Access,
    req: Request,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Plan, upload, create once, wait (all through :func:`skill.flow.follow`); print the
    result. The exit code."""
    job = Job(
        request=JobRequest(
            task_type=req.task_type,
            model_id=req.model_id,
            size=req.size,
            aspect_ratio=req.aspect_ratio,
            prompt=req.prompt,
            input_images=tuple(req.images),
            language=req.language,
            user_id=req.user_id,
            extra_params=req.extra,
        )
    )
    options = Options(timeout_s=req.timeout_s, poll_interval_s=req.poll_interval_s)
    async with Session.open(
        access, clock=clock, transport=transport, language=req.language
    ) as session:
        following = session.follow(job, options, acknowledged=True)
        elapsed_s: float | None = None
        async for event in following:
            if event.event in ("start", "progress", "success") and event.text:
                _say(event.text)
            if event.event == "success":
                elapsed_s = event.elapsed_s
        if following.outcome.succeeded and following.result is not None:
            return _print_result(following.job, following.result, elapsed_s, req.as_json)
        exc = following.error
        reason = following.outcome.reason or Reason.UNKNOWN
        if exc is not None:
            report_failure(exc, as_json=req.as_json, lang=req.language)
        else:
            usage_failure(hint_line(reason, req.language), as_json=req.as_json, reason=reason)
        return following.outcome.exit_code


def _print_result(job: Job, result: TaskSnapshot, elapsed_s: float | None, as_json: bool) -> int:
    plan = job.plan
    if plan is None:  # a made picture was planned
        raise RuntimeError("a picture without its plan")
    if as_json:
        out = {
            "task_id": job.task_id,
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
