"""One status message, edited in place: what it shows, and how often it may change.

Feishu and Discord both show the conversation as a single message (a card, a webhook post)
that is created with the acknowledgement and then edited. :class:`Board` keeps the texts that
message shows; :class:`EditThrottle` decides when an edit is made: only when the text changed,
never more often than the platform's limit allows, with the newest text winning when several
arrive close together. Every text comes from the replies (the templates); none is made here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from skill.channels._http import ChannelError
from skill.clock import Clock
from skill.events import Reply


@dataclass
class Board:
    """The texts of the status message so far."""

    ack: str | None = None
    start: str | None = None
    progress: str | None = None
    outcome: str | None = None

    def apply(self, reply: Reply) -> None:
        """Take in one reply (``done`` and empty texts change nothing)."""
        text = reply.text or None
        match reply.event:
            case "ack":
                self.ack = text
            case "start":
                self.start = text
            case "progress":
                self.progress = text
            case "success" | "failure" | "summary":
                # Several pictures: each arrives as its own message; the card ends on the
                # summary.
                self.outcome = text
            case "done":
                pass

    def parts(self) -> list[str]:
        """The paragraphs to show: the acknowledgement, then either the outcome, or the start
        notice with the latest progress under it."""
        shown = [self.outcome] if self.outcome else [self.start, self.progress]
        return [p for p in (self.ack, *shown) if p]

    def text(self) -> str:
        return "\n\n".join(self.parts())


log = logging.getLogger("skill.channels")

Edit = Callable[[str], Awaitable[None]]


class EditThrottle:
    """Edits the message at most once every ``min_interval_s``, and only with new text.

    ``update`` (start and progress) edits at once when allowed; otherwise it keeps the text and
    schedules one deferred edit for when the interval has passed, so a burst collapses into
    its newest text. ``final`` (the outcome) cancels anything deferred and edits right away:
    the outcome is never held back. A progress edit that fails (:class:`ChannelError`) is
    logged and dropped; a failed final edit is raised.
    """

    def __init__(self, edit: Edit, *, clock: Clock, min_interval_s: float) -> None:
        self._edit = edit
        self._clock = clock
        self._min_interval_s = min_interval_s
        self._shown: str | None = None
        self._last_edit_at: float | None = None
        self._pending: str | None = None
        self._flush: asyncio.Task[None] | None = None
        self._sleeping = False
        #: Edits made, and progress edits that failed and were dropped.
        self.edits = 0
        self.dropped = 0

    def created(self, text: str) -> None:
        """The message was just created showing ``text``: that counts as an edit."""
        self._shown = text
        self._last_edit_at = self._clock.now()

    async def update(self, text: str) -> None:
        if text == self._shown:
            self._pending = None
            return
        wait = self._wait_s()
        if wait <= 0 and self._flush is None:
            await self._apply_progress(text)
            return
        self._pending = text
        if self._flush is None:
            self._sleeping = True  # cancellable until its sleep is over
            self._flush = asyncio.create_task(self._deferred())

    async def final(self, text: str) -> None:
        """Show the outcome now (no edit when the message already shows exactly it)."""
        if text == self._shown:
            await self._cancel_flush()
            self._pending = None
            return
        await self.final_with(text, lambda: self._edit(text))

    async def final_with(self, text: str, edit: Callable[[], Awaitable[None]]) -> None:
        """Show the outcome now with a special edit (one that also attaches the picture)."""
        await self._cancel_flush()
        self._pending = None
        self._last_edit_at = self._clock.now()
        self._shown = text
        self.edits += 1
        await edit()

    async def aclose(self) -> None:
        await self._cancel_flush()

    def _wait_s(self) -> float:
        if self._last_edit_at is None:
            return 0.0
        return self._last_edit_at + self._min_interval_s - self._clock.now()

    async def _apply(self, text: str) -> None:
        self._last_edit_at = self._clock.now()
        self._shown = text
        self.edits += 1
        await self._edit(text)

    async def _apply_progress(self, text: str) -> None:
        try:
            await self._apply(text)
        except ChannelError as exc:
            # Never fail the job over progress; the next edit or the outcome shows newer text.
            self._shown = None
            self.dropped += 1
            log.warning("progress edit dropped: %s", exc)

    async def _deferred(self) -> None:
        try:
            while True:
                self._sleeping = True
                # Measured when the wait begins, from the last edit: never early.
                await self._clock.sleep(max(0.0, self._wait_s()))
                # From here on the edit is not cancelled: an edit already on the wire must land
                # before the outcome's edit, or the older text could overwrite the outcome.
                self._sleeping = False
                text, self._pending = self._pending, None
                if text is not None and text != self._shown:
                    await self._apply_progress(text)
                if self._pending is None:
                    return
        finally:
            self._flush = None

    async def _cancel_flush(self) -> None:
        task = self._flush
        self._pending = None  # a task finishing an edit must not start another one
        if task is None:
            return
        if self._sleeping:
            task.cancel()
        # asyncio.wait, not `await task`: our own cancellation (Ctrl-C) must still propagate,
        # while the task's cancellation, which we asked for, must not.
        await asyncio.wait({task})
        self._flush = None
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
