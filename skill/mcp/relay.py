"""A conversation relayed to an MCP client while it runs: progress notifications, then what
it ended with.

The acknowledgement and the start notice go first, then each progress message at the card's
cadence, each as a ``notifications/progress`` whose ``message`` is the text the person reads
and whose ``progress`` only ever grows (0 to 100 of ``total`` 100), as the MCP spec asks. They
go only to a client that sent a progress token (the SDK sends nothing otherwise). The picture
or the failure is the tool's result, not a notification.

When the client cancels the call, the wait stops there: the task goes on at IMA and stays in
the journal, the chat remembers it, and ``get_last_image`` fetches it later. Nothing is ever
created again for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from skill.events import Reply
from skill.flow.message import Conversation
from skill.job import Job

log = logging.getLogger("skill.mcp")

__all__ = ["Ending", "Reporter", "relay"]

#: Progress is counted out of this (the spec's ``total``): a percentage.
TOTAL = 100.0
#: Where the acknowledgement and the start notice sit on it: before any real progress.
ACK_AT = 0.0
START_AT = 1.0
#: Each notification counts at least this much higher than the one before (a progress value
#: must grow, and past the estimate the card repeats its 95 %) ...
MIN_STEP = 0.5
#: ... and none reaches the end before the picture is there.
CEILING = 99.0

#: ``send(progress, total, message)``: the SDK's ``Context.report_progress``.
ProgressSend = Callable[[float, float | None, str | None], Awaitable[None]]


class Reporter:
    """Progress notifications with values that only grow; a send that fails (the client
    went away) stops the notifications, never the conversation."""

    def __init__(self, send: ProgressSend | None) -> None:
        self._send = send
        self._last: float | None = None
        #: How many notifications were handed to the SDK (which sends them only to a client
        #: that asked for progress with a token).
        self.sent = 0

    async def tell(self, at: float, text: str | None) -> None:
        """Report ``text`` at ``at`` percent (raised above the previous value if needed)."""
        if self._send is None:
            return
        value = at if self._last is None else max(at, self._last + MIN_STEP)
        value = min(value, CEILING)
        if self._last is not None and value <= self._last:
            return  # at the ceiling already: nothing left to count up to
        self._last = value
        try:
            await self._send(value, TOTAL, text)
        except anyio.get_cancelled_exc_class():
            raise
        except Exception as exc:
            log.info("progress notifications stopped: %s", type(exc).__name__)
            self._send = None
            return
        self.sent += 1


@dataclass
class Ending:
    """What a relayed conversation ended with."""

    #: Every ``success`` (one a picture), in the order they came.
    successes: list[Reply] = field(default_factory=list)
    #: The ``failure``, if it ended with one.
    failure: Reply | None = None
    #: Every event with a text, in order (for an answer that made no picture).
    said: list[Reply] = field(default_factory=list)
    job: Job | None = None


async def relay(
    conversation: Conversation,
    reporter: Reporter,
    *,
    keep: Callable[[Job | None], Awaitable[None]],
) -> Ending:
    """Take every event of ``conversation``, reporting progress as it goes; ``keep(job)`` is
    called once it ends, however it ends (a cancelled call included, shielded from the
    cancellation), so the chat remembers its job."""
    ending = Ending()
    try:
        async for reply in conversation:
            if reply.text:
                ending.said.append(reply)
            match reply.event:
                case "ack":
                    await reporter.tell(ACK_AT, reply.text)
                case "start":
                    await reporter.tell(START_AT, reply.text)
                case "progress":
                    await reporter.tell(float(reply.percent or 0), reply.text)
                case "success":
                    ending.successes.append(reply)
                case "failure":
                    ending.failure = reply
                case "done":
                    pass
    finally:
        ending.job = conversation.job
        with anyio.CancelScope(shield=True):
            await keep(ending.job)
    return ending
