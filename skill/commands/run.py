"""``ima-nano-banana run``: the whole conversation for one chat message (DESIGN.md).

``--format text`` prints each message as the person would see it; ``--format jsonl`` prints
one JSON object a line for an agent; ``--channel feishu|discord`` delivers straight to a chat
(those channels are built in :mod:`skill.channels.remote`, imported only when asked for).
Exit codes: 0 made, 1 failed and told, 2 bad usage or bad input, 130 interrupted.

The acknowledgement goes out first and fast (issue 7: under 100 ms from start): it is made
from the parser and the renderer alone (:mod:`skill.flow.ack`) and, on stdout, written before
asyncio, httpx, pydantic or the rest of the conversation are imported. A test holds that line
(``tests/e2e/test_cold_start.py``); ``bench/cold_start.py`` measures it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill import settings
from skill.channels.base import Channel
from skill.cli import EXIT_FAILED, EXIT_USAGE
from skill.commands._access import resolve_access

if TYPE_CHECKING:
    from skill.events import Reply
    from skill.flow.ack import Acknowledgement, Request
    from skill.prefs import PreferenceStore


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

    from skill.flow.ack import Request, acknowledge
    from skill.render import Renderer

    request = Request(
        text=text,
        images=tuple(args.image),
        user_id=args.user_id,
        lang=args.lang,
        timeout_s=args.timeout,
        poll_interval_s=args.poll_interval,
        out_dir=Path(args.out_dir) if args.out_dir else None,
    )
    # Step 0 needs no network and no key: the text is the templates' and the parser's words,
    # so it can go out before the process is set up to guard the key (protect_process below).
    step0 = acknowledge(request, prefs=_open_prefs, renderer=Renderer())
    held = _HeldSignals()
    given = _write_now(channel, step0.reply)

    import asyncio

    from skill.logs import protect_process

    protect_process(key)
    return asyncio.run(_run(request, key, ends, channel, step0, held, given=given))


def _open_prefs() -> PreferenceStore:
    from skill.prefs import PreferenceStore

    return PreferenceStore()


def _write_now(channel: Channel, reply: Reply) -> bool:
    """Give ``reply`` on stdout at once, without an event loop; False for a chat channel,
    which needs one (it sends the reply first thing in :func:`_run` instead)."""
    from skill.channels.jsonl import JsonLinesChannel
    from skill.channels.terminal import TerminalChannel

    if isinstance(channel, (JsonLinesChannel, TerminalChannel)):
        channel.write(reply)
        return True
    return False


class _HeldSignals:
    """SIGINT and SIGTERM between the first reply and the conversation's own handlers.

    Once the acknowledgement is out, a stop must end with the interrupted message and
    ``done`` (:mod:`skill.flow.interrupt`), but those handlers exist only once the loop
    runs. Until then a stop is held here; :meth:`release` raises it again, which, once the
    loop's handlers are in place, gives the interrupted message.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._previous: dict[int, Any] = {}
        for sig in self.SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._hold)
            except ValueError:  # not the main thread: signals keep their own handlers
                continue

    def _hold(self, signum: int, frame: object) -> None:
        self.caught.append(signum)

    def release(self) -> None:
        """Stop holding, and raise again what was held (once a signal)."""
        for sig, previous in self._previous.items():
            if signal.getsignal(sig) == self._hold:  # nobody took over: back to before
                signal.signal(sig, previous)
        self._previous.clear()
        caught, self.caught = list(dict.fromkeys(self.caught)), []
        for signum in caught:
            signal.raise_signal(signum)


class _AfterAck:
    """``channel`` without the acknowledgement, which was given before the conversation ran.

    The conversation still yields it first (the interrupt handler learns the language from
    it); this passes every other reply through. By then the conversation's signal handlers
    are in place, so the signals held since the acknowledgement are released there.
    """

    def __init__(self, channel: Channel, ack: Reply, held: _HeldSignals) -> None:
        self._channel = channel
        self._ack: Reply | None = ack
        self._held = held

    async def send(self, reply: Reply) -> None:
        if reply is self._ack:
            self._ack = None
            self._held.release()
            return
        await self._channel.send(reply)

    async def aclose(self) -> None:
        await self._channel.aclose()


async def _run(
    request: Request,
    key: str,
    ends: settings.Endpoints,
    channel: Channel,
    step0: Acknowledgement,
    held: _HeldSignals,
    *,
    given: bool,
) -> int:
    """The conversation after Step 0; ``given`` says whether its reply is already out."""
    rest = _AfterAck(channel, step0.reply, held)
    try:
        if given:
            return await _converse(request, key, ends, rest, step0)
        from skill.channels.remote import ChannelError

        try:
            # A chat channel: the acknowledgement goes out before the IMA client is loaded.
            await channel.send(step0.reply)
        except ChannelError as exc:
            await channel.aclose()
            return _unreachable(exc)
        try:
            return await _converse(request, key, ends, rest, step0)
        except ChannelError as exc:
            return _unreachable(exc)
    finally:
        # The conversation ended before its first reply came round (or raised): what is
        # still held gets its default effect now, as if it had never been held.
        held.release()


def _unreachable(exc: Exception) -> int:
    # Feishu/Discord could not be reached or refused: nobody can be told in the chat, so say
    # it here in one line (the message never holds a secret).
    print(f"ima-nano-banana run: the chat could not be reached: {exc}", file=sys.stderr)
    return EXIT_FAILED


async def _converse(
    request: Request, key: str, ends: settings.Endpoints, channel: Channel, step0: Acknowledgement
) -> int:
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
            request,
            client=client,
            clock=clock,
            prefs=PreferenceStore(),
            journal=TaskJournal(),
            acknowledged=step0,
        )
        return await deliver_interruptibly(conversation, channel)
