"""The conversation driver: one chat message -> the replies of Steps 0-5, as an async iterator.

``text -> intent.parse -> Intent -> resolve (prefs, catalog, live product list) -> create ->
poll -> render -> Reply``. Every dependency is injected (client, clock, prefs, journal,
downloader, renderer), so a 120-second Nano Banana Pro job runs in a test in milliseconds with
a FakeClock and the simulator's transport. The driver moves through :mod:`skill.flow.states`
with :func:`advance` only; the replies it yields are exactly: ``ack``, then either a refusal
(``failure``) or ``start``, ``progress``..., ``success`` or ``failure``; then ``done``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from skill import catalog
from skill.clock import Clock
from skill.events import Reply
from skill.flow.ack import Acknowledgement, Request, acknowledge, missing_input
from skill.flow.alternatives import MODEL_SIDE_REASONS, alternatives
from skill.flow.cadence import ProgressPoint
from skill.flow.download import download_image
from skill.flow.states import State, advance
from skill.flow.task import Downloader, close_in_journal, save_picture, watch
from skill.ima import (
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
    schedule_for,
    validate_inputs,
)
from skill.intent import NOTICE_SIZE_CAPPED, Intent
from skill.journal import JournalEntry, TaskJournal
from skill.prefs import PreferenceStore
from skill.render import (
    Alternative,
    AskImage,
    AskPrompt,
    Failure,
    Lang,
    Message,
    Notice,
    Progress,
    Renderer,
    Start,
    Success,
)

log = logging.getLogger("skill.flow")

__all__ = ["Conversation", "Outcome", "Request", "converse"]


@dataclass
class Outcome:
    """How the conversation ended (for exit codes), filled in as it runs."""

    succeeded: bool = False
    #: Refused before anything was sent or created: bad input (exit code 2).
    refused: bool = False
    reason: str | None = None
    task_id: str | None = None
    states: list[State] = field(default_factory=lambda: [State.RECEIVED])


class _Refusal(Exception):
    """Stop before anything is created: say ``message`` as the failure, with ``reason``."""

    def __init__(self, message: Message, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


def _utc_stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Conversation:
    """One run of Steps 0-5. Iterate it (``async for reply in conversation``) exactly once;
    afterwards :attr:`outcome` says how it ended."""

    def __init__(
        self,
        request: Request,
        *,
        client: ImaClient,
        clock: Clock,
        prefs: PreferenceStore,
        journal: TaskJournal,
        downloader: Downloader | None = None,
        renderer: Renderer | None = None,
        acknowledged: Acknowledgement | None = None,
    ) -> None:
        self.request = request
        self.outcome = Outcome()
        self._client = client
        self._clock = clock
        self._prefs = prefs
        self._journal = journal
        self._download = downloader or download_image
        self._renderer = renderer or Renderer()
        self._acknowledged = acknowledged
        self._state = State.RECEIVED
        self._lang: Lang = "en"
        self._plan: Plan | None = None
        self._summaries: Sequence[ModelSummary] = ()
        self._started = False

    @property
    def state(self) -> State:
        return self._state

    def __aiter__(self) -> AsyncIterator[Reply]:
        if self._started:
            raise RuntimeError("a conversation runs once")
        self._started = True
        return self._run()

    # --- plumbing ----------------------------------------------------------------------------
    def _move(self, target: State) -> None:
        self._state = advance(self._state, target)
        self.outcome.states.append(target)

    def _text(self, message: Message) -> str:
        return self._renderer.render(message, self._lang)

    def _failure(self, message: Message, reason: str) -> Reply:
        self._move(State.FAILED)
        self.outcome.reason = reason
        return Reply("failure", text=self._text(message), reason=reason)

    # --- the steps ---------------------------------------------------------------------------
    async def _run(self) -> AsyncIterator[Reply]:
        # Step 0, before any network call (or already done by the caller: see converse).
        step0 = self._acknowledged or acknowledge(
            self.request, prefs=lambda: self._prefs, renderer=self._renderer
        )
        intent = step0.intent
        self._lang = step0.lang
        self._move(State.ACKNOWLEDGED)
        yield step0.reply
        failure: Reply | None = None
        try:
            async for reply in self._work(intent):
                yield reply
        except _Refusal as refusal:
            self.outcome.refused = True
            failure = self._failure(refusal.message, refusal.reason)
        except ImaError as exc:
            log.warning("generation failed (%s): %s", exc.reason, exc)
            failure = self._failure(self._explain(exc), exc.reason)
        except Exception:
            # A bug of ours must still end the conversation properly, in plain words.
            log.exception("unexpected error in the conversation")
            failure = self._failure(Failure("unknown"), "unknown")
        if failure is not None:
            yield failure
        self._move(State.DONE)
        yield Reply("done")

    async def _work(self, intent: Intent) -> AsyncIterator[Reply]:
        self._refuse_bad_input(intent)
        self._move(State.RESOLVING)
        notices, model_id = self._choose_model(intent)
        try:
            plan = await self._client.plan(
                intent.task_type, model_id, size=intent.size, aspect_ratio=intent.aspect_ratio
            )
        except UnsupportedOption as exc:
            elsewhere = await self._offered_elsewhere(intent.task_type, model_id, exc)
            failure = Failure(
                exc.reason,
                offered=exc.allowed,
                field=exc.field,
                asked=exc.value,
                offered_by=elsewhere,
                not_started=True,
            )
            raise _Refusal(failure, exc.reason) from None
        self._plan = plan
        # Read from the list just fetched (cached by the client): no extra request.
        self._summaries = await self._client.models(intent.task_type)
        if intent.preference == "save" and intent.model_id:
            self._save_preference(intent, plan)
            notices.append(Notice("preference_saved", plan.model_name))

        urls: list[str] = []
        if intent.input_images:
            self._move(State.UPLOADING)
            urls = await self._client.prepare_inputs(list(intent.input_images))
        self._move(State.CREATING)
        task_id = await self._client.create(plan, intent.prompt, input_urls=urls)
        self.outcome.task_id = task_id
        log.info("task %s created: %s %s %s", task_id, plan.model_id, plan.size, plan.credit)
        self._record(intent, plan, task_id)

        info = catalog.model_info(plan.model_id)
        self._move(State.STARTED)
        start = Start(
            model_name=plan.model_name,
            eta_s=info.eta_s,
            credits=plan.credit,
            size=plan.size,
            notices=tuple(notices),
        )
        started_at = self._clock.now()
        yield Reply(
            "start",
            text=self._text(start),
            model=plan.model_name,
            credits=plan.credit,
            eta_s=info.eta_s,
        )
        self._move(State.GENERATING)
        snap: TaskSnapshot | None = None
        watching = watch(
            self._client,
            self._clock,
            task_id,
            info,
            schedule=schedule_for(
                info, every_s=self.request.poll_interval_s, estimate=plan.expected_time
            ),
            timeout_s=self.request.timeout_s or catalog.TASK_TIMEOUT_S,
        )
        async for item in watching:
            if isinstance(item, ProgressPoint):
                self._move(State.GENERATING)
                yield Reply(
                    "progress",
                    text=self._text(
                        Progress(item.percent, item.elapsed_s, item.estimated_max_s, item.overdue)
                    ),
                    percent=item.percent,
                    elapsed_s=item.elapsed_s,
                )
            else:
                snap = item
        if snap is None or snap.url is None:  # _poll ends only on a finished task
            raise RuntimeError("polling ended without a result")
        elapsed = round(self._clock.now() - started_at)
        path = await save_picture(self._download, snap.url, self.request.out_dir, task_id)
        self._move(State.SUCCEEDED)
        self.outcome.succeeded = True
        success = Success(
            model_name=plan.model_name,
            eta_s=info.eta_s,
            elapsed_s=elapsed,
            credits=plan.credit,
            url=snap.url,
            path=str(path) if path else None,
        )
        yield Reply(
            "success",
            text=self._text(success),
            model=plan.model_name,
            media=snap.url,
            path=str(path) if path else None,
            elapsed_s=elapsed,
            credits=plan.credit,
        )
        # Resumed only once the channel has sent the picture: until then the task stays
        # pending in the journal, so a run that dies mid-delivery can still be resumed.
        close_in_journal(self._journal, task_id, "delivered", snap.url)

    # --- decisions ---------------------------------------------------------------------------
    def _refuse_bad_input(self, intent: Intent) -> None:
        """The refusals that need no network: nothing to draw, no image, a broken image."""
        missing = missing_input(intent)
        if missing == "prompt":
            raise _Refusal(AskPrompt(), "bad_request")
        if missing == "image":
            raise _Refusal(AskImage(), "missing_image")
        try:
            validate_inputs(list(intent.input_images))
        except TooManyImages as exc:
            refusal = Failure(exc.reason, image_problem="too_many", not_started=True)
            raise _Refusal(refusal, exc.reason) from None
        except InvalidImage as exc:
            refusal = Failure(exc.reason, image_problem=exc.why, not_started=True)
            raise _Refusal(refusal, exc.reason) from None

    def _choose_model(self, intent: Intent) -> tuple[list[Notice], str]:
        """Named in the message > saved preference > the default; plus the notices to give."""
        notices: list[Notice] = []
        if NOTICE_SIZE_CAPPED in intent.notices:
            notices.append(Notice("size_capped"))
        if intent.unsupported_model:
            notices.append(Notice("unsupported_model", intent.unsupported_model))
        user, task_type = self.request.user_id, intent.task_type
        if intent.preference == "clear":
            try:
                if self._prefs.clear(user, task_type):
                    notices.append(Notice("preference_cleared"))
            except OSError:
                log.warning("could not clear the saved preference", exc_info=True)
        if intent.model_id:
            return notices, intent.model_id
        saved = None
        if intent.preference != "clear":
            try:
                saved = self._prefs.get(user, task_type)
            except OSError:
                log.warning("could not read the saved preference", exc_info=True)
        if saved is not None and catalog.is_nano_banana(saved.model_id):
            return notices, saved.model_id
        return notices, catalog.DEFAULT_MODEL_ID

    async def _offered_elsewhere(
        self, task_type: str, model_id: str, exc: UnsupportedOption
    ) -> str | None:
        """The other Nano Banana model's name when it offers what this one does not (from the
        list already fetched, so no extra request), else None."""
        other_id = catalog.FALLBACK_MODEL.get(model_id)
        wanted = exc.value.lower()
        for summary in await self._client.models(task_type):
            if summary.model_id != other_id:
                continue
            options = summary.aspect_ratios if exc.field == "aspect_ratio" else summary.sizes
            if wanted in (option.lower() for option in options):
                return summary.model_name
        return None

    def _save_preference(self, intent: Intent, plan: Plan) -> None:
        try:
            self._prefs.save(
                self.request.user_id,
                intent.task_type,
                model_id=plan.model_id,
                model_name=plan.model_name,
                credit=plan.credit,
            )
        except OSError:
            log.warning("could not save the preference", exc_info=True)

    def _explain(self, exc: ImaError) -> Failure:
        """The failure message for an error: the reason, alternatives when another model or
        size may help, and whether the picture may still arrive."""
        reason = exc.reason
        alts: tuple[Alternative, ...] = ()
        if self._plan is not None and reason in MODEL_SIDE_REASONS:
            alts = alternatives(self._plan, self._summaries, reason=reason)
        task_id = self.outcome.task_id
        # Once the task exists, only the task's own failure ends it: after our deadline, a lost
        # connection or an error while polling, it stays pending and resume can fetch it.
        may_arrive = task_id is not None and not isinstance(exc, TaskFailed)
        if task_id is not None and isinstance(exc, TaskFailed):
            close_in_journal(self._journal, task_id, "failed", None)
        refused = isinstance(exc, ConfigurationError) and reason in (
            "missing_image",
            "invalid_image",
        )
        if refused:
            self.outcome.refused = True
        return Failure(reason, alternatives=alts, may_still_arrive=may_arrive, not_started=refused)

    # --- records -----------------------------------------------------------------------------
    def _record(self, intent: Intent, plan: Plan, task_id: str) -> None:
        entry = JournalEntry(
            task_id=task_id,
            user_id=self.request.user_id,
            task_type=plan.task_type,
            model_id=plan.model_id,
            model_name=plan.model_name,
            size=plan.size,
            aspect_ratio=plan.aspect_ratio,
            prompt=intent.prompt,
            credit=plan.credit,
            lang=self._lang,
            created_at=_utc_stamp(),
        )
        try:
            self._journal.record(entry)
        except OSError:
            log.warning("could not record task %s in the journal", task_id, exc_info=True)


def converse(
    request: Request,
    *,
    client: ImaClient,
    clock: Clock,
    prefs: PreferenceStore,
    journal: TaskJournal,
    downloader: Downloader | None = None,
    renderer: Renderer | None = None,
    acknowledged: Acknowledgement | None = None,
) -> Conversation:
    """The conversation for one message: ``async for reply in converse(...)`` yields every
    reply (ack first, done last); the returned object's ``outcome`` tells how it ended.

    ``acknowledged`` is Step 0 already done by the caller (:func:`skill.flow.ack.acknowledge`,
    which ``run`` calls before the IMA client is even imported): its reply is the one given
    first, and the message is not parsed or acknowledged twice.
    """
    return Conversation(
        request,
        client=client,
        clock=clock,
        prefs=prefs,
        journal=journal,
        downloader=downloader,
        renderer=renderer,
        acknowledged=acknowledged,
    )
