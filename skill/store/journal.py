"""The task journal: every job written down before its create is sent, and kept until it ends.

A task costs credits the moment it is created. If the process dies, is interrupted or gives up
waiting, the journal still knows the job and its task ids, so ``resume`` (or a follow-up "where
is my picture?") can fetch the picture instead of paying for a second one. A job whose create
was sent but whose answer was lost stays here with no task id: it is told as such, never
created again.

Layout: one small JSON file a job, so a write costs the same with ten jobs or 70,000::

    ~/.openclaw/memory/ima_tasks/pending/<name>.json    not yet delivered nor failed
    ~/.openclaw/memory/ima_tasks/finished/<name>.json   delivered or failed (mtime = finished_at)
    ~/.openclaw/memory/ima_tasks/.pruned                 when finished files were last pruned
    ~/.openclaw/memory/ima_tasks.lock                    the lock every change holds

Each file holds one :class:`skill.job.Job`, written atomically (:mod:`skill.atomic`) and read
through pydantic; the previous release's flat records (named after their task id) load as Jobs
too. A file that cannot be read as a Job is moved aside to ``<name>.corrupt-<stamp>`` with one
log line; the other jobs are not affected. The name is the job id when it is a short lowercase
``[a-z0-9_-]`` word, otherwise a readable part plus a hash (:func:`task_file_name`): an id from
the server never names a path outside the folder.

A change writes the job's file in the folder of its status and then removes it from the other,
so a reader always finds it; if both are there (a crash in between), the finished one wins.
Finished jobs older than :data:`JOURNAL_RETENTION_DAYS` are pruned at most once every
:data:`PRUNE_INTERVAL` (shared by every process through the ``.pruned`` mark).

The key is never stored; the prompt passes through :func:`skill.logs.redact` in case someone
pasted a key into it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import ValidationError

from skill import settings
from skill.atomic import (
    FILE_MODE,
    CorruptJSON,
    ensure_private_dir,
    exclusive_lock,
    move_aside,
    parse_json,
    write_json_atomic,
)
from skill.job import PENDING, Job, parse_stamp
from skill.logs import redact

__all__ = [
    "JOURNAL_RETENTION_DAYS",
    "PRUNE_INTERVAL",
    "TaskJournal",
    "new_job_id",
    "stored_form",
    "stored_id",
    "task_file_name",
]

logger = logging.getLogger("skill.journal")

#: Finished jobs older than this are dropped when the journal is next pruned.
JOURNAL_RETENTION_DAYS = 7
#: Pruning reads the ``finished`` folder's listing; once an hour is plenty for a week's keep.
PRUNE_INTERVAL = timedelta(hours=1)
PENDING_DIR = "pending"
FINISHED_DIR = "finished"
PRUNE_MARK = ".pruned"
TASK_SUFFIX = ".json"
#: A job id used as a file name as it is: lowercase only (macOS folders ignore case), no dot
#: (so never ``..`` nor a hidden name), no separator, bounded length.
_PLAIN_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_NOT_PLAIN = re.compile(r"[^a-z0-9_-]+")
#: Any other id: up to this many of its plain characters, ``@`` (never in a plain name, so the
#: two kinds cannot collide) and this many hex digits of its SHA-256.
READABLE_CHARS = 32
HASH_CHARS = 32
#: Random bytes in a new job id.
JOB_ID_BYTES = 10


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


#: A job id the journal gave (before the job had a task of its own).
JOB_ID_PREFIX = "job-"


def new_job_id() -> str:
    """A fresh job id: ``job-`` and 20 hex digits (a plain file name)."""
    return JOB_ID_PREFIX + secrets.token_hex(JOB_ID_BYTES)


def stored_id(job: Job) -> str:
    """The id a job is kept under: its own, a new ``job-...`` one the first time, and its first
    task's id once it has one (every backend keys jobs the same way)."""
    previous = job.job_id
    if job.task_ids and (previous is None or previous.startswith(JOB_ID_PREFIX)):
        return job.task_ids[0]
    return previous or new_job_id()


def stored_form(job: Job, job_id: str) -> Job:
    """``job`` as a store keeps it: under ``job_id`` (:func:`stored_id`), every text a caller
    supplied through :func:`skill.logs.redact`, and validated, so nothing is kept that could
    not be read back."""
    return Job.model_validate(
        job.redacted(redact).model_copy(update={"job_id": job_id}).model_dump(mode="json")
    )


def task_file_name(job_id: str) -> str:
    """The file name of a job's record: safe in any folder, whatever the id holds."""
    if _PLAIN_ID.fullmatch(job_id):
        return job_id + TASK_SUFFIX
    digest = hashlib.sha256(job_id.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    readable = _NOT_PLAIN.sub("", job_id.lower())[:READABLE_CHARS]
    return f"{readable}@{digest}{TASK_SUFFIX}"


def _is_task_file(name: str) -> bool:
    # Temporary files start with a dot; corrupt files set aside end in their stamp.
    return name.endswith(TASK_SUFFIX) and not name.startswith(".")


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


class TaskJournal:
    """Write jobs down, mark them finished, and find the ones never delivered.

    ``path`` is the journal's folder (default :func:`skill.settings.journal_path`).
    """

    def __init__(self, path: Path | None = None, *, now: Callable[[], datetime] | None = None):
        self.path = path if path is not None else settings.journal_path()
        self._pending = self.path / PENDING_DIR
        self._finished = self.path / FINISHED_DIR
        self._now = now or _utc_now

    # -- the public API ----------------------------------------------------------------------

    def record(self, job: Job) -> Job:
        """Write ``job`` down as it is now (in the folder of its status); the job as stored.

        A job gets an id the first time (``job-...``) and, once its first task exists, that
        task's id instead, so that looking a job up by its task id reads one file (as the
        previous release's records, named after their task, do). Every text a caller
        supplied passes through :func:`skill.logs.redact` first, and the job is validated
        before it is written: nothing reaches the disk that could not be read back.
        """
        previous = job.job_id
        job_id = stored_id(job)
        stored = stored_form(job, job_id)
        name = task_file_name(job_id)
        body = stored.model_dump(mode="json")
        with exclusive_lock(self.path):
            if stored.status == PENDING:
                write_json_atomic(self._pending / name, body)
                _unlink(self._finished / name)  # a job recorded again starts over
            else:
                moment = parse_stamp(stored.finished_at) or self._now()
                write_json_atomic(self._finished / name, body, mtime=moment.timestamp())
                _unlink(self._pending / name)
            if previous is not None and previous != job_id:  # re-keyed by its first task
                old = task_file_name(previous)
                _unlink(self._pending / old)
                _unlink(self._finished / old)
            self._prune_if_due()
        logger.info(
            "journal: job %s %s (tasks %s, user=%s)",
            job.job_id,
            job.status,
            ",".join(job.task_ids) or "-",
            job.request.user_id,
        )
        return stored

    def get(self, key: str) -> Job | None:
        """The job of ``key`` (a job id or one of its task ids), if the journal holds it."""
        name = task_file_name(key)
        # Finished wins over pending; the second look at ``finished`` catches a change that
        # moved the job between the first two reads.
        for file in (self._finished / name, self._pending / name, self._finished / name):
            job = self._load(file)
            if job is not None and (job.job_id == key or key in job.task_ids):
                return job
        for job in self._scan(self._pending):  # a later task of a job of several pictures
            if key in job.task_ids:
                return job
        for job in self._scan(self._finished):
            if key in job.task_ids:
                return job
        return None

    def pending(self, user_id: str | None = None) -> list[Job]:
        """Jobs never delivered nor failed, newest first (of one user, or of everyone)."""
        with exclusive_lock(self.path):
            self._prune_if_due()
        found = [
            job
            for job in self._scan(self._pending, skip_finished=True)
            if job.status == PENDING and (user_id is None or job.request.user_id == user_id)
        ]
        found.sort(key=lambda j: parse_stamp(j.created_at) or _EPOCH, reverse=True)
        return found

    # -- files ---------------------------------------------------------------------------------

    @staticmethod
    def _names(folder: Path) -> list[str]:
        try:
            with os.scandir(folder) as listing:
                return [item.name for item in listing if _is_task_file(item.name)]
        except FileNotFoundError:
            return []

    def _scan(self, folder: Path, *, skip_finished: bool = False) -> Iterator[Job]:
        for name in self._names(folder):
            if skip_finished and (self._finished / name).exists():
                continue  # finished, its pending file not yet removed
            job = self._load(folder / name)
            if job is not None:
                yield job

    def _load(self, file: Path, *, held: bool = False) -> Job | None:
        """The job in ``file``; ``None`` if it is missing or unreadable (then set aside).

        ``held`` says the caller holds the journal's lock (it is not re-entrant)."""
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return Job.model_validate(parse_json(raw, dict))
        except (CorruptJSON, ValidationError) as exc:
            problem = f"not a job ({type(exc).__name__})"
        if held:  # nobody replaces a file under the lock: it is unreadable for good
            move_aside(file, problem)
            return None
        with exclusive_lock(self.path):
            return self._load(file, held=True)  # a writer may have replaced it meanwhile

    # -- pruning -------------------------------------------------------------------------------

    def _prune_if_due(self) -> None:
        """Prune if no process did in the last :data:`PRUNE_INTERVAL` (caller holds the lock)."""
        now = self._now()
        mark = self.path / PRUNE_MARK
        try:
            since = now.timestamp() - mark.stat().st_mtime
        except FileNotFoundError:
            since = None
        # A mark from the future (the clock was set back) does not stop pruning for good.
        if since is not None and 0 <= since < PRUNE_INTERVAL.total_seconds():
            return
        ensure_private_dir(self.path)
        mark.touch(mode=FILE_MODE)
        os.utime(mark, (now.timestamp(), now.timestamp()))
        self._prune(now)

    def _prune(self, now: datetime) -> None:
        for name in self._names(self._pending):
            if (self._finished / name).exists():
                _unlink(self._pending / name)  # left by a change that stopped half-way
        cutoff = now - timedelta(days=JOURNAL_RETENTION_DAYS)
        removed = 0
        try:
            listing = list(os.scandir(self._finished))
        except FileNotFoundError:
            return
        for item in listing:
            if not _is_task_file(item.name):
                continue
            try:
                # A finished file's mtime is its finished_at: only old ones are worth reading.
                if item.stat().st_mtime >= cutoff.timestamp():
                    continue
            except FileNotFoundError:
                continue
            job = self._load(Path(item.path), held=True)
            if job is None or job.status == PENDING:
                continue
            moment = parse_stamp(job.finished_at) or parse_stamp(job.created_at)
            if moment is not None and moment < cutoff:
                _unlink(Path(item.path))
                removed += 1
        if removed:
            logger.info("journal: pruned %d finished jobs older than %s", removed, cutoff)
