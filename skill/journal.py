"""The task journal: every created task, written down before polling starts.

A task costs credits the moment it is created. If the process dies, is interrupted or gives up
waiting, the journal still knows the task id, so ``resume`` can fetch the picture instead of
paying for a second one.

Layout: one small JSON file a task, so a write costs the same with ten entries or 70,000::

    ~/.openclaw/memory/ima_tasks/pending/<name>.json    created, not yet delivered nor failed
    ~/.openclaw/memory/ima_tasks/finished/<name>.json   delivered or failed (mtime = finished_at)
    ~/.openclaw/memory/ima_tasks/.pruned                 when finished files were last pruned
    ~/.openclaw/memory/ima_tasks.lock                    the lock every change holds

Each file holds one entry (the fields of :class:`JournalEntry`) and is written atomically
(:func:`skill.atomic.write_json_atomic`). ``finish`` writes the ``finished`` file first and
then removes the ``pending`` one, so a reader always finds the task in one of them; if both are
there (a crash in between), the finished one wins. ``pending`` lists only the ``pending``
folder, which holds the few tasks never delivered. The file name is the task id when it is a
short lowercase ``[a-z0-9_-]`` word, otherwise a readable part plus a hash (:func:`task_file_name`):
an id from the server never names a path outside the folder.

Finished entries older than :data:`JOURNAL_RETENTION_DAYS` are pruned at most once every
:data:`PRUNE_INTERVAL` (shared by every process through the ``.pruned`` mark), reading only the
files whose modification time is old enough. A file that is not JSON is moved aside to
``<name>.corrupt-<stamp>`` and logged; the other tasks are not affected.

The previous release kept every task in ``~/.openclaw/memory/ima_tasks.json``::

    {"version": 1, "tasks": {"<task_id>": {"task_id": ..., "status": "pending", ...}}}

On first use its entries are copied into the folder under that file's own lock, then the file
is renamed ``ima_tasks.json.migrated-<stamp>`` (kept, with any record that could not be read).

The key is never stored; the prompt is passed through :func:`skill.logs.redact` in case someone
pasted it there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from skill import settings
from skill.atomic import (
    FILE_MODE,
    CorruptJSON,
    ensure_private_dir,
    exclusive_lock,
    locked_json,
    move_aside,
    parse_json,
    write_json_atomic,
)
from skill.logs import redact

__all__ = [
    "JOURNAL_RETENTION_DAYS",
    "PRUNE_INTERVAL",
    "STATUSES",
    "JournalEntry",
    "TaskJournal",
    "task_file_name",
]

logger = logging.getLogger("skill.journal")

#: Finished entries older than this are dropped when the journal is next pruned.
JOURNAL_RETENTION_DAYS = 7
#: Pruning reads the ``finished`` folder's listing; once an hour is plenty for a week's keep.
PRUNE_INTERVAL = timedelta(hours=1)
JOURNAL_VERSION = 1
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES: tuple[str, ...] = (PENDING, DELIVERED, FAILED)
FINISHED_STATUSES: tuple[str, ...] = (DELIVERED, FAILED)

PENDING_DIR = "pending"
FINISHED_DIR = "finished"
PRUNE_MARK = ".pruned"
TASK_SUFFIX = ".json"
MIGRATED_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: A task id used as a file name as it is: lowercase only (macOS folders ignore case), no dot
#: (so never ``..`` nor a hidden name), no separator, bounded length.
_PLAIN_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_NOT_PLAIN = re.compile(r"[^a-z0-9_-]+")
#: Any other id: up to this many of its plain characters, ``@`` (never in a plain name, so the
#: two kinds cannot collide) and this many hex digits of its SHA-256.
READABLE_CHARS = 32
HASH_CHARS = 32


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _empty_journal() -> dict[str, Any]:
    return {"version": JOURNAL_VERSION, "tasks": {}}


def task_file_name(task_id: str) -> str:
    """The file name of ``task_id``'s entry: safe in any folder, whatever the server sent."""
    if _PLAIN_ID.fullmatch(task_id):
        return task_id + TASK_SUFFIX
    digest = hashlib.sha256(task_id.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    readable = _NOT_PLAIN.sub("", task_id.lower())[:READABLE_CHARS]
    return f"{readable}@{digest}{TASK_SUFFIX}"


def _is_task_file(name: str) -> bool:
    # Temporary files start with a dot; corrupt files set aside end in their stamp.
    return name.endswith(TASK_SUFFIX) and not name.startswith(".")


@dataclass(frozen=True)
class JournalEntry:
    """One created task, as much as ``resume`` needs to deliver it and tell the person."""

    task_id: str
    user_id: str
    task_type: str
    model_id: str
    model_name: str
    size: str | None
    aspect_ratio: str | None
    prompt: str
    credit: int
    lang: str
    created_at: str
    status: str = PENDING
    url: str | None = None
    finished_at: str | None = None


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "task_id": (str,),
    "user_id": (str,),
    "task_type": (str,),
    "model_id": (str,),
    "model_name": (str,),
    "size": (str, type(None)),
    "aspect_ratio": (str, type(None)),
    "prompt": (str,),
    "credit": (int,),
    "lang": (str,),
    "created_at": (str,),
    "status": (str,),
    "url": (str, type(None)),
    "finished_at": (str, type(None)),
}
_REQUIRED = {f.name for f in fields(JournalEntry) if f.default is MISSING}


def _parse_entry(raw: object) -> JournalEntry | None:
    """A stored record as an entry; ``None`` for a record that is not one (it stays on disk)."""
    if not isinstance(raw, dict) or not raw.keys() >= _REQUIRED:
        return None
    values: dict[str, Any] = {}
    for name, types in _FIELD_TYPES.items():
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, types):
            return None
        values[name] = value
    if values.get("status", PENDING) not in STATUSES:
        return None
    return JournalEntry(**values)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _finished_moment(entry: JournalEntry) -> datetime | None:
    return _parse_time(entry.finished_at) or _parse_time(entry.created_at)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class TaskJournal:
    """Record created tasks, mark them finished, and find the ones never delivered.

    ``path`` is the journal's folder (default :func:`skill.settings.journal_path`); ``legacy``
    is the previous release's single file, migrated on first use (default: the folder's name
    plus ``.json``, beside it).
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        legacy: Path | None = None,
    ):
        self.path = path if path is not None else settings.journal_path()
        if legacy is None:
            legacy = (
                settings.legacy_journal_path()
                if path is None
                else path.with_name(path.name + ".json")
            )
        self.legacy_path = legacy
        self._pending = self.path / PENDING_DIR
        self._finished = self.path / FINISHED_DIR
        self._now = now or _utc_now

    # -- the public API ----------------------------------------------------------------------

    def record(self, entry: JournalEntry) -> None:
        """Write ``entry`` down (call it right after create, before polling starts)."""
        safe = replace(entry, prompt=redact(entry.prompt))
        self._migrate()
        name = task_file_name(entry.task_id)
        with exclusive_lock(self.path):
            write_json_atomic(self._pending / name, asdict(safe))
            _unlink(self._finished / name)  # a task id recorded again starts over
            self._prune_if_due()
        logger.info(
            "journal: task %s recorded (user=%s model=%s)",
            entry.task_id,
            entry.user_id,
            entry.model_id,
        )

    def finish(self, task_id: str, *, status: str, url: str | None = None) -> None:
        """Mark a task ``delivered`` or ``failed``; an unknown task id is logged, not raised
        (a journal lost to corruption must not stop a delivery)."""
        if status not in FINISHED_STATUSES:
            raise ValueError(f"status must be one of {FINISHED_STATUSES}, got {status!r}")
        self._migrate()
        name = task_file_name(task_id)
        pending, finished = self._pending / name, self._finished / name
        with exclusive_lock(self.path):
            raw = self._load(finished, held=True)
            if raw is None:
                raw = self._load(pending, held=True)
            if raw is None or raw.get("task_id") != task_id:
                logger.warning("journal: finish(%s) for a task it does not hold", task_id)
                return
            moment = self._now().astimezone(timezone.utc)
            raw.update(status=status, url=url, finished_at=moment.isoformat())
            # Finished first, then the pending file goes: a reader always finds the task.
            write_json_atomic(finished, raw, mtime=moment.timestamp())
            _unlink(pending)
        logger.info("journal: task %s %s", task_id, status)

    def get(self, task_id: str) -> JournalEntry | None:
        """The entry of ``task_id``, if the journal holds a readable one."""
        self._migrate()
        name = task_file_name(task_id)
        # Finished wins over pending; the second look at ``finished`` catches a finish that
        # moved the task between the first two reads.
        for file in (self._finished / name, self._pending / name, self._finished / name):
            raw = self._load(file, held=False)
            if raw is not None:
                entry = _parse_entry(raw)
                return entry if entry is not None and entry.task_id == task_id else None
        return None

    def pending(self, user_id: str | None = None) -> list[JournalEntry]:
        """Tasks created but never delivered nor failed, newest first (of one user, or all)."""
        self._migrate()
        with exclusive_lock(self.path):
            self._prune_if_due()
        found: list[JournalEntry] = []
        for name in self._names(self._pending):
            if (self._finished / name).exists():
                continue  # finished, its pending file not yet removed
            entry = _parse_entry(self._load(self._pending / name, held=False))
            if (
                entry is not None
                and entry.status == PENDING
                and (user_id is None or entry.user_id == user_id)
            ):
                found.append(entry)
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        found.sort(key=lambda e: _parse_time(e.created_at) or epoch, reverse=True)
        return found

    # -- files ---------------------------------------------------------------------------------

    @staticmethod
    def _names(folder: Path) -> list[str]:
        try:
            with os.scandir(folder) as listing:
                return [item.name for item in listing if _is_task_file(item.name)]
        except FileNotFoundError:
            return []

    def _load(self, file: Path, *, held: bool) -> dict[str, Any] | None:
        """The JSON object in ``file``; ``None`` if it is missing or corrupt (then set aside).

        ``held`` says the caller holds the journal's lock (it is not re-entrant)."""
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return None
        try:
            value: dict[str, Any] = parse_json(raw, dict)
        except CorruptJSON as exc:
            if held:  # nobody replaces a file under the lock: it is corrupt for good
                move_aside(file, str(exc))
                return None
        else:
            return value
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
                _unlink(self._pending / name)  # left by a finish that stopped half-way
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
            entry = _parse_entry(self._load(Path(item.path), held=True))
            if entry is None or entry.status not in FINISHED_STATUSES:
                continue  # not readable as an entry: kept, as a record we do not understand
            moment = _finished_moment(entry)
            if moment is not None and moment < cutoff:
                _unlink(Path(item.path))
                removed += 1
        if removed:
            logger.info("journal: pruned %d finished tasks older than %s", removed, cutoff)

    # -- the previous release's single file ----------------------------------------------------

    def _migrate(self) -> None:
        """Copy the old ``ima_tasks.json`` into the folder once, then rename it aside."""
        if not self.legacy_path.exists():
            return  # the usual case: one stat
        try:
            # The old file's own lock: a previous release writing it at this moment waits.
            with locked_json(self.legacy_path, default=_empty_journal) as box:
                if not self.legacy_path.exists():
                    return  # another process migrated it, or it was corrupt and set aside
                tasks = box.data.get("tasks")
                with exclusive_lock(self.path):
                    copied, unreadable = self._import(tasks if isinstance(tasks, dict) else {})
                    kept = self._rename_migrated()
        except OSError as exc:
            # Never fail a delivery over the old file: it stays where it is for the next try.
            logger.error("journal: could not migrate %s: %s", self.legacy_path, exc)
            return
        logger.info(
            "journal: moved %d tasks from %s into %s (%d unreadable records kept in %s)",
            copied,
            self.legacy_path.name,
            self.path,
            unreadable,
            kept.name,
        )

    def _import(self, tasks: dict[str, Any]) -> tuple[int, int]:
        """Write the old file's entries into the folder (caller holds both locks)."""
        cutoff = self._now() - timedelta(days=JOURNAL_RETENTION_DAYS)
        copied = unreadable = 0
        for raw in tasks.values():
            entry = _parse_entry(raw)
            if entry is None:
                unreadable += 1
                continue
            name = task_file_name(entry.task_id)
            if (self._pending / name).exists() or (self._finished / name).exists():
                continue  # already written by this release: newer than the old file
            if entry.status == PENDING:
                write_json_atomic(self._pending / name, raw)
            else:
                moment = _finished_moment(entry)
                if moment is not None and moment < cutoff:
                    continue  # would be pruned at once
                when = moment.timestamp() if moment is not None else None
                write_json_atomic(self._finished / name, raw, mtime=when)
            copied += 1
        return copied, unreadable

    def _rename_migrated(self) -> Path:
        stamp = self._now().astimezone(timezone.utc).strftime(MIGRATED_STAMP_FORMAT)
        legacy = self.legacy_path
        target = legacy.with_name(f"{legacy.name}.migrated-{stamp}")
        suffix = 0
        while target.exists():
            suffix += 1
            target = legacy.with_name(f"{legacy.name}.migrated-{stamp}-{suffix}")
        legacy.rename(target)
        return target
