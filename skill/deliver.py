"""Sending a followed job's events to a channel, with SIGINT and SIGTERM handled (exit 130).

The events are pumped to the channel in a task; a signal cancels that task. Cancellation lands
at an ``await`` (a poll, a sleep, a send), never inside a journal write, which is synchronous
and atomic, so the task a run created stays ``pending`` in the journal to be fetched later.
The person then gets one ``failure`` in their language (the picture may still arrive, and how
to get it) and ``done``, flushed, within :data:`FAREWELL_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterable, Callable, Iterator

from skill.channels.base import Channel
from skill.events import Reply
from skill.exits import EXIT_INTERRUPTED
from skill.flow.message import Conversation

log = logging.getLogger("skill.deliver")

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


class _Sent:
    """What has been sent so far: whether the outcome and ``done`` were given."""

    def __init__(self) -> None:
        self.outcome = False
        self.done = False

    def saw(self, reply: Reply) -> None:
        if reply.event in ("success", "failure"):
            self.outcome = True
        if reply.event == "done":
            self.done = True


async def _pump(source: AsyncIterable[Reply], channel: Channel, sent: _Sent) -> None:
    iterator = aiter(source)
    try:
        async for reply in iterator:
            await channel.send(reply)
            sent.saw(reply)
    finally:
        # Cancelled while the generator sat at a ``yield`` (during a send): close it now.
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def pump(
    source: AsyncIterable[Reply],
    channel: Channel,
    *,
    farewell: Callable[[], Reply],
    exit_code_of: Callable[[], int],
) -> int:
    """Send every event of ``source`` through ``channel`` and close it; the exit code.

    On SIGINT or SIGTERM: stop, send ``farewell()`` (unless an outcome was already sent) and
    ``done``, close the channel, and return 130.
    """
    sent = _Sent()
    fired: list[int] = []
    task = asyncio.create_task(_pump(source, channel, sent))
    try:
        with signals_cancel(task, fired):
            try:
                await task
            except asyncio.CancelledError:
                if not fired:
                    raise  # cancelled from outside: not ours to turn into a message
            if not fired or not task.cancelled():
                return exit_code_of()
            last: list[Reply] = []
            if not sent.outcome:
                last.append(farewell())
            if not sent.done:
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


async def deliver(conversation: Conversation, channel: Channel) -> int:
    """Every event of ``conversation`` through ``channel``; its exit code (130 when stopped)."""
    return await pump(
        conversation,
        channel,
        farewell=conversation.farewell,
        exit_code_of=lambda: conversation.exit_code,
    )
