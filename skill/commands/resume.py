"""``ima-nano-banana resume [TASK_ID]``: deliver a task whose run died, was stopped or gave up.

It never creates a task: it polls the one the journal holds (the given id, else the newest
pending one of ``--user-id``, else of anyone) and ends like ``run``: JSON lines or text, a
``success`` with the picture or a ``failure``, then ``done``. A task already delivered is
sent again from the journal's link without asking the server.

Exit codes: 0 delivered; 1 the task failed or is still not ready (the person was told, and a
pending task stays pending); 2 bad usage, no key, a refused endpoint, or nothing to resume
(nothing was asked of the server and no picture came: a script must not read that as
success); 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from skill import settings
from skill.channels.base import Channel
from skill.cli import EXIT_USAGE
from skill.commands._access import resolve_access

if TYPE_CHECKING:
    from skill.flow.resume import ResumeRequest


def _fail(message: str) -> int:
    print(f"ima-nano-banana resume: {message}", file=sys.stderr)
    return EXIT_USAGE


def _channel(output_format: str) -> Channel:
    if output_format == "jsonl":
        from skill.channels.jsonl import JsonLinesChannel

        return JsonLinesChannel()
    from skill.channels.terminal import TerminalChannel

    return TerminalChannel()


def main(args: argparse.Namespace) -> int:
    """Resume one task; see the module docstring for the exit codes."""
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        return _fail("--timeout must be a positive number of seconds")
    access = resolve_access(args.api_key, as_json=False)
    if isinstance(access, int):
        return access
    key, ends = access

    from skill.flow.resume import ResumeRequest
    from skill.logs import protect_process

    protect_process(key)
    request = ResumeRequest(
        task_id=args.task_id,
        user_id=args.user_id,
        lang=args.lang,
        timeout_s=args.timeout,
        out_dir=Path(args.out_dir) if args.out_dir else None,
    )
    return asyncio.run(_resume(request, key, ends, _channel(args.output_format)))


async def _resume(
    request: ResumeRequest, key: str, ends: settings.Endpoints, channel: Channel
) -> int:
    from skill.clock import RealClock
    from skill.flow.interrupt import pump_interruptibly
    from skill.flow.resume import Resumption, interrupted_reply, resume_exit_code
    from skill.ima import ImaClient
    from skill.journal import TaskJournal

    scale = settings.time_scale(ends)
    clock = RealClock(scale)
    language = request.lang if request.lang in ("zh", "en") else "en"
    async with ImaClient(key, endpoints=ends, clock=clock, language=language) as client:
        resumption = Resumption(
            request, client=client, clock=clock, journal=TaskJournal(), scale=scale
        )
        outcome = resumption.outcome
        return await pump_interruptibly(
            resumption,
            channel,
            # The task exists (it is in the journal) and stays pending: it may still arrive.
            farewell=lambda lang: interrupted_reply(outcome.task_id, False, lang or outcome.lang),
            exit_code_of=lambda: resume_exit_code(outcome),
        )
