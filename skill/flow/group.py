"""Several pictures for one message ("画三张猫", "give me 4 versions"): one task each.

A :class:`GroupFollow` is a :class:`~skill.flow.steps.Follow` whose job asks for ``count``
pictures. It goes through the same steps with these differences:

* the start notice comes once, before anything is created, with the total credits;
* then one create per picture, each written in the journal before it is sent; a create that
  fails stops the ones after it (too few points, a lost answer: they would fare no better);
  if the very first one fails, the job fails as a single picture would (one ``failure``);
* the tasks are polled at once, each by the one poll loop (:func:`skill.flow.watch.watch`);
  progress is told for the group, and each picture is delivered as it arrives: one
  ``success`` (or ``failure``) a picture, with its ``index`` and the ``count``;
* one ``summary`` closes it, then ``done``. Exit code 0 when every picture was made, else
  the first failure's.

:func:`follow` picks the follower a job needs; every front door comes through it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from skill import catalog
from skill.events import Reply
from skill.flow.cadence import ProgressPoint
from skill.flow.states import State
from skill.flow.steps import Follow, Options, Services
from skill.flow.watch import watch
from skill.ima import ImaError, Plan, TaskFailed, TaskSnapshot, schedule_for
from skill.job import DELIVERED, FAILED, Job, utc_stamp
from skill.reasons import Reason
from skill.render import Ack, Failure, Progress, ResumeFound, Start, Success, Summary

log = logging.getLogger("skill.flow")

__all__ = ["GroupFollow", "follow"]


@dataclass(frozen=True)
class _Ended:
    """One picture's watch ended without a picture."""

    error: BaseException


class _Finished:
    """One picture's watch is over (after its picture or its failure)."""


_FINISHED = _Finished()


class GroupFollow(Follow):
    """A job of several pictures followed to its end (see the module docstring)."""

    # Its own state, beside Follow's (the constructor is Follow's: these start as below).
    #: Pictures that arrived so far.
    _made: int = 0
    #: Why the first picture that failed did (the one the outcome gives).
    _failed_reason: Reason | None = None
    #: A picture ended without arriving but may still come (our deadline, the network).
    _may_arrive: bool = False

    @property
    def count(self) -> int:
        return max(self.job.request.count, len(self.job.task_ids), 1)

    # --- a new group ----------------------------------------------------------------------------
    async def _new(self) -> AsyncIterator[Reply]:
        plan, notices, urls = await self._prepare()
        request = self.job.request
        count = request.count
        info = catalog.model_info(plan.model_id)
        self._move(State.CREATING)
        # Written down before the first create leaves (and before the total is promised).
        self.job = self.job.model_copy(update={"created_at": utc_stamp()})
        await self._record_first()
        self._move(State.STARTED)
        # The total is said before anything is created: the person knows what it costs.
        start = Start(
            model_name=plan.model_name,
            eta_s=info.eta_s,
            credits=plan.credit,
            size=plan.size,
            notices=tuple(notices),
            count=count,
        )
        yield Reply(
            "start",
            text=self._text(start),
            model=plan.model_name,
            credits=plan.credit * count,
            eta_s=info.eta_s,
            count=count,
        )
        created: list[tuple[int, str]] = []
        refused: tuple[int, ImaError] | None = None
        for index in range(1, count + 1):
            if index > 1:
                await self._record()  # before each create leaves: it is never sent twice
            try:
                task_id = await self._services.client.create(plan, request.prompt, input_urls=urls)
            except ImaError as exc:
                if not created:
                    raise  # nothing was made: the job fails as one picture does
                refused = (index, exc)
                break
            self.job = self.job.model_copy(update={"task_ids": [*self.job.task_ids, task_id]})
            await self._record()
            created.append((index, task_id))
            log.info("task %s created (%d of %d)", task_id, index, count)
        async for reply in self._watch_all(created, plan, already_s=0.0, poll_at_once=False):
            yield reply
        if refused is not None:
            refused_index, error = refused
            self.error = error
            yield self._picture_failure(refused_index, error.reason)
        async for reply in self._close(plan):
            yield reply

    # --- taken up again (resume, or "上一张图呢") --------------------------------------------
    async def _resume(self) -> AsyncIterator[Reply]:
        job, plan = self.job, self.job.plan
        self._move(State.RESUMED)
        delivered = job.status == DELIVERED and bool(job.media)
        if not self._acknowledged:
            found = ResumeFound(model_name=job.model_name, delivered=delivered)
            yield Reply("ack", text=self._text(found), lang=self._lang)
        if plan is None or not job.task_ids:
            async for reply in self._resume_body():  # nothing to poll: told as one job is
                yield reply
            return
        if delivered:
            # Sent again from the journal: no poll, the links delivered before.
            for index, url in enumerate(job.media, start=1):
                yield await self._picture(plan, url, index, self._waited_so_far(), again=True)
        else:
            created = list(enumerate(job.task_ids, start=1))
            async for reply in self._watch_all(
                created, plan, already_s=self._waited_so_far(), poll_at_once=True
            ):
                yield reply
        async for reply in self._close(plan):
            yield reply
        self._move(State.DONE)
        yield Reply("done")

    # --- the parts ------------------------------------------------------------------------------
    async def _watch_all(
        self,
        created: Sequence[tuple[int, str]],
        plan: Plan,
        *,
        already_s: float,
        poll_at_once: bool,
    ) -> AsyncIterator[Reply]:
        """Poll every created task at once; progress for the group, each picture as it comes."""
        if not created:
            return
        info = catalog.model_info(plan.model_id)
        clock = self._services.clock
        started_at = clock.now()
        queue: asyncio.Queue[tuple[int, object]] = asyncio.Queue()

        async def one(index: int, task_id: str) -> None:
            try:
                async for item in watch(
                    self._services.client,
                    clock,
                    task_id,
                    info,
                    schedule=schedule_for(
                        info, every_s=self._options.poll_interval_s, estimate=plan.expected_time
                    ),
                    timeout_s=self._options.timeout_s or catalog.TASK_TIMEOUT_S,
                    already_s=already_s,
                    poll_at_once=poll_at_once,
                ):
                    await queue.put((index, item))
            except Exception as exc:  # told for this picture; the others go on
                await queue.put((index, _Ended(exc)))
            await queue.put((index, _FINISHED))

        watchers = [asyncio.create_task(one(index, task_id)) for index, task_id in created]
        running = len(watchers)
        told_s = -1
        try:
            while running:
                index, item = await queue.get()
                if isinstance(item, ProgressPoint):
                    if item.elapsed_s > told_s:  # the first watcher to reach a point tells it
                        told_s = item.elapsed_s
                        self._move(State.GENERATING)
                        yield self._group_progress(item)
                elif isinstance(item, TaskSnapshot) and item.url:
                    elapsed = already_s + clock.now() - started_at
                    yield await self._picture(plan, item.url, index, elapsed)
                elif isinstance(item, _Ended):
                    yield self._ended(index, item.error)
                elif item is _FINISHED:
                    running -= 1
        finally:
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)

    def _group_progress(self, point: ProgressPoint) -> Reply:
        message = Progress(
            point.percent,
            point.elapsed_s,
            point.estimated_max_s,
            overdue=point.overdue,
            still_working=point.still_working,
            count=self.count,
            made=self._made,
        )
        return Reply(
            "progress",
            text=self._text(message),
            percent=point.percent,
            elapsed_s=point.elapsed_s,
            count=self.count,
            made=self._made,
        )

    async def _picture(
        self, plan: Plan, url: str, index: int, elapsed_s: float, *, again: bool = False
    ) -> Reply:
        """One picture delivered (``again``: sent again from the journal)."""
        stem = self.job.task_ids[index - 1] if index <= len(self.job.task_ids) else None
        path = await self._save_picture(url, stem)
        info = catalog.model_info(plan.model_id)
        elapsed = round(elapsed_s)
        self._made += 1
        if not again and url not in self.job.media:
            self.job = self.job.model_copy(update={"media": [*self.job.media, url]})
            await self._record()
        caption = Success(
            model_name=plan.model_name,
            eta_s=info.eta_s,
            elapsed_s=elapsed,
            credits=plan.credit,
            url=url,
            index=index,
            count=self.count,
        )
        return Reply(
            "success",
            text=self._text(caption),
            model=plan.model_name,
            media=url,
            path=str(path) if path else None,
            elapsed_s=elapsed,
            credits=plan.credit,
            index=index,
            count=self.count,
        )

    def _ended(self, index: int, error: BaseException) -> Reply:
        """A created task's watch ended without its picture."""
        if isinstance(error, ImaError):
            self.error = self.error or error
            # Once the task exists only its own failure ends it: after our deadline or a lost
            # connection it may still arrive (a fetch later polls it again).
            may_arrive = not isinstance(error, TaskFailed)
            self._may_arrive = self._may_arrive or may_arrive
            return self._picture_failure(index, error.reason, may_arrive=may_arrive)
        log.error("picture %d of the group failed unexpectedly", index, exc_info=error)
        return self._picture_failure(index, Reason.UNKNOWN)

    def _picture_failure(self, index: int, reason: Reason, *, may_arrive: bool = False) -> Reply:
        if self._failed_reason is None:
            self._failed_reason = reason
        message = Failure(reason, index=index, count=self.count, may_still_arrive=may_arrive)
        text = self._text(message)
        return Reply("failure", text=text, reason=reason, index=index, count=self.count)

    async def _close(self, plan: Plan) -> AsyncIterator[Reply]:
        """The summary, and the job written down as it ended."""
        made, count = self._made, self.count
        everything = made >= count
        if everything:
            self._move(State.SUCCEEDED)
            self.outcome.succeeded = True
        else:
            self._move(State.FAILED)
            self.outcome.reason = self._failed_reason or Reason.UNKNOWN
        if self.job.status != DELIVERED:
            # Pending while a picture may still arrive (a fetch polls them all again); else
            # delivered once one went out, failed when none did.
            if self._may_arrive:
                await self._record()
            elif made:
                await self._finish(DELIVERED)
            else:
                await self._finish(FAILED, self._failed_reason or Reason.UNKNOWN)
        yield Reply(
            "summary", text=self._text(Summary(count=count, made=made)), count=count, made=made
        )


def follow(
    job: Job,
    services: Services,
    options: Options | None = None,
    *,
    ack: Ack | None = None,
    acknowledged: bool = False,
    resume: bool = False,
) -> Follow:
    """Drive ``job`` to its end (:func:`skill.flow.steps.follow`), with a
    :class:`GroupFollow` when it asks for several pictures (or holds several tasks)."""
    several = job.request.count > 1 or len(job.task_ids) > 1
    kind = GroupFollow if several else Follow
    return kind(job, services, options, ack=ack, acknowledged=acknowledged, resume=resume)
