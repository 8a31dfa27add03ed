"""``answer(request)``: one chat message, answered. The entry every front door calls.

A message is usually a new picture (a :class:`~skill.job.Job` followed by
:func:`~skill.flow.follow`), but not always: a follow-up ("好的", "再来一张", "上一张图呢")
works on the chat's last job, and some messages need only a short answer. Whatever it is,
the answer is a :class:`Conversation`: events to send in order (ack first, done last), an
exit code once they are all out, and the last words if the process is stopped midway.

``run``, ``skill.generate``, the demo, the MCP server and the bots all go through
:func:`answer`, so a new kind of message is taught here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from skill.events import Reply
from skill.exits import EXIT_OK
from skill.flow.ack import Acknowledgement, Request, acknowledge
from skill.flow.steps import Options, Services, follow
from skill.job import Job, JobRequest
from skill.store.files import FileStore

__all__ = ["Conversation", "Said", "answer", "job_for", "options_for"]


class Conversation(Protocol):
    """What answering one message gives: its events, then how it ended."""

    def __aiter__(self) -> AsyncIterator[Reply]: ...

    async def __anext__(self) -> Reply: ...

    @property
    def exit_code(self) -> int:
        """The exit code, once every event was taken (docs/contracts.md)."""
        ...

    @property
    def job(self) -> Job | None:
        """The job the message made or worked on, if any (its task ids, result, offers)."""
        ...

    def farewell(self) -> Reply:
        """The ``failure`` to send when the process is stopped before the outcome was said."""
        ...


class Said:
    """A conversation of fixed events (an answer that needs no job), then its exit code."""

    def __init__(
        self, replies: Sequence[Reply], *, exit_code: int = EXIT_OK, job: Job | None = None
    ) -> None:
        self._replies = list(replies)
        self._exit_code = exit_code
        self._job = job

    def __aiter__(self) -> Said:
        return self

    async def __anext__(self) -> Reply:
        if not self._replies:
            raise StopAsyncIteration
        return self._replies.pop(0)

    @property
    def exit_code(self) -> int:
        return self._exit_code

    @property
    def job(self) -> Job | None:
        return self._job

    def farewell(self) -> Reply:
        failures = [r for r in self._replies if r.event == "failure"]
        return failures[0] if failures else Reply("done")


def job_for(request: Request, step0: Acknowledgement) -> Job:
    """The new job of one chat message, once Step 0 has read it."""
    return Job(
        request=JobRequest.from_intent(
            step0.intent,
            language=step0.lang,
            user_id=request.user_id,
            chat_id=request.chat_id,
        )
    )


def options_for(request: Request) -> Options:
    """The run options of a message's :class:`~skill.flow.ack.Request`."""
    return Options(
        timeout_s=request.timeout_s,
        poll_interval_s=request.poll_interval_s,
        out_dir=request.out_dir,
    )


def answer(
    request: Request,
    services: Services,
    *,
    step0: Acknowledgement | None = None,
    acknowledged: bool = False,
    scale: float = 1.0,
) -> Conversation:
    """The answer to one chat message (``request``): its events, then its exit code.

    ``step0`` is the acknowledgement already made for it (:func:`skill.flow.ack.acknowledge`:
    ``run`` makes and prints it before the IMA client is imported); ``acknowledged`` says it
    was given already, so it is not given twice. ``scale`` is the clock's speed-up.
    """
    if step0 is None:
        store = services.store
        prefs = store.prefs if isinstance(store, FileStore) else None
        step0 = acknowledge(request, prefs=lambda: prefs, renderer=services.renderer)
    options = options_for(request)
    if scale != 1.0:
        options = Options(
            timeout_s=options.timeout_s,
            poll_interval_s=options.poll_interval_s,
            out_dir=options.out_dir,
            scale=scale,
        )
    return follow(
        job_for(request, step0),
        services,
        options,
        ack=step0.message,
        acknowledged=acknowledged,
    )
