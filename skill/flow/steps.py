"""``follow(job)``: one job driven through the skill card's Steps 0-5, as a stream of events.

Every front door goes through here: ``run`` and ``resume``, ``create --output-json``,
``skill.generate``, and the bots and the MCP server. The job says where to start:

* a new job (nothing sent yet): Step 0 the acknowledgement, the refusals that need no network,
  then the live product list (:func:`skill.job.resolve`), the upload, ONE create (written in
  the journal before it is sent), Step 1 the start notice, Step 2 progress, Step 3 the picture
  or Step 4 the failure with its alternatives, Step 5 done;
* a job from the journal (resumed, or fetched again by a follow-up): "found it", then the same
  poll loop (:func:`skill.flow.watch.watch`) on its task, with no create anywhere; a job
  already delivered is sent again from its link, a failed one is told as failed.

It moves through :mod:`skill.flow.states` with :func:`~skill.flow.states.advance` only, and
yields exactly: ``ack``, then either a refusal (``failure``) or ``start``, ``progress``...,
``success`` or ``failure``; then ``done``. Every dependency is injected (client, clock, store,
renderer, downloader), so a 120-second Nano Banana Pro job runs in a test in milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from skill import catalog
from skill.clock import Clock
from skill.events import Reply
from skill.exits import EXIT_OK, EXIT_USAGE
from skill.flow.cadence import ProgressPoint
from skill.flow.download import download_image
from skill.flow.offers import as_alternative, model_offer, offers_for
from skill.flow.states import State, advance
from skill.flow.watch import watch
from skill.ima import (
    BadRequest,
    ConfigurationError,
    ImaClient,
    ImaError,
    InvalidImage,
    ModelSummary,
    Plan,
    TaskFailed,
    TaskSnapshot,
    TooManyImages,
    UnsupportedOption,
    nano_banana_models,
    schedule_for,
    validate_inputs,
)
from skill.intent import NOTICE_COUNT_CAPPED, NOTICE_IMAGE_REQUIRED, NOTICE_SIZE_CAPPED
from skill.job import DELIVERED, FAILED, Job, parse_stamp, resolve, utc_stamp
from skill.reasons import Reason, exit_code_for
from skill.render import (
    Ack,
    AskImage,
    AskPrompt,
    Failure,
    Interrupted,
    Message,
    Notice,
    Progress,
    Renderer,
    ResumeFound,
    ResumeNothing,
    Stage,
    Start,
    Success,
    lang_of,
)
from skill.store import Store, StoreUnavailable

log = logging.getLogger("skill.flow")

__all__ = [
    "Admit",
    "Downloader",
    "Follow",
    "Options",
    "Outcome",
    "Services",
    "follow",
    "nothing_to_resume",
    "rememberable",
]

#: ``downloader(url, out_dir, stem) -> saved path``
Downloader = Callable[[str, Path, str], Awaitable[Path]]
#: ``admit(job) -> None | reason``: sees a new job once it is priced (its plan set), just
#: before it is written down and created; a reason refuses it and nothing is created (a bot's
#: daily budget). Resumed jobs never pass through it: they create nothing.
Admit = Callable[[Job], Awaitable["Reason | None"]]


@dataclass(frozen=True)
class Options:
    """How to run a job (the flags of ``run`` and ``resume``)."""

    #: Give up waiting after this many seconds (default :data:`skill.catalog.TASK_TIMEOUT_S`).
    timeout_s: float | None = None
    #: Poll at this fixed interval instead of by the expected time.
    poll_interval_s: float | None = None
    #: Also save the picture here (the success event then carries its ``path``).
    out_dir: Path | None = None
    #: The clock's speed-up (1 against the real service): how long a resumed task has run is
    #: counted on the same time as the simulator's sped-up tasks.
    scale: float = 1.0


def rememberable(job: Job) -> bool:
    """Whether a follow-up could work on ``job``: it described a picture that could be made
    (not a message still missing its words or its picture)."""
    request = job.request
    if not request.prompt.strip() or len(request.prompt) > catalog.MAX_PROMPT_CHARS:
        return False
    return request.task_type != "image_to_image" or bool(request.input_images)


@dataclass(frozen=True)
class Services:
    """What a job needs from the outside; :mod:`skill.session` builds it once."""

    client: ImaClient
    clock: Clock
    store: Store
    renderer: Renderer = field(default_factory=Renderer)
    downloader: Downloader = download_image
    #: Asked before each create (see :data:`Admit`); ``None``: every job is admitted.
    admit: Admit | None = None
    #: Keep every journal write also as the chat and person's last job (the follow-ups'
    #: memory): set by :func:`skill.flow.message.answer`, which reads it back.
    remember: bool = False


@dataclass
class Outcome:
    """How the job ended (for exit codes), filled in as it runs."""

    succeeded: bool = False
    #: Refused before anything was sent or created: bad input (exit code 2).
    refused: bool = False
    #: Nothing to follow (a resume or fetch with no job): exit code 2.
    nothing: bool = False
    reason: Reason | None = None
    states: list[State] = field(default_factory=lambda: [State.RECEIVED])

    @property
    def exit_code(self) -> int:
        """0 made; 2 refused or nothing to follow; else the reason table's code."""
        if self.succeeded:
            return EXIT_OK
        if self.nothing:
            return EXIT_USAGE
        return exit_code_for(self.reason or Reason.UNKNOWN, refused=self.refused)


class _Refusal(Exception):
    """Stop before anything is created: say ``message`` as the failure, with ``reason``.

    ``bad_input``: the request itself cannot be made (exit code 2); otherwise it was turned
    away for now (a budget, a store out of reach) and exits as its reason says."""

    def __init__(self, message: Message, reason: Reason, *, bad_input: bool = True) -> None:
        super().__init__(reason.value)
        self.message = message
        self.reason = reason
        self.bad_input = bad_input


class Follow:
    """One job followed to its end: an async iterator of events (iterate it exactly once).

    :attr:`job` is the job as it stands (task ids, status, offers), :attr:`outcome` how it
    ended, :meth:`farewell` the last words if the process is stopped midway.
    """

    def __init__(
        self,
        job: Job,
        services: Services,
        options: Options | None = None,
        *,
        ack: Ack | None = None,
        acknowledged: bool = False,
        resume: bool = False,
    ) -> None:
        self.job = job
        self._resume_only = resume
        self.outcome = Outcome()
        self._services = services
        self._options = options or Options()
        self._ack = ack
        self._acknowledged = acknowledged
        self._lang = lang_of(job.language)
        self._state = State.RECEIVED
        self._summaries: Sequence[ModelSummary] = ()
        self._iterator: AsyncIterator[Reply] | None = None
        #: The finished task's last snapshot (size, cover) once the picture is there.
        self.result: TaskSnapshot | None = None
        #: The error that ended the job, for callers that report it themselves (``create``).
        self.error: ImaError | None = None

    # --- the iterator protocol -----------------------------------------------------------------
    def __aiter__(self) -> Follow:
        return self

    async def __anext__(self) -> Reply:
        if self._iterator is None:
            self._iterator = self._run()
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        """Stop early (the caller was cancelled); the job stays as the journal has it."""
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]  # an async generator

    @property
    def state(self) -> State:
        return self._state

    @property
    def exit_code(self) -> int:
        """The exit code, once every event was taken."""
        return self.outcome.exit_code

    @property
    def lang(self) -> str:
        return self._lang

    def farewell(self) -> Reply:
        """The ``failure`` that ends a job stopped by a signal (before its outcome was said).

        Once the task exists it stays pending in the journal and may still arrive (reason
        ``timeout``); a create in flight may or may not have been accepted; before that,
        nothing was started.
        """
        stage: Stage
        if self.job.task_ids:
            stage = "started"
        elif self._state == State.CREATING or self.job.started:
            stage = "starting"
        else:
            stage = "not_started"
        reason = Reason.UNKNOWN if stage == "not_started" else Reason.TIMEOUT
        text = self._text(Interrupted(stage))
        return Reply("failure", text=text, reason=reason)

    # --- plumbing ------------------------------------------------------------------------------
    def _move(self, target: State) -> None:
        self._state = advance(self._state, target)
        self.outcome.states.append(target)

    def _text(self, message: Message) -> str:
        return self._services.renderer.render(message, self._lang)

    def _failure(self, message: Message, reason: Reason) -> Reply:
        self._move(State.FAILED)
        self.outcome.reason = reason
        return Reply("failure", text=self._text(message), reason=reason)

    async def _record(self, *, strict: bool = False) -> None:
        """Write the job down; a store that cannot be written never stops the job (except,
        with ``strict``, a shared store out of reach: :class:`StoreUnavailable` is raised)."""
        store = self._services.store
        try:
            self.job = await store.record(self.job)
        except StoreUnavailable:
            if strict:
                raise
            log.warning("could not record job %s: the store is unavailable", self.job.job_id)
            return
        except OSError:
            log.warning("could not record job %s", self.job.job_id, exc_info=True)
            return
        if self._services.remember and rememberable(self.job):
            try:
                await store.remember(self.job)
            except OSError:  # StoreUnavailable is one: the follow-up is lost, not the job
                log.warning("could not remember the job for follow-ups", exc_info=True)

    async def _record_first(self) -> None:
        """Write the job down before its first create leaves; a shared store out of reach
        refuses the job (another replica could not finish it if this one died, and a
        redelivered event could not be recognised): nothing is created."""
        try:
            await self._record(strict=True)
        except StoreUnavailable:
            log.warning("the store is unavailable: job %s not created", self.job.job_id)
            busy = Failure(Reason.SERVICE_BUSY, not_started=True)
            raise _Refusal(busy, Reason.SERVICE_BUSY, bad_input=False) from None

    async def _admit(self) -> None:
        """Ask the front door's :data:`Admit` (a budget) whether this priced job may be made."""
        admit = self._services.admit
        if admit is None:
            return
        try:
            refused = await admit(self.job)
        except StoreUnavailable:
            refused = Reason.SERVICE_BUSY
        if refused is not None:
            log.info("job not admitted: %s", refused)
            raise _Refusal(Failure(refused, not_started=True), refused, bad_input=False)

    async def _finish(self, status: str, reason: Reason | None = None) -> None:
        update: dict[str, object] = {"status": status, "finished_at": utc_stamp()}
        if reason is not None:
            update["reason"] = reason
        self.job = self.job.model_copy(update=update)
        await self._record()

    # --- the steps -----------------------------------------------------------------------------
    async def _run(self) -> AsyncIterator[Reply]:
        if self.job.started or self._resume_only:
            async for reply in self._resume():
                yield reply
            return
        if not self._acknowledged:
            self._move(State.ACKNOWLEDGED)
            yield Reply("ack", text=self._text(self._ack or _plain_ack(self.job)), lang=self._lang)
        else:
            self._move(State.ACKNOWLEDGED)
        failure: Reply | None = None
        try:
            async for reply in self._new():
                yield reply
        except _Refusal as refusal:
            self.outcome.refused = refusal.bad_input
            failure = self._failure(refusal.message, refusal.reason)
        except ImaError as exc:
            log.warning("generation failed (%s): %s", exc.reason, exc)
            self.error = exc
            failure = self._failure(await self._explain(exc), exc.reason)
        except Exception:
            # A bug of ours must still end the conversation properly, in plain words.
            log.exception("unexpected error in the conversation")
            failure = self._failure(Failure(Reason.UNKNOWN), Reason.UNKNOWN)
        if failure is not None:
            yield failure
        self._move(State.DONE)
        yield Reply("done")

    async def _new(self) -> AsyncIterator[Reply]:
        plan, notices, urls = await self._prepare()
        client = self._services.client
        request = self.job.request
        self._move(State.CREATING)
        # Written down before the create leaves: if its answer is lost, the journal still says
        # that a create was sent, and nothing ever sends it again.
        self.job = self.job.model_copy(update={"created_at": utc_stamp()})
        await self._record_first()
        task_id = await client.create(plan, request.prompt, input_urls=urls)
        self.job = self.job.model_copy(update={"task_ids": [task_id]})
        await self._record()
        log.info("task %s created: %s %s %s", task_id, plan.model_id, plan.size, plan.credit)

        info = catalog.model_info(plan.model_id)
        self._move(State.STARTED)
        start = Start(
            model_name=plan.model_name,
            eta_s=info.eta_s,
            credits=plan.credit,
            size=plan.size,
            notices=tuple(notices),
        )
        yield Reply(
            "start",
            text=self._text(start),
            model=plan.model_name,
            credits=plan.credit,
            eta_s=info.eta_s,
        )
        async for reply in self._wait(task_id, plan, already_s=0.0, poll_at_once=False):
            yield reply

    async def _prepare(self) -> tuple[Plan, list[Notice], list[str]]:
        """Everything before the create: the refusals that need no network, the live product
        list, the plan, the saved choice, the upload. Returns the plan, the start notice's
        notices and the uploaded pictures' links."""
        request = self.job.request
        self._refuse_bad_input()
        self._move(State.RESOLVING)
        client = self._services.client
        tree = await client.product_list(request.task_type)
        self._summaries = nano_banana_models(tree, request.task_type)
        notices = await self._preference_notices()
        saved = None if request.preference == "clear" else await self._saved_model()
        try:
            resolved = resolve(request, saved, tree)
        except UnsupportedOption as exc:
            self.error = exc
            raise _Refusal(self._unsupported(exc, saved), exc.reason) from None
        plan = resolved.plan
        if plan is None:  # resolve always prices the job
            raise RuntimeError("resolve gave no plan")
        self.job = self.job.model_copy(update={"plan": plan})
        if request.preference == "save" and request.model_id:
            notices.append(await self._save_preference(plan))

        urls: list[str] = []
        if request.input_images:
            self._move(State.UPLOADING)
            urls = await client.prepare_inputs(list(request.input_images))
        await self._admit()
        return plan, notices, urls

    async def _wait(
        self, task_id: str, plan: Plan, *, already_s: float, poll_at_once: bool
    ) -> AsyncIterator[Reply]:
        """Steps 2-3: the one poll loop, then the picture."""
        info = catalog.model_info(plan.model_id)
        clock = self._services.clock
        started_at = clock.now()
        snap: TaskSnapshot | None = None
        watching = watch(
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
        )
        async for item in watching:
            if isinstance(item, ProgressPoint):
                self._move(State.GENERATING)
                yield self._progress(item)
            else:
                snap = item
        if snap is None or snap.url is None:  # watch ends only on a finished task
            raise RuntimeError("polling ended without a result")
        self.result = snap
        elapsed = already_s + clock.now() - started_at
        yield await self._success(plan, snap.url, elapsed)

    def _progress(self, point: ProgressPoint) -> Reply:
        message = Progress(
            point.percent,
            point.elapsed_s,
            point.estimated_max_s,
            overdue=point.overdue,
            still_working=point.still_working,
        )
        return Reply(
            "progress", text=self._text(message), percent=point.percent, elapsed_s=point.elapsed_s
        )

    async def _success(self, plan: Plan, url: str, elapsed_s: float) -> Reply:
        path = await self._save_picture(url)
        info = catalog.model_info(plan.model_id)
        elapsed = round(elapsed_s)
        self._move(State.SUCCEEDED)
        self.outcome.succeeded = True
        if self.job.status != DELIVERED:
            self.job = self.job.model_copy(update={"media": [url]})
            # Marked delivered only as the picture goes out: until then the job stays
            # pending, so a run that dies mid-delivery can still be resumed. Sent again, it
            # keeps the moment it was first delivered.
            await self._finish(DELIVERED)
        caption = Success(
            model_name=plan.model_name,
            eta_s=info.eta_s,
            elapsed_s=elapsed,
            credits=plan.credit,
            url=url,
        )
        return Reply(
            "success",
            text=self._text(caption),
            model=plan.model_name,
            media=url,
            path=str(path) if path else None,
            elapsed_s=elapsed,
            credits=plan.credit,
        )

    async def _save_picture(self, url: str, stem: str | None = None) -> Path | None:
        """Download the picture into ``out_dir`` when one was given (named ``stem``, by default
        the task's id); a failure only logs.

        The picture exists at its link whatever happens here: saving a copy is a convenience.
        """
        out_dir = self._options.out_dir
        if out_dir is None:
            return None
        try:
            name = stem or self.job.task_id or "image"
            return await self._services.downloader(url, out_dir, name)
        except Exception as exc:
            log.warning("could not save the image into %s: %s", out_dir, exc)
            return None

    # --- resuming a job from the journal ----------------------------------------------------
    async def _resume(self) -> AsyncIterator[Reply]:
        job = self.job
        self._move(State.RESUMED)
        delivered = job.status == DELIVERED and bool(job.media)
        if not self._acknowledged:  # a follow-up's first reply may have said it already
            found = ResumeFound(
                model_name=job.model_name,
                delivered=delivered,
                unconfirmed=not job.task_ids and not delivered,
            )
            yield Reply("ack", text=self._text(found), lang=self._lang)
        async for reply in self._resume_body():
            yield reply

    async def _resume_body(self) -> AsyncIterator[Reply]:
        """A job from the journal after its first reply: fetched, sent again or told."""
        job, plan = self.job, self.job.plan
        delivered = job.status == DELIVERED and bool(job.media)
        task_id = job.task_id
        try:
            if not job.started:
                # Nothing was ever sent for it: there is nothing to fetch, and a resume never
                # creates. It is told as nothing to resume, and left as it is.
                self.outcome.nothing = True
                yield self._failure(ResumeNothing(asked_for=True), Reason.BAD_REQUEST)
            elif plan is None:
                raise RuntimeError("a started job without its plan")
            elif delivered:
                # Sent again from the journal: no poll. The link is the one delivered before.
                yield await self._success(plan, job.media[0], self._waited_so_far())
            elif job.status == FAILED:
                reason = job.reason or Reason.TASK_FAILED
                yield self._failure(Failure(reason), reason)
            elif task_id is None:
                # The create's answer was lost: there is no task to look up. Said once.
                await self._finish(FAILED, Reason.UNCONFIRMED)
                yield self._failure(ResumeNothing(unconfirmed=True), Reason.UNCONFIRMED)
            else:
                async for reply in self._wait(
                    task_id, plan, already_s=self._waited_so_far(), poll_at_once=True
                ):
                    yield reply
        except TaskFailed as exc:
            self.error = exc
            await self._finish(FAILED, exc.reason)
            yield self._failure(Failure(exc.reason), exc.reason)
        except BadRequest as exc:
            # The only request here is the task detail: the service does not know the task
            # (expired, or another environment). It will never arrive; stop offering it.
            log.warning("resume of %s: the service does not know it: %s", task_id, exc)
            await self._finish(FAILED, Reason.TASK_FAILED)
            yield self._failure(ResumeNothing(asked_for=True, gone=True), Reason.TASK_FAILED)
        except ImaError as exc:
            # The task may still finish (our deadline, a lost connection, a refused key, a
            # server error): it stays pending in the journal for another try.
            log.warning("resume of %s failed (%s): %s", task_id, exc.reason, exc)
            self.error = exc
            yield self._failure(Failure(exc.reason, may_still_arrive=True), exc.reason)
        except Exception:
            log.exception("unexpected error while resuming %s", task_id)
            yield self._failure(Failure(Reason.UNKNOWN), Reason.UNKNOWN)
        self._move(State.DONE)
        yield Reply("done")

    def _waited_so_far(self) -> float:
        """Seconds, on the conversation's clock, since the create was sent (0 if unknown)."""
        created = parse_stamp(self.job.created_at)
        if created is None:
            return 0.0
        real = max(0.0, (datetime.now(timezone.utc) - created).total_seconds())
        return real * self._options.scale

    # --- decisions ---------------------------------------------------------------------------
    def _refuse_bad_input(self) -> None:
        """The refusals that need no network: nothing to draw, no image, a broken image."""
        request = self.job.request
        if not request.prompt.strip():
            raise _Refusal(AskPrompt(), Reason.BAD_REQUEST)
        if len(request.prompt) > catalog.MAX_PROMPT_CHARS:
            # Said, never cut short: a shortened description would draw something else.
            limit = catalog.MAX_PROMPT_CHARS
            raise _Refusal(
                Failure(Reason.BAD_REQUEST, too_long=limit, not_started=True), Reason.BAD_REQUEST
            )
        wants_edit = (
            request.task_type == "image_to_image" or NOTICE_IMAGE_REQUIRED in request.notices
        )
        if wants_edit and not request.input_images:
            raise _Refusal(AskImage(), Reason.MISSING_IMAGE)
        try:
            validate_inputs(list(request.input_images))
        except TooManyImages as exc:
            self.error = exc
            refusal = Failure(exc.reason, image_problem="too_many", not_started=True)
            raise _Refusal(refusal, exc.reason) from None
        except InvalidImage as exc:
            self.error = exc
            refusal = Failure(exc.reason, image_problem=exc.why, not_started=True)
            raise _Refusal(refusal, exc.reason) from None

    async def _saved_model(self) -> str | None:
        request = self.job.request
        try:
            return await self._services.store.saved_model(request.user_id, request.task_type)
        except OSError:
            log.warning("could not read the saved preference", exc_info=True)
            return None

    async def _preference_notices(self) -> list[Notice]:
        """The notices for the start message; a "clear" in the words clears the choice now."""
        request = self.job.request
        notices: list[Notice] = []
        if NOTICE_SIZE_CAPPED in request.notices:
            notices.append(Notice("size_capped"))
        if NOTICE_COUNT_CAPPED in request.notices:
            notices.append(Notice("count_capped"))
        if request.unsupported_model:
            notices.append(Notice("unsupported_model", request.unsupported_model))
        if request.preference == "clear":
            try:
                if await self._services.store.clear_model(request.user_id, request.task_type):
                    notices.append(Notice("preference_cleared"))
            except OSError:
                log.warning("could not clear the saved preference", exc_info=True)
        return notices

    async def _save_preference(self, plan: Plan) -> Notice:
        request = self.job.request
        try:
            await self._services.store.save_model(
                request.user_id,
                request.task_type,
                model_id=plan.model_id,
                model_name=plan.model_name,
                credit=plan.credit,
            )
        except OSError:
            log.warning("could not save the preference", exc_info=True)
        return Notice("preference_saved", plan.model_name)

    def _unsupported(self, exc: UnsupportedOption, saved: str | None) -> Failure:
        """A ratio or size the model does not offer; which other model does, if one does."""
        from skill.job import choose_model

        model_id = choose_model(self.job.request, saved)
        other_id = catalog.FALLBACK_MODEL.get(model_id)
        wanted = exc.value.lower()
        elsewhere = None
        for summary in self._summaries:
            if summary.model_id != other_id:
                continue
            options = summary.aspect_ratios if exc.field == "aspect_ratio" else summary.sizes
            if wanted in (option.lower() for option in options):
                elsewhere = summary.model_name
        if other_id is not None and elsewhere is not None:
            # "Nano Banana Pro offers 21:9: want me to use it?": a plain "yes" takes it.
            offer = model_offer(self._summaries, other_id)
            if offer is not None:
                self.job = self.job.model_copy(update={"offers": [offer], "reason": exc.reason})
        return Failure(
            exc.reason,
            offered=exc.allowed,
            field=exc.field,
            asked=exc.value,
            offered_by=elsewhere,
            not_started=True,
        )

    async def _explain(self, exc: ImaError) -> Failure:
        """The failure message for an error: the reason, the alternatives its policy offers,
        and whether the picture may still arrive. The job is written down as it ended."""
        reason = exc.reason
        offers = offers_for(reason, self.job.plan, self._summaries)
        task_id = self.job.task_id
        # Once the task exists, only the task's own failure ends it: after our deadline, a lost
        # connection or an error while polling, it stays pending and can be fetched later.
        may_arrive = task_id is not None and not isinstance(exc, TaskFailed)
        self.job = self.job.model_copy(update={"offers": offers, "reason": reason})
        if task_id is not None and not may_arrive:
            await self._finish(FAILED, reason)
        elif self.job.started and task_id is None and reason != Reason.UNCONFIRMED:
            await self._finish(FAILED, reason)  # the create was refused: nothing was made
        elif self.job.started:
            await self._record()
        refused = isinstance(exc, ConfigurationError) and reason in (
            Reason.MISSING_IMAGE,
            Reason.INVALID_IMAGE,
        )
        if refused:
            self.outcome.refused = True
        return Failure(
            reason,
            alternatives=tuple(as_alternative(o) for o in offers),
            may_still_arrive=may_arrive,
            not_started=refused,
        )


def _plain_ack(job: Job) -> Ack:
    """The acknowledgement of a job that came without one (no subject known)."""
    from skill.intent import DEFAULT_EMOJI

    request = job.request
    return Ack(
        emoji=DEFAULT_EMOJI,
        task_type=request.task_type,
        aspect_ratio=request.aspect_ratio,
        size=request.size,
        missing="prompt" if not request.prompt.strip() else None,
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
    """Drive ``job`` to its end; ``async for event in follow(job, services)`` yields every
    event (the acknowledgement first, ``done`` last), and the returned object's ``job`` and
    ``outcome`` tell how it went.

    ``ack`` is the acknowledgement to give (built from the parsed message, see
    :func:`skill.flow.ack.acknowledge`); ``acknowledged`` says it was already given (``run``
    prints it before the IMA client is even imported). ``resume`` takes the job up again and
    never creates: a job that was never started is told as nothing to resume.
    """
    return Follow(job, services, options, ack=ack, acknowledged=acknowledged, resume=resume)


def nothing_to_resume(lang: str, renderer: Renderer, *, asked_for: bool) -> list[Reply]:
    """The events of a resume (or fetch) that found no job: one failure, then done."""
    text = renderer.render(ResumeNothing(asked_for=asked_for), lang)
    return [Reply("failure", text=text, reason=Reason.BAD_REQUEST), Reply("done")]
