"""Time, injected.

Everything that waits or measures time takes a :class:`Clock`, so the whole conversation,
a 120-second Nano Banana Pro job included, runs in a test in milliseconds of real time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """A source of monotonic seconds and a way to wait."""

    def now(self) -> float:
        """Monotonic seconds, in this clock's own time."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class RealClock:
    """Wall time, optionally sped up.

    ``scale`` > 1 makes simulated seconds pass faster than real ones: with ``scale=20`` a
    40-second wait takes two real seconds. Only the simulator's world runs sped up (see
    :func:`skill.settings.time_scale`); against the real service the scale is always 1.
    """

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.scale)


class FakeClock:
    """A clock that moves only when slept on: for tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += max(0.0, seconds)
        await asyncio.sleep(0)
