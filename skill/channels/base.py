"""The one interface every channel implements."""

from __future__ import annotations

from typing import Protocol

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
