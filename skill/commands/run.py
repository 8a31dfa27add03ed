"""``ima-nano-banana run``: the whole conversation for one chat message (DESIGN.md).

``--format text`` prints each message as the person would see it; ``--format jsonl`` prints
one JSON object a line for an agent; ``--channel feishu|discord`` delivers straight to a chat
(those channels are built in :mod:`skill.channels.remote`, imported only when asked for).
Exit codes: 0 made, 1 failed and told, 2 bad usage or bad input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from skill import settings
from skill.channels.base import Channel
from skill.cli import EXIT_FAILED, EXIT_USAGE
from skill.commands._access import resolve_access

if TYPE_CHECKING:
    from skill.flow.driver import Request


def _fail(message: str) -> int:
    print(f"ima-nano-banana run: {message}", file=sys.stderr)
    return EXIT_USAGE


def read_text(args: argparse.Namespace) -> str | None:
    """The message: ``--text-env VAR`` (so user text never passes through a shell) or TEXT.
    ``None`` when the named variable is not set."""
    if args.text_env:
        return os.environ.get(args.text_env)
    return args.text or ""


def _positive(value: float | None) -> bool:
    return value is None or value > 0


def open_channel(args: argparse.Namespace) -> Channel:
    """stdout per ``--format``, or the Feishu / Discord channel (ValueError when misconfigured)."""
    if args.channel in ("feishu", "discord"):
        # Built by the channels helper; imported lazily so `run` stays light without them.
        from skill.channels.remote import open_channel as open_remote

        return open_remote(args.channel, chat_id=args.chat_id, webhook_url=args.webhook_url)
    if args.output_format == "jsonl":
        from skill.channels.jsonl import JsonLinesChannel

        return JsonLinesChannel()
    from skill.channels.terminal import TerminalChannel

    return TerminalChannel()


def main(args: argparse.Namespace) -> int:
    """Run one conversation; see the module docstring for the exit codes."""
    text = read_text(args)
    if text is None:
        return _fail(f"the environment variable {args.text_env} is not set")
    if not _positive(args.timeout) or not _positive(args.poll_interval):
        return _fail("--timeout and --poll-interval must be positive numbers of seconds")
    access = resolve_access(args.api_key, as_json=False)
    if isinstance(access, int):
        return access
    key, ends = access
    try:
        channel = open_channel(args)
    except ValueError as exc:
        return _fail(str(exc))

    from skill.flow.driver import Request
    from skill.logs import protect_process

    protect_process(key)
    request = Request(
        text=text,
        images=tuple(args.image),
        user_id=args.user_id,
        lang=args.lang,
        timeout_s=args.timeout,
        poll_interval_s=args.poll_interval,
        out_dir=Path(args.out_dir) if args.out_dir else None,
    )
    return asyncio.run(_run(request, key, ends, channel))


async def _run(request: Request, key: str, ends: settings.Endpoints, channel: Channel) -> int:
    from skill.channels.remote import ChannelError
    from skill.clock import RealClock
    from skill.flow.driver import converse
    from skill.flow.interrupt import deliver_interruptibly
    from skill.ima import ImaClient
    from skill.journal import TaskJournal
    from skill.prefs import PreferenceStore
    from skill.render import lang_of

    # Sped up only in the simulator's world (both endpoints loopback); 1 otherwise.
    clock = RealClock(settings.time_scale(ends))
    language = lang_of(request.lang) if request.lang != "auto" else "en"
    async with ImaClient(key, endpoints=ends, clock=clock, language=language) as client:
        conversation = converse(
            request, client=client, clock=clock, prefs=PreferenceStore(), journal=TaskJournal()
        )
        try:
            return await deliver_interruptibly(conversation, channel)
        except ChannelError as exc:
            # Feishu/Discord could not be reached or refused: nobody can be told in the chat,
            # so say it here in one line (the message never holds a secret).
            print(f"ima-nano-banana run: the chat could not be reached: {exc}", file=sys.stderr)
            return EXIT_FAILED
