"""SIGINT and SIGTERM during ``run`` or ``resume``: a clear last message, exit 130.

The replies are pumped to the channel in a task; a signal cancels that task. Cancellation
lands at an ``await`` (a poll, a sleep, a send), never inside a journal write, which is
synchronous and atomic, so the task the run created stays ``pending`` in the journal for
``resume``. The person then gets one ``failure`` in their language (the picture may still
arrive, and how to get it) and ``done``, flushed, within :data:`FAREWELL_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterable, Callable, Iterator

from skill.channels.base import Channel
from skill.cli import EXIT_INTERRUPTED
from skill.events import Reply
from skill.flow.deliver import exit_code
from skill.flow.driver import Conversation
from skill.flow.resume import interrupted_reply
from skill.flow.states import State
from skill.intent import parse
from skill.render import lang_of

log = logging.getLogger("skill.flow.interrupt")

#: The signals that end a run with the interrupted message.
SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)
#: At most this long (real seconds) to send the last message after a signal: a channel that
#: hangs (a chat webhook) must not keep a stopped process alive.
FAREWELL_TIMEOUT_S = 2.0


@contextlib.contextmanager
def signals_cancel(task: asyncio.Task[object], fired: list[int]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM cancel ``task`` (once) and are recorded in ``fired``.

    A signal that comes after ``task`` finished is recorded but changes nothing. Where the
    loop cannot take signal handlers (Windows, a thread), nothing is installed and Ctrl-C
    keeps its default behaviour (KeyboardInterrupt, exit 130 in :mod:`skill.cli`).
    """
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        first = not fired
        fired.append(signum)
        if first and not task.done():
            log.warning("signal %d: stopping", signum)
            task.cancel()

    installed: list[signal.Signals] = []
    for sig in SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, int(sig))
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


class _Progress:
    """What has been sent so far: the language spoken and whether the outcome was given."""

    def __init__(self) -> None:
        self.lang: str | None = None
        self.outcome_sent = False
        self.done_sent = False

    def saw(self, reply: Reply) -> None:
        if reply.lang and self.lang is None:
            self.lang = reply.lang
        if reply.event in ("success", "failure"):
            self.outcome_sent = True
        if reply.event == "done":
            self.done_sent = True


async def _pump(source: AsyncIterable[Reply], channel: Channel, seen: _Progress) -> None:
    iterator = aiter(source)
    try:
        async for reply in iterator:
            await channel.send(reply)
            seen.saw(reply)
    finally:
        # Cancelled while the generator sat at a ``yield`` (during a send): close it now.
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def pump_interruptibly(
    source: AsyncIterable[Reply],
    channel: Channel,
    *,
    farewell: Callable[[str | None], Reply],
    exit_code_of: Callable[[], int],
) -> int:
    """Send every reply of ``source`` through ``channel`` and close it; the exit code.

    On SIGINT or SIGTERM: stop, send ``farewell(lang)`` (unless an outcome was already sent)
    and ``done``, close the channel, and return 130. ``lang`` is the language of the replies
    so far (the ack carries it), ``None`` before the first one.
    """
    seen = _Progress()
    fired: list[int] = []
    pump = asyncio.create_task(_pump(source, channel, seen))
    try:
        with signals_cancel(pump, fired):
            try:
                await pump
            except asyncio.CancelledError:
                if not fired:
                    raise  # cancelled from outside: not ours to turn into a message
            if not fired or not pump.cancelled():
                return exit_code_of()
            last: list[Reply] = []
            if not seen.outcome_sent:
                last.append(farewell(seen.lang))
            if not seen.done_sent:
                last.append(Reply("done"))
            try:
                await asyncio.wait_for(_send_all(channel, last), FAREWELL_TIMEOUT_S)
            except (asyncio.TimeoutError, OSError):
                log.warning("could not send the interrupted message", exc_info=True)
            return EXIT_INTERRUPTED
    finally:
        await channel.aclose()


async def _send_all(channel: Channel, replies: list[Reply]) -> None:
    for reply in replies:
        await channel.send(reply)


async def deliver_interruptibly(conversation: Conversation, channel: Channel) -> int:
    """:func:`skill.flow.deliver.deliver`, plus SIGINT/SIGTERM handling (exit 130): the drop-in
    for ``run``."""
    outcome = conversation.outcome

    def farewell(lang: str | None) -> Reply:
        request = conversation.request
        # Before the ack (which carries the language) the message itself decides, as it will.
        spoken = lang or (
            request.lang
            if request.lang in ("zh", "en")
            else parse(request.text, request.images).language
        )
        creating = outcome.states[-1] == State.CREATING
        return interrupted_reply(outcome.task_id, creating, lang_of(spoken))

    return await pump_interruptibly(
        conversation, channel, farewell=farewell, exit_code_of=lambda: exit_code(outcome)
    )
