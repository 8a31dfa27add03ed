"""The one interface every channel implements."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from skill.events import Reply


class Channel(Protocol):
    """Delivers the conversation's replies, in order, each once.

    ``send`` is called for every event (``ack``, ``start``, ``progress``..., ``success`` or
    ``failure``, ``done``). A channel may drop a ``progress`` it cannot deliver (rate limits),
    but must never fail the job because of it; it raises only when the person cannot be told
    the outcome at all.
    """

    async def send(self, reply: Reply) -> None:
        """Deliver one reply."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once, after ``done``."""
        ...


class StreamChannel:
    """A channel that writes to a text stream: stdout unless another is given.

    Subclasses say how a reply is written (:meth:`write`, usable without an event loop: ``run``
    gives its first reply that way, before asyncio is even imported).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._given = stream

    @property
    def _stream(self) -> TextIO:
        # Looked up at each write, not at construction: ``run`` opens the channel before
        # protect_process() wraps sys.stdout in the key-redacting stream.
        return self._given if self._given is not None else sys.stdout

    def write(self, reply: Reply) -> None:
        """Write one reply, flushed."""
        raise NotImplementedError

    async def send(self, reply: Reply) -> None:
        """:meth:`write`."""
        self.write(reply)

    async def aclose(self) -> None:
        """Nothing to release: the stream belongs to the caller."""
