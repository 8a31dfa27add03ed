"""``ima-nano-banana resume [TASK_ID]``: deliver a task whose run died, was stopped or gave up.

It never creates a task: it follows the job the journal holds (the given task or job id, else
the newest pending one of ``--user-id``, else of anyone) through :func:`skill.flow.follow`,
which polls its task and ends like ``run``: JSON lines or text, a ``success`` with the picture
or a ``failure``, then ``done``. A job already delivered is sent again from its link without
asking the server. It speaks the language of the run it resumes unless ``--lang`` says.

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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from skill.channels.base import Channel
from skill.commands._access import resolve_access, usage_line
from skill.exits import EXIT_USAGE

if TYPE_CHECKING:
    from skill.events import Reply
    from skill.settings import Access


def _channel(output_format: str) -> Channel:
    if output_format == "jsonl":
        from skill.channels.jsonl import JsonLinesChannel

        return JsonLinesChannel()
    from skill.channels.terminal import TerminalChannel

    return TerminalChannel()


def main(args: argparse.Namespace) -> int:
    """Resume one job; see the module docstring for the exit codes."""
    lang = args.lang if args.lang in ("zh", "en") else "en"
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        print(usage_line("not_positive", lang, name="--timeout"), file=sys.stderr)
        return EXIT_USAGE
    access = resolve_access(args.api_key, as_json=False, lang=lang)
    if isinstance(access, int):
        return access
    key, ends = access

    from skill.logs import protect_process
    from skill.settings import Access

    protect_process(key)
    return asyncio.run(_resume(args, Access(key, ends), _channel(args.output_format)))


async def _replay(events: list[Reply]) -> AsyncIterator[Reply]:
    for event in events:
        yield event


async def _resume(args: argparse.Namespace, access: Access, channel: Channel) -> int:
    from skill.deliver import deliver, pump
    from skill.flow import Options, nothing_to_resume
    from skill.job import Job
    from skill.session import Session

    async with Session.open(access) as session:
        job: Job | None
        if args.task_id:
            job = await session.store.job(args.task_id)
        else:
            pending = await session.store.pending(args.user_id)
            job = pending[0] if pending else None
        if job is None:
            lang = args.lang if args.lang in ("zh", "en") else "en"
            events = nothing_to_resume(lang, session.renderer, asked_for=bool(args.task_id))
            return await pump(
                _replay(events),
                channel,
                farewell=lambda: events[0],
                exit_code_of=lambda: EXIT_USAGE,
            )
        if args.lang in ("zh", "en"):
            request = job.request.model_copy(update={"language": args.lang})
            job = job.model_copy(update={"request": request})
        options = Options(
            timeout_s=args.timeout, out_dir=Path(args.out_dir) if args.out_dir else None
        )
        return await deliver(session.follow(job, options, resume=True), channel)
