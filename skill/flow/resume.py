"""The resume conversation: deliver a task from the journal without creating a new one.

``resume`` exists so an interrupted, killed or timed-out ``run`` never has to be paid for
twice. It picks one journal entry (:func:`pick`), says it found the picture, polls that task
(``detail`` only: there is no create anywhere in this module), and ends like ``run`` does: a
``success`` with the picture (the same template and caption as ``run``) or a ``failure``, then
``done``. The journal entry is marked ``delivered`` or ``failed`` when the outcome is final; a
timeout or a lost connection leaves it ``pending`` so a later ``resume`` can try again.

The sentences of resume that ``run`` does not have (found it, nothing to fetch, stopped by a
signal) live in ``templates/resume_*.j2`` and are rendered by :func:`render_extra` through the
same Babel catalogs and never-say guard as every other message.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from skill import catalog
from skill.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from skill.clock import Clock
from skill.events import Reply
from skill.flow.cadence import ProgressPoint
from skill.flow.download import download_image
from skill.flow.task import Downloader, close_in_journal, save_picture, watch
from skill.ima import (
    BadRequest,
    ImaClient,
    ImaError,
    TaskFailed,
    schedule_for,
)
from skill.journal import DELIVERED, FAILED, JournalEntry, TaskJournal
from skill.render import (
    Failure,
    Lang,
    MessageKind,
    Progress,
    Renderer,
    Success,
    lang_of,
)

log = logging.getLogger("skill.flow.resume")
_renderer = Renderer()

#: The reason of the failure that says there is nothing to resume. None of the contract's
#: reasons fits exactly; ``bad_request`` is the nearest (the request names no task we hold)
#: and keeps the closed list of reasons closed.
NOTHING_REASON = "bad_request"
#: The service no longer knows the journal's task: it ended without a picture.
GONE_REASON = "task_failed"
#: Stopped by a signal once the task exists: the contract's ``timeout`` already means "we
#: stopped waiting, the task may still finish, resume it later", which is exactly the case.
INTERRUPTED_REASON = "timeout"
#: Stopped by a signal before any task existed: nothing will arrive.
INTERRUPTED_EARLY_REASON = "unknown"


# --- resume's own messages -----------------------------------------------------------------
@dataclass(frozen=True)
class ResumeFound:
    """The first reply of resume: the picture from earlier is being fetched (or re-sent)."""

    model_name: str
    #: Already delivered once: it is sent again from the journal.
    delivered: bool = False


@dataclass(frozen=True)
class ResumeNothing:
    """Nothing to resume: no pending task (``asked_for`` False) or an unknown task id; or
    (``gone``) the service no longer knows the journal's task, so it will never arrive."""

    asked_for: bool = False
    gone: bool = False


Stage = Literal["not_started", "starting", "started"]


@dataclass(frozen=True)
class Interrupted:
    """SIGINT or SIGTERM ended the wait. ``stage`` says whether the picture may still come."""

    stage: Stage


ExtraMessage = ResumeFound | ResumeNothing | Interrupted
_TEMPLATES: dict[type[ExtraMessage], tuple[str, MessageKind]] = {
    # message type -> (template, kind of render.py's safe fallback text)
    ResumeFound: ("resume_found.j2", "progress"),
    ResumeNothing: ("resume_nothing.j2", "failure"),
    Interrupted: ("resume_interrupted.j2", "failure"),
}


def render_extra(message: ExtraMessage, lang: str) -> str:
    """The text of one of resume's messages in ``lang``, through the never-say guard."""
    template, fallback = _TEMPLATES[type(message)]
    return _renderer.render_template(template, lang, fallback=fallback, m=message)


def interrupted_reply(task_id: str | None, creating: bool, lang: str) -> Reply:
    """The ``failure`` that ends a run or resume stopped by a signal.

    ``task_id`` known: the task exists and stays pending in the journal, so the picture may
    still arrive (reason ``timeout``). ``creating`` without a task id: the create request was
    in flight and may or may not have been accepted. Otherwise nothing was started.
    """
    if task_id is not None:
        stage: Stage = "started"
    elif creating:
        stage = "starting"
    else:
        stage = "not_started"
    reason = INTERRUPTED_EARLY_REASON if stage == "not_started" else INTERRUPTED_REASON
    return Reply("failure", text=render_extra(Interrupted(stage), lang), reason=reason)


# --- choosing the task -----------------------------------------------------------------------
@dataclass(frozen=True)
class ResumeRequest:
    """The arguments of ``resume``."""

    task_id: str | None = None
    user_id: str | None = None
    #: "auto" speaks the language the task was asked in.
    lang: str = "auto"
    timeout_s: float | None = None
    out_dir: Path | None = None


def pick(journal: TaskJournal, request: ResumeRequest) -> JournalEntry | None:
    """The entry to resume: the given task id (whatever its status), else the newest pending
    task of ``user_id``, else (no user given) the newest pending task of anyone."""
    if request.task_id:
        return journal.get(request.task_id)
    pending = journal.pending(request.user_id)
    return pending[0] if pending else None


def waited_so_far(entry: JournalEntry, scale: float, now: datetime | None = None) -> float:
    """Seconds, on the conversation's clock, since the task was created (0 if unknown).

    ``scale`` is the clock's speed-up (1 against the real service), so in the simulator's
    sped-up world the progress numbers agree with the simulated task.
    """
    try:
        created = datetime.fromisoformat(entry.created_at)
    except ValueError:
        return 0.0
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    moment = now or datetime.now(timezone.utc)
    return max(0.0, (moment - created).total_seconds()) * scale


# --- the conversation ------------------------------------------------------------------------
@dataclass
class ResumeOutcome:
    """How resume ended (for exit codes)."""

    succeeded: bool = False
    #: Nothing to resume: exit code 2.
    nothing: bool = False
    reason: str | None = None
    task_id: str | None = None
    #: The language spoken, once known.
    lang: Lang = "en"


class Resumption:
    """One resume. Iterate it once (``async for reply in resumption``); then read
    :attr:`outcome`."""

    def __init__(
        self,
        request: ResumeRequest,
        *,
        client: ImaClient,
        clock: Clock,
        journal: TaskJournal,
        scale: float = 1.0,
        downloader: Downloader | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.request = request
        self.outcome = ResumeOutcome(lang=lang_of(request.lang) if request.lang != "auto" else "en")
        self._client = client
        self._clock = clock
        self._journal = journal
        self._scale = scale
        self._download = downloader or download_image
        self._renderer = renderer or Renderer()
        self._started = False

    def __aiter__(self) -> AsyncIterator[Reply]:
        if self._started:
            raise RuntimeError("a resumption runs once")
        self._started = True
        return self._run()

    async def _run(self) -> AsyncIterator[Reply]:
        request = self.request
        entry = pick(self._journal, request)
        if entry is None:
            self.outcome.nothing = True
            self.outcome.reason = NOTHING_REASON
            text = render_extra(ResumeNothing(asked_for=bool(request.task_id)), self.outcome.lang)
            yield Reply("failure", text=text, reason=NOTHING_REASON)
            yield Reply("done")
            return
        lang = lang_of(request.lang if request.lang in ("zh", "en") else entry.lang)
        self.outcome.lang = lang
        self.outcome.task_id = entry.task_id
        delivered = entry.status == DELIVERED and entry.url is not None
        found = ResumeFound(model_name=entry.model_name, delivered=delivered)
        yield Reply("ack", text=render_extra(found, lang), lang=lang)
        try:
            if delivered and entry.url is not None:
                # Sent again from the journal: no poll. The link is the one delivered before.
                yield await self._success(entry, entry.url, waited_so_far(entry, self._scale))
            elif entry.status == FAILED:
                yield self._failure(Failure("task_failed"), "task_failed")
            else:
                async for reply in self._poll(entry):
                    yield reply
        except TaskFailed as exc:
            close_in_journal(self._journal, entry.task_id, FAILED, None)
            yield self._failure(Failure(exc.reason), exc.reason)
        except BadRequest as exc:
            # The only request here is the task detail: the service does not know the task
            # (expired, or another environment). It will never arrive; stop offering it.
            log.warning("resume of %s: the service does not know it: %s", entry.task_id, exc)
            close_in_journal(self._journal, entry.task_id, FAILED, None)
            self.outcome.reason = GONE_REASON
            text = render_extra(ResumeNothing(asked_for=True, gone=True), lang)
            yield Reply("failure", text=text, reason=GONE_REASON)
        except ImaError as exc:
            # The task may still finish (our deadline, a lost connection, a refused key, a
            # server error): it stays pending in the journal for another resume.
            log.warning("resume of %s failed (%s): %s", entry.task_id, exc.reason, exc)
            yield self._failure(Failure(exc.reason, may_still_arrive=True), exc.reason)
        except Exception:
            log.exception("unexpected error while resuming %s", entry.task_id)
            yield self._failure(Failure("unknown"), "unknown")
        yield Reply("done")

    async def _poll(self, entry: JournalEntry) -> AsyncIterator[Reply]:
        """Poll the task on the model's cadence, with progress messages, until it ends."""
        info = catalog.model_info(entry.model_id)
        already = waited_so_far(entry, self._scale)
        start = self._clock.now()
        watching = watch(
            self._client,
            self._clock,
            entry.task_id,
            info,
            schedule=schedule_for(info),
            timeout_s=self.request.timeout_s or catalog.TASK_TIMEOUT_S,
            already_s=already,
            poll_at_once=True,
        )
        async for item in watching:
            if isinstance(item, ProgressPoint):
                message = Progress(item.percent, item.elapsed_s, item.estimated_max_s, item.overdue)
                yield Reply(
                    "progress",
                    text=self._renderer.render(message, self.outcome.lang),
                    percent=item.percent,
                    elapsed_s=item.elapsed_s,
                )
            elif item.url:
                elapsed = already + self._clock.now() - start
                yield await self._success(entry, item.url, elapsed)

    async def _success(self, entry: JournalEntry, url: str, elapsed_s: float) -> Reply:
        path = await save_picture(self._download, url, self.request.out_dir, entry.task_id)
        close_in_journal(self._journal, entry.task_id, DELIVERED, url)
        self.outcome.succeeded = True
        info = catalog.model_info(entry.model_id)
        elapsed = round(elapsed_s)
        success = Success(
            model_name=entry.model_name,
            eta_s=info.eta_s,
            elapsed_s=elapsed,
            credits=entry.credit,
            url=url,
            path=str(path) if path else None,
        )
        return Reply(
            "success",
            text=self._renderer.render(success, self.outcome.lang),
            model=entry.model_name,
            media=url,
            path=str(path) if path else None,
            elapsed_s=elapsed,
            credits=entry.credit,
        )

    def _failure(self, message: Failure, reason: str) -> Reply:
        self.outcome.reason = reason
        return Reply(
            "failure", text=self._renderer.render(message, self.outcome.lang), reason=reason
        )


def resume_exit_code(outcome: ResumeOutcome) -> int:
    """0 delivered; 2 nothing to resume (nothing was asked of the server); 1 failed, told."""
    if outcome.succeeded:
        return EXIT_OK
    return EXIT_USAGE if outcome.nothing else EXIT_FAILED
