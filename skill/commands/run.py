"""``ima-nano-banana run``: the whole conversation for one chat message (docs/contracts.md).

``--format text`` prints each message as the person would see it; ``--format jsonl`` prints
one JSON object a line for an agent; ``--channel feishu|discord`` delivers straight to a chat
(those channels are built in :mod:`skill.channels.remote`, imported only when asked for).
Exit codes: 0 made, 1 failed and told, 2 bad usage or bad input, 130 interrupted.

The acknowledgement goes out first and fast: it is made from the parser, the renderer and,
for a follow-up ("好的", "再来一张"), the chat's memory read as plain JSON with the claim
"a generation is running" taken (:class:`skill.store.chats.FileRecall`, keyed by ``--chat-id``
and ``--user-id``), and on stdout it is written before asyncio, httpx, pydantic or the rest of
the conversation are imported. What the message does is decided there once; the follow-up
rules themselves live in :mod:`skill.flow.followup`, not here. Everything after it is
:func:`skill.flow.message.answer` on a :class:`skill.session.Session`. A test holds that line
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
from skill.exits import EXIT_FAILED, EXIT_USAGE

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from skill.events import Reply
    from skill.flow.ack import Acknowledgement, Recall, Request
    from skill.render import UsageProblem
    from skill.settings import Access
    from skill.store.prefs import PreferenceStore


def _fail(line: str) -> int:
    print(line, file=sys.stderr)
    return EXIT_USAGE


def _lang(args: argparse.Namespace) -> str:
    return args.lang if args.lang in ("zh", "en") else "en"


def usage_line(problem: UsageProblem, lang: str, *, name: str | None = None) -> str:
    """:func:`skill.commands._access.usage_line`, loaded only when a refusal is due."""
    from skill.commands._access import usage_line as line

    return line(problem, lang, name=name)


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
        return _fail(usage_line("text_env_unset", _lang(args), name=args.text_env))
    for flag, value in (("--timeout", args.timeout), ("--poll-interval", args.poll_interval)):
        if not _positive(value):
            return _fail(usage_line("not_positive", _lang(args), name=flag))
    try:
        ends = settings.endpoints()
    except settings.EndpointRefused as exc:
        return _fail(usage_line("endpoint_refused", _lang(args), name=exc.variable))
    key = settings.api_key(args.api_key)
    try:
        channel = open_channel(args)
    except ValueError as exc:
        return _fail(f"ima-nano-banana run: {exc}")

    from skill.flow.ack import Request, acknowledge
    from skill.render import Renderer

    request = Request(
        text=text,
        images=tuple(args.image),
        user_id=args.user_id,
        chat_id=args.chat_id or "default",
        lang=args.lang,
        timeout_s=args.timeout,
        poll_interval_s=args.poll_interval,
        out_dir=Path(args.out_dir) if args.out_dir else None,
    )
    # Step 0 needs no network and no key: the text is the templates' and the parser's words,
    # so it can go out before the process is set up to guard the key (protect_process below).
    step0 = acknowledge(request, prefs=_open_prefs, renderer=Renderer(), recall=_open_recall())
    held = _HeldSignals()
    # A first reply made without the memory it needs is not given now: the answer gives its own.
    given = not step0.deferred and _write_now(channel, step0.reply)

    import asyncio

    from skill.logs import protect_process
    from skill.settings import Access

    if key is None:
        # Nobody can make the picture, but the person must hear why, in their language.
        return asyncio.run(_no_key(channel, step0, held, given=given))
    protect_process(key)
    access = Access(key, ends)
    return asyncio.run(_run(request, access, channel, step0, held, given=given))


async def _no_key(
    channel: Channel, step0: Acknowledgement, held: _HeldSignals, *, given: bool
) -> int:
    """The failure of a run with no key at all: told, then done; exit 2 (nothing was sent)."""
    from skill.events import Reply
    from skill.reasons import Reason
    from skill.render import Failure, Renderer

    held.release()
    text = Renderer().render(
        Failure(Reason.UNAUTHORIZED, no_key=True, not_started=True), step0.lang
    )
    try:
        if not given:
            await channel.send(step0.reply)
        await channel.send(Reply("failure", text=text, reason=Reason.UNAUTHORIZED))
        await channel.send(Reply("done"))
    finally:
        await channel.aclose()
    return EXIT_USAGE


def _open_prefs() -> PreferenceStore:
    from skill.store.prefs import PreferenceStore

    return PreferenceStore()


def _open_recall() -> Recall | None:
    """The chat memory and the claim of the store this run will use: the file store's, read
    without pydantic. Another store (``IMA_STORE_URL``) is read by the answer itself."""
    if os.environ.get("IMA_STORE_URL"):
        return None
    from skill.store.chats import FileRecall

    return FileRecall.at_home()


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
    ``done`` (:mod:`skill.deliver`), but those handlers exist only once the loop
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


async def _release_then(source: AsyncIterator[Reply], held: _HeldSignals) -> AsyncIterator[Reply]:
    """``source``'s events, releasing the signals held since the acknowledgement first: by
    then the delivery's own handlers are in place, so a held stop gives the interrupted
    message."""
    held.release()
    try:
        async for reply in source:
            yield reply
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


async def _run(
    request: Request,
    access: Access,
    channel: Channel,
    step0: Acknowledgement,
    held: _HeldSignals,
    *,
    given: bool,
) -> int:
    """The conversation after Step 0; ``given`` says whether its reply is already out."""
    try:
        if given:
            return await _converse(request, access, channel, step0, held)
        if step0.deferred:
            # Decided by the answer with its store: it gives its own first reply.
            return await _converse(request, access, channel, None, held)
        from skill.channels.remote import ChannelError

        try:
            # A chat channel: the acknowledgement goes out before the IMA client is loaded.
            await channel.send(step0.reply)
        except ChannelError as exc:
            await channel.aclose()
            return _unreachable(exc)
        try:
            return await _converse(request, access, channel, step0, held)
        except ChannelError as exc:
            return _unreachable(exc)
    finally:
        # The conversation ended before its first event came round (or raised): what is
        # still held gets its default effect now, as if it had never been held.
        held.release()


def _unreachable(exc: Exception) -> int:
    # Feishu/Discord could not be reached or refused: nobody can be told in the chat, so say
    # it here in one line (the message never holds a secret).
    print(f"ima-nano-banana run: the chat could not be reached: {exc}", file=sys.stderr)
    return EXIT_FAILED


async def _converse(
    request: Request,
    access: Access,
    channel: Channel,
    step0: Acknowledgement | None,
    held: _HeldSignals,
) -> int:
    """The answer after Step 0 (``step0`` None: the answer makes and gives its own)."""
    from skill.deliver import pump
    from skill.session import Session

    language = step0.lang if step0 is not None else request.lang
    async with Session.open(access, language=language) as session:
        conversation = session.answer(request, step0=step0, acknowledged=step0 is not None)
        return await pump(
            _release_then(conversation, held),
            channel,
            farewell=conversation.farewell,
            exit_code_of=lambda: conversation.exit_code,
        )
