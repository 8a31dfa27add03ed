"""``answer(request)``: one chat message, answered. The entry every front door calls.

A message is usually a new picture (a :class:`~skill.job.Job` followed by
:func:`~skill.flow.follow`), but not always: a follow-up ("好的", "再来一张", "上一张图呢")
works on the chat's last job, and some messages need only a short answer. Whatever it is,
the answer is a :class:`Conversation`: events to send in order (ack first, done last), an
exit code once they are all out, and the last words if the process is stopped midway.

``run``, ``skill.generate``, the demo, the MCP server and the bots all go through
:func:`answer`, so a new kind of message is taught here once:

* what the message does is decided once (:func:`skill.flow.followup.decide`), in Step 0 when
  it came with the chat's memory (``run`` reads it from the file store before the IMA client
  loads), else here from the store;
* a new picture or a follow-up that makes one holds the claim "a generation is running" for
  its chat and person (:meth:`skill.store.base.Store.hold`) until its answer ends: a second
  "好的" meanwhile is told "still working on it", and nothing is created twice;
* the job is remembered for the chat and person (:meth:`skill.store.base.Store.remember`)
  every time the journal writes it, and once more as it ends: that is what the next "好的"
  follows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any, Protocol

from skill import catalog
from skill.events import Reply
from skill.exits import EXIT_OK
from skill.flow.ack import (
    Acknowledgement,
    Claim,
    Request,
    acknowledge,
    missing_input,
    recalled,
)
from skill.flow.followup import Turn, needs
from skill.flow.group import follow
from skill.flow.steps import Options, Services, rememberable
from skill.ima import ImaError, nano_banana_models
from skill.job import FAILED, Job, JobRequest, choose_model
from skill.reasons import Reason
from skill.render import AskImage, FollowupNothing, Message
from skill.store.files import FileStore

log = logging.getLogger("skill.flow")

__all__ = ["Conversation", "Said", "answer", "job_for", "options_for", "rememberable"]


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
    claimed: bool = False,
) -> Conversation:
    """The answer to one chat message (``request``): its events, then its exit code.

    ``step0`` is the acknowledgement already made for it (:func:`skill.flow.ack.acknowledge`:
    ``run`` makes and prints it before the IMA client is imported); ``acknowledged`` says it
    was given already, so it is not given twice, and then ``step0`` must have been made with
    the chat's memory at hand (not :attr:`~skill.flow.ack.Acknowledgement.deferred`).
    ``scale`` is the clock's speed-up. ``claimed``: the caller holds the chat and person's
    claim already (a bot takes it before its first reply, and gives it up itself), so the
    answer takes none.
    """
    if acknowledged and (step0 is None or step0.deferred):
        raise ValueError("an acknowledgement given already must be made with a Recall")
    options = options_for(request)
    if scale != 1.0:
        options = replace(options, scale=scale)
    return _Answer(
        request, services, options, step0=step0, acknowledged=acknowledged, claimed=claimed
    )


class _Answer:
    """One message's conversation: decided (with the store, when Step 0 could not), then the
    job followed or the fixed answer given; the claim given up and the job remembered."""

    def __init__(
        self,
        request: Request,
        services: Services,
        options: Options,
        *,
        step0: Acknowledgement | None,
        acknowledged: bool,
        claimed: bool = False,
    ) -> None:
        self._request = request
        self._claimed = claimed
        self._services = services
        self._options = options
        self._step0 = step0
        self._acknowledged = acknowledged
        self._inner: Conversation | None = None
        self._iterator: AsyncIterator[Reply] | None = None

    # --- the Conversation protocol ----------------------------------------------------------------
    def __aiter__(self) -> _Answer:
        return self

    async def __anext__(self) -> Reply:
        if self._iterator is None:
            self._iterator = self._run()
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        """Stop early (the caller was cancelled); the claim is given up."""
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]  # an async generator

    @property
    def exit_code(self) -> int:
        return self._inner.exit_code if self._inner is not None else EXIT_OK

    @property
    def job(self) -> Job | None:
        return self._inner.job if self._inner is not None else None

    @property
    def turn(self) -> Turn | None:
        """What the message was taken to do, once decided."""
        return self._step0.turn if self._step0 is not None else None

    def farewell(self) -> Reply:
        return self._inner.farewell() if self._inner is not None else Reply("done")

    # --- the answer ---------------------------------------------------------------------------
    async def _run(self) -> AsyncIterator[Reply]:
        step0 = self._step0
        if step0 is None or step0.deferred:
            step0 = await self._decide(step0)
            self._step0 = step0
        claim = step0.claim
        try:
            self._inner = await self._conversation(step0)
            async for reply in self._inner:
                yield reply
        finally:
            try:
                await self._remember_last()
            finally:
                if claim is not None:
                    await claim.release()

    async def _decide(self, step0: Acknowledgement | None) -> Acknowledgement:
        """Step 0 with the store: its memory and its claim read here (a front door that did
        not read them before its first reply)."""
        store = self._services.store
        request = self._request
        first = step0 or acknowledge(request, prefs=lambda: None, renderer=self._services.renderer)
        need_memory, need_claim = needs(first.intent, missing_input(first.intent))
        claim: Claim | None = None
        busy = False
        if need_claim and not self._claimed:
            try:
                claim = await store.hold(request.chat_id, request.user_id)
                busy = claim is None
            except OSError:
                log.warning("could not claim the chat; going on without", exc_info=True)
        memory = None
        if need_memory and not busy:
            try:
                last = await store.last_job(request.chat_id, request.user_id)
            except OSError:
                log.warning("could not read the follow-up memory", exc_info=True)
                last = None
            memory = last.model_dump(mode="json") if last is not None else None
        prefs = store.prefs if isinstance(store, FileStore) else None
        return acknowledge(
            request,
            prefs=lambda: prefs,
            renderer=self._services.renderer,
            recall=recalled(memory, claim, busy=busy),
        )

    async def _conversation(self, step0: Acknowledgement) -> Conversation:
        turn = step0.turn
        services = replace(self._services, remember=True)
        if turn.action == "say":
            return await self._said(step0)
        if turn.action == "fetch" and turn.job is not None:
            job = Job.model_validate(turn.job)
            return follow(
                job, services, self._options, acknowledged=self._acknowledged, resume=True
            )
        if turn.action == "make" and turn.request is not None:
            job = await self._made(turn)
        else:
            job = job_for(self._request, step0)
        return follow(
            job, services, self._options, ack=step0.message, acknowledged=self._acknowledged
        )

    async def _made(self, turn: Turn) -> Job:
        """The new job of a follow-up: what it takes over from the last request is dropped
        where the model it will run on does not offer it (its default then), so only what
        this message says is checked like a new request."""
        fields: dict[str, Any] = dict(turn.request or {})
        if turn.inherited:
            # The product list failing here fails the follow below the same way: it tells it.
            with contextlib.suppress(ImaError):
                fields = await self._fit(fields, turn.inherited)
        return Job(request=JobRequest.model_validate(fields))

    async def _fit(self, fields: dict[str, Any], inherited: tuple[str, ...]) -> dict[str, Any]:
        services = self._services
        task_type = str(fields.get("task_type", "text_to_image"))
        tree = await services.client.product_list(task_type)
        saved = None
        if not fields.get("model_id") and fields.get("preference") != "clear":
            try:
                saved = await services.store.saved_model(str(fields.get("user_id")), task_type)
            except OSError:
                saved = None
        model_id = choose_model(JobRequest.model_validate(fields), saved)
        for summary in nano_banana_models(tree, task_type):
            if summary.model_id != model_id:
                continue
            offered = {"size": summary.sizes, "aspect_ratio": summary.aspect_ratios}
            for name in inherited:
                value = str(fields.get(name) or "").lower()
                if value and value not in (o.lower() for o in offered.get(name, ())):
                    fields[name] = None
        return fields

    async def _said(self, step0: Acknowledgement) -> Said:
        """A fixed answer: the first reply alone, or with the question that follows it."""
        turn = step0.turn
        replies: list[Reply] = [] if self._acknowledged else [step0.reply]
        if turn.said == "saved" and step0.choice_unwritten:
            await self._write_choice(step0)
        if turn.said == "declined":
            await self._forget_offers(step0)
        if turn.exit_code != EXIT_OK:
            why = turn.said or "nothing"
            message: Message = FollowupNothing(why=why, kind=turn.kind, choice=turn.choice)
            reason = Reason.BAD_REQUEST
            if turn.kind == "edit" and why == "nothing":
                # "把它变成水彩画" with no picture here: an edit without its picture.
                message, reason = AskImage(), Reason.MISSING_IMAGE
            text = self._services.renderer.render(message, step0.lang)
            replies.append(Reply("failure", text=text, reason=reason))
        replies.append(Reply("done"))
        return Said(replies, exit_code=turn.exit_code)

    async def _write_choice(self, step0: Acknowledgement) -> None:
        """The saved choice a store that is not files could not take in Step 0."""
        intent, store, user = step0.intent, self._services.store, self._request.user_id
        try:
            if intent.preference == "save" and intent.model_id:
                name = catalog.model_info(intent.model_id).display_name
                for task_type in catalog.TASK_TYPES:
                    await store.save_model(
                        user, task_type, model_id=intent.model_id, model_name=name, credit=None
                    )
            elif intent.preference == "clear":
                await store.clear_model(user)
        except OSError:
            log.warning("could not update the saved preference", exc_info=True)

    async def _forget_offers(self, step0: Acknowledgement) -> None:
        """ "算了": the alternatives offered are no longer there for a later "好的"."""
        store, request = self._services.store, self._request
        try:
            last = await store.last_job(request.chat_id, request.user_id)
            if last is not None and last.offers:
                await store.remember(last.model_copy(update={"offers": []}))
        except OSError:
            log.warning("could not update the follow-up memory", exc_info=True)

    async def _remember_last(self) -> None:
        """The job as it ended, as the chat and person's last one (a refusal included: its
        alternatives are what a "好的" takes)."""
        inner = self._inner
        if inner is None or isinstance(inner, Said):
            return
        job = inner.job
        if job is None or not rememberable(job):
            return
        outcome = getattr(inner, "outcome", None)
        if not job.started and job.status != FAILED:
            reason = job.reason or (outcome.reason if outcome is not None else None)
            if reason is None:
                return  # never got anywhere (stopped at once): nothing to follow
            job = job.model_copy(update={"status": FAILED, "reason": reason})
        try:
            await self._services.store.remember(job)
        except OSError:
            log.warning("could not remember the job for follow-ups", exc_info=True)
