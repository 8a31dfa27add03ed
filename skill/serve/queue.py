"""The work queue: at most N generations at once in this process, the rest waiting in line.

A platform's callback must be answered at once (Feishu resends after 3 s, Discord wants its
deferred answer within 3 s), so a message is only put in line there; the work is done in the
ticket's own task. A ticket knows its place (1 is next) and says so, so a card can show "you
are number 3 in line": when it joins, each time its place has halved since it last said, and
at every step of the last :data:`TOLD_EVERY_STEP` places. Not at every step: with 200 in line,
each start moves every place, and telling them all made 23 card edits a conversation, more
than the platform takes (bench/bot.py). Two tickets with the same key (one chat and person)
never run at the same time: the second waits for the first, and the others behind may pass
it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger("skill.serve")

__all__ = ["QueueClosed", "Ticket", "WorkQueue"]

Work = Callable[[], Awaitable[None]]
#: ``on_place(place)``: the ticket's place in line changed (1 is next); never called once it
#: runs.
OnPlace = Callable[[int], Awaitable[None]]
#: The last places, each of which is told as it is reached.
TOLD_EVERY_STEP = 3


def worth_telling(told: int | None, place: int) -> bool:
    """Whether a ticket that last said ``told`` says ``place`` (see the module docstring)."""
    if told is None:
        return True
    if place >= told:
        return False
    return place <= TOLD_EVERY_STEP or place <= told // 2


class QueueClosed(RuntimeError):
    """The queue takes no more work (the process is stopping)."""


class Ticket:
    """One piece of work in the queue: waiting (``place`` >= 1), running (0), or done."""

    def __init__(self, key: Hashable, work: Work, on_place: OnPlace | None) -> None:
        self.key = key
        self._work = work
        self._on_place = on_place
        self.place: int | None = None
        self.started = False
        self.finished = False
        self.task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> bool:
        return not self.started and not self.finished

    def cancel(self) -> None:
        """Stop it, waiting or running (its work sees ``CancelledError``)."""
        if self.task is not None:
            self.task.cancel()


class WorkQueue:
    """Runs submitted work, ``limit`` at a time, in the order it came (see the module doc)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a queue runs at least one piece of work at a time")
        self.limit = limit
        self._line: list[Ticket] = []
        self._running: set[Ticket] = set()
        self._busy_keys: set[Hashable] = set()
        self._changed = asyncio.Condition()
        self._closed = False
        #: The most that ever ran at once (a figure the tests and benchmarks read).
        self.peak = 0

    @property
    def waiting(self) -> int:
        return len(self._line)

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def closed(self) -> bool:
        return self._closed

    def has(self, key: Hashable) -> bool:
        """Whether work of ``key`` is waiting or running here."""
        return key in self._busy_keys or any(t.key == key for t in self._line)

    def tickets(self) -> list[Ticket]:
        """Every ticket not yet done: running ones first, then the line in order."""
        return [*self._running, *self._line]

    def submit(self, key: Hashable, work: Work, *, on_place: OnPlace | None = None) -> Ticket:
        """Put ``work`` in line; it runs once a place is free and nothing of ``key`` runs.

        Returns at once (no ``await``): the caller answers its platform right after.
        """
        if self._closed:
            raise QueueClosed("the queue is closed")
        ticket = Ticket(key, work, on_place)
        self._line.append(ticket)
        ticket.task = asyncio.create_task(self._run(ticket))
        return ticket

    def close(self) -> None:
        """Take no more work; what is in line or running goes on unless cancelled."""
        self._closed = True

    async def join(self, timeout_s: float | None = None) -> bool:
        """Wait until everything submitted is done; False if ``timeout_s`` passed first."""
        tasks = {t.task for t in self.tickets() if t.task is not None}
        if not tasks:
            return True
        _, pending = await asyncio.wait(tasks, timeout=timeout_s)
        return not pending

    # --- inside --------------------------------------------------------------------------------
    def _next(self) -> Ticket | None:
        """The ticket that may start now, if any."""
        if len(self._running) >= self.limit:
            return None
        return next((t for t in self._line if t.key not in self._busy_keys), None)

    async def _wait_for_turn(self, ticket: Ticket) -> None:
        told: int | None = None
        while True:
            async with self._changed:
                if self._next() is ticket:
                    self._line.remove(ticket)
                    self._running.add(ticket)
                    self._busy_keys.add(ticket.key)
                    self.peak = max(self.peak, len(self._running))
                    ticket.started = True
                    ticket.place = 0
                    self._changed.notify_all()
                    return
                place = self._line.index(ticket) + 1
                ticket.place = place
                if ticket._on_place is None or not worth_telling(told, place):
                    await self._changed.wait()
                    continue
            told = place
            try:
                # Outside the lock: telling the person is a network call of the platform's.
                await ticket._on_place(place)
            except Exception:
                log.warning("could not show a place in line", exc_info=True)

    async def _run(self, ticket: Ticket) -> None:
        try:
            await self._wait_for_turn(ticket)
            await ticket._work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("a queued piece of work failed")
        finally:
            ticket.finished = True
            ticket.place = None
            async with self._changed:
                if ticket in self._line:
                    self._line.remove(ticket)
                if ticket in self._running:
                    self._running.discard(ticket)
                    self._busy_keys.discard(ticket.key)
                self._changed.notify_all()
