"""A bot: chat messages in, conversations out, on any platform, with any number of replicas.

:class:`Bot` is what the Feishu and Discord front doors share. The platform hands it each
message with the sink that shows the answer (:mod:`skill.serve.sink`); :meth:`Bot.receive`
returns at once, so the platform's callback is answered within a second, and the work goes on
in the :class:`~skill.serve.queue.WorkQueue`:

1. a redelivered event is recognised (every id of :attr:`Incoming.dedup`, through
   :meth:`Store.first_time`, shared by every replica on one store) and dropped;
2. the message waits for its place (N at once; the sink is told its place in line), then for
   the claim of its chat and person (:meth:`Store.hold`: one generation at a time for them,
   across replicas);
3. it is answered by :meth:`Session.answer`, its events sent to the sink, a new job checked
   against the daily budget before its create (:mod:`skill.serve.budget`);
4. where the sink shows the conversation is kept in the store while the job runs, so that a
   replica that stopped (SIGTERM: :meth:`Bot.stop`) or died leaves its job to another, which
   takes it up (:meth:`Bot.take_up`) and finishes it without a second create.

The store out of reach: the person is told plainly that the service is busy, nothing is
created, and the bot goes on with the next message.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
from collections.abc import AsyncIterator, Coroutine, Hashable
from typing import Any, Protocol

from skill.events import Reply
from skill.flow.ack import Request
from skill.intent import parse
from skill.job import PENDING, Job
from skill.reasons import Reason
from skill.render import Failure, Queued, lang_of
from skill.serve.budget import Budget, Reservation
from skill.serve.config import CLAIM_RETRY_S, NOTE_TTL_S, ServeConfig
from skill.serve.queue import QueueClosed, Ticket, WorkQueue
from skill.serve.sink import FollowsJob, Incoming, ResumeSink, Sink
from skill.session import Session
from skill.store import Lease, Store, StoreUnavailable

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10
    from skill.reasons import StrEnum

log = logging.getLogger("skill.serve")

__all__ = ["Bot", "Receipt"]

#: The note's field that says whether the conversation is still going.
STATE = "state"
RUNNING = "running"
ENDED = "ended"
#: A write or a message during the hand-off waits at most this long (seconds): a platform or
#: store that hangs must not keep a stopping process alive.
HAND_OFF_STEP_S = 2.0


class Receipt(StrEnum):
    """What :meth:`Bot.receive` did with a message (the platform answers its callback)."""

    #: Taken: the answer follows in the sink.
    ACCEPTED = "accepted"
    #: Seen before (a redelivery): nothing is done, the sink is closed unused.
    DUPLICATE = "duplicate"
    #: The store is out of reach: the sink is told the service is busy; nothing is created.
    BUSY = "busy"
    #: The bot is stopping: nothing is done (a platform may ask to be sent it again).
    CLOSED = "closed"


class _Followed(Protocol):
    """A conversation or a resumed job: events, and the job as it stands."""

    def __aiter__(self) -> AsyncIterator[Reply]: ...

    @property
    def job(self) -> Job | None: ...


class _Shown:
    """What one conversation has shown so far."""

    def __init__(self) -> None:
        self.outcome = False
        self.done = False
        self.noted: str | None = None


class Bot:
    """See the module docstring. ``namespace`` (the platform's name) keeps its seen events,
    notes and budgets apart from another bot's on the same store."""

    def __init__(
        self,
        session: Session,
        *,
        namespace: str,
        config: ServeConfig | None = None,
        resume_sink: ResumeSink | None = None,
    ) -> None:
        self.session = session
        self.namespace = namespace
        self.config = config or ServeConfig()
        self.resume_sink = resume_sink
        self.queue = WorkQueue(self.config.concurrency)
        self.budget = (
            Budget(
                session.store,
                namespace=namespace,
                per_user=self.config.budget_user_credits,
                per_chat=self.config.budget_chat_credits,
            )
            if self.config.has_budget
            else None
        )
        self._sinks: dict[Ticket, tuple[Incoming, Sink]] = {}
        self._taking: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._take_up_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._started = False

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def ready(self) -> bool:
        """Started and not stopping: what ``GET /healthz`` says."""
        return self._started and not self._stopping

    async def start(self) -> None:
        """Begin: take up, now and every few seconds, the jobs other replicas left."""
        self._started = True
        if self.resume_sink is not None and self._take_up_task is None:
            self._take_up_task = asyncio.create_task(self._take_up_forever())

    # --- messages in ---------------------------------------------------------------------------
    async def receive(self, message: Incoming, sink: Sink) -> Receipt:
        """Take one message: recognise a redelivery, else put it in line. Returns at once
        (one round trip to the store); the answer follows in ``sink``."""
        if self._stopping or self.queue.closed:
            self._spawn(sink.aclose())
            return Receipt.CLOSED
        try:
            fresh = await self._first_time(message.dedup)
        except StoreUnavailable:
            log.warning("the store is unavailable: a message is answered busy")
            self._spawn(self._tell_busy(message, sink))
            return Receipt.BUSY
        if not fresh:
            log.info("a redelivered message was dropped")
            self._spawn(sink.aclose())
            return Receipt.DUPLICATE
        lang = self._lang(message)

        async def on_place(place: int) -> None:
            await sink.queued(self.session.renderer.render(Queued(place), lang), place)

        try:
            ticket = self.queue.submit(
                (message.chat_id, message.user_id),
                lambda: self._converse(message, sink),
                on_place=on_place,
            )
        except QueueClosed:
            self._spawn(sink.aclose())
            return Receipt.CLOSED
        self._sinks[ticket] = (message, sink)
        if ticket.task is not None:
            ticket.task.add_done_callback(lambda _: self._sinks.pop(ticket, None))
        return Receipt.ACCEPTED

    async def _first_time(self, keys: tuple[str, ...]) -> bool:
        """Whether every id is new, asked in order and no further than the first seen one.

        Stopping there is what makes it safe across replicas: of those that saw a message
        under the same ids, the one that marks the last id first marked every one before it,
        and takes the message; a replica that marked an id it then lost is never the only
        one.
        """
        for key in keys:
            if not await self.store.first_time(
                f"{self.namespace}:seen:{key}", self.config.dedup_ttl_s
            ):
                return False
        return True

    async def _converse(self, message: Incoming, sink: Sink) -> None:
        request = Request(
            message.text,
            images=message.images,
            user_id=message.user_id,
            chat_id=message.chat_id,
            lang=message.lang,
            model_id=message.model_id,
            size=message.size,
            aspect_ratio=message.aspect_ratio,
        )
        reservation: Reservation | None = self.budget.reservation() if self.budget else None
        conversation = None
        lease: Lease | None = None
        shown = _Shown()
        try:
            try:
                # A new picture waits its turn behind theirs that is being made; a follow-up
                # ("好的" sent twice) does not: it is answered now, "still working on it".
                waits = parse(message.text, message.images).followup is None
                lease = await self._claim(message.chat_id, message.user_id, wait=waits)
            except StoreUnavailable:
                await self._say_busy(message, sink)
                return
            # Held by another generation of theirs: the answer says "still working on it" to
            # whatever would start one ("好的" twice), and answers the rest ("算了") as usual.
            conversation = self.session.answer(
                request, admit=reservation, claimed=lease is not None
            )
            await self._show(conversation, sink, shown)
        except asyncio.CancelledError:
            await self._hand_off(conversation, message, sink, shown)
            raise
        finally:
            if reservation is not None:
                await reservation.settle(conversation.job if conversation else None)
            if lease is not None:
                await lease.release()
            with contextlib.suppress(Exception):
                await sink.aclose()

    async def _claim(self, chat_id: str, user_id: str, *, wait: bool = True) -> Lease | None:
        """The claim of this chat and person, waiting (with ``wait``) while another
        generation of theirs holds it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.claim_wait_s if wait else 0.0)
        while True:
            lease = await self.store.hold(chat_id, user_id)
            if lease is not None or loop.time() >= deadline:
                return lease
            await asyncio.sleep(CLAIM_RETRY_S)

    async def _show(self, followed: _Followed, sink: Sink, shown: _Shown) -> None:
        """Send every event to the sink, keeping where it is shown while its job runs."""
        async for reply in followed:
            if isinstance(sink, FollowsJob) and followed.job is not None:
                sink.follows(followed.job)
            await sink.send(reply)
            if reply.event in ("success", "failure"):
                shown.outcome = True
            shown.done = reply.event == "done"
            job = followed.job
            if job is not None and job.started and job.job_id and job.job_id != shown.noted:
                await self._note(job.job_id, sink, RUNNING)
                shown.noted = job.job_id
        if shown.noted is not None:
            await self._note(shown.noted, sink, ENDED)

    async def _note(self, job_id: str, sink: Sink, state: str) -> None:
        note = {**sink.where(), STATE: state}
        try:
            await self.store.put_note(self._note_key(job_id), note, NOTE_TTL_S)
        except OSError:
            log.warning("could not keep where job %s is shown", job_id)

    def _note_key(self, job_id: str) -> str:
        return f"{self.namespace}:shown:{job_id}"

    # --- busy, and stopping ------------------------------------------------------------------
    def _lang(self, message: Incoming) -> str:
        if message.lang in ("zh", "en"):
            return message.lang
        from skill.intent import parse  # pure and cheap; the message's own language

        return lang_of(parse(message.text).language)

    async def _say_busy(self, message: Incoming, sink: Sink) -> None:
        text = self.session.renderer.render(
            Failure(Reason.SERVICE_BUSY, not_started=True), self._lang(message)
        )
        await sink.send(Reply("failure", text=text, reason=Reason.SERVICE_BUSY))
        await sink.send(Reply("done"))

    async def _tell_busy(self, message: Incoming, sink: Sink) -> None:
        try:
            await self._say_busy(message, sink)
        finally:
            await sink.aclose()

    async def _hand_off(
        self, conversation: _Followed | None, message: Incoming, sink: Sink, shown: _Shown
    ) -> None:
        """Stopped midway: a created job is left in the journal for another replica (where it
        is shown noted as running); a message with nothing created yet is answered busy."""
        job = conversation.job if conversation is not None else None
        try:
            if job is not None and job.started and job.job_id:
                if shown.noted != job.job_id:
                    await asyncio.wait_for(self._note(job.job_id, sink, RUNNING), HAND_OFF_STEP_S)
                log.info("job %s handed over to the journal", job.job_id)
            elif not shown.outcome:
                await asyncio.wait_for(self._say_busy(message, sink), HAND_OFF_STEP_S)
        except Exception:  # a platform or store failing now must not stop the others' hand-off
            log.warning("could not finish the hand-off of a message", exc_info=True)

    async def stop(self) -> None:
        """SIGTERM: take no more messages; hand what runs to the journal; tell those still in
        line that the service is busy. Returns within :attr:`ServeConfig.stop_s`."""
        self._stopping = True
        self.queue.close()
        if self._take_up_task is not None:
            self._take_up_task.cancel()
        for ticket in self.queue.tickets():
            waiting = ticket.waiting
            ticket.cancel()
            pair = self._sinks.get(ticket)
            if waiting and pair is not None:
                self._spawn(self._tell_busy(*pair))
        tasks: set[asyncio.Task[None]] = {t.task for t in self._sinks if t.task is not None}
        tasks |= self._background
        if self._take_up_task is not None:
            tasks.add(self._take_up_task)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.config.stop_s)
            if late:
                log.warning("%d tasks did not end in time", len(late))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- jobs another replica left -------------------------------------------------------------
    async def _take_up_forever(self) -> None:
        while not self._stopping:
            try:
                await self.take_up()
            except OSError:
                log.warning("could not look for jobs left by other replicas")
            await asyncio.sleep(self.config.take_up_interval_s)

    async def take_up(self) -> int:
        """One look for jobs of this bot that a replica left running (its note says so and
        nobody holds its chat's claim): each is put in line to be resumed. How many."""
        if self.resume_sink is None or self._stopping:
            return 0
        taken = 0
        for job in await self.store.pending():
            job_id = job.job_id
            key: Hashable = (job.request.chat_id, job.request.user_id)
            if not job_id or not job.started or job_id in self._taking or self.queue.has(key):
                continue
            note = await self.store.note(self._note_key(job_id))
            if note is None or note.get(STATE) != RUNNING:
                continue
            self._taking.add(job_id)
            try:
                self.queue.submit(key, functools.partial(self._resume, job_id))
            except QueueClosed:
                self._taking.discard(job_id)
                break
            taken += 1
        return taken

    async def _resume(self, job_id: str) -> None:
        sink: Sink | None = None
        lease: Lease | None = None
        try:
            job = await self.store.job(job_id)
            if job is None:
                return
            lease = await self.store.hold(job.request.chat_id, job.request.user_id)
            if lease is None:
                return  # its replica still runs it, or another took it: looked at again later
            # Read again under the claim: it may have ended just before.
            job = await self.store.job(job_id)
            note = await self.store.note(self._note_key(job_id))
            if job is None or job.status != PENDING or note is None or note.get(STATE) != RUNNING:
                return
            if self.resume_sink is None:
                return
            sink = await self.resume_sink(job, note)
            if sink is None:
                log.warning("job %s cannot be shown any more; left in the journal", job_id)
                return
            log.info("taking up job %s left by another replica", job_id)
            shown = _Shown()
            shown.noted = job_id
            await self._note(job_id, sink, RUNNING)
            await self._show(self.session.follow(job, resume=True), sink, shown)
        except StoreUnavailable:
            log.warning("the store is unavailable: job %s is taken up later", job_id)
        finally:
            self._taking.discard(job_id)
            if lease is not None:
                await lease.release()
            if sink is not None:
                with contextlib.suppress(Exception):
                    await sink.aclose()
