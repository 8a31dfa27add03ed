"""The task journal: every created task, written down before polling starts.

A task costs credits the moment it is created. If the process dies, is interrupted or gives up
waiting, the journal still knows the task id, so ``resume`` can fetch the picture instead of
paying for a second one. File: ``~/.openclaw/memory/ima_tasks.json``::

    {"version": 1, "tasks": {"<task_id>": {"task_id": ..., "status": "pending", ...}}}

Updates go through :func:`skill.atomic.locked_json`. Finished entries older than
:data:`JOURNAL_RETENTION_DAYS` are pruned whenever the journal is written. The key is never
stored; the prompt is passed through :func:`skill.logs.redact` in case someone pasted it there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from skill import settings
from skill.atomic import locked_json, read_json
from skill.logs import redact

__all__ = [
    "JOURNAL_RETENTION_DAYS",
    "STATUSES",
    "JournalEntry",
    "TaskJournal",
]

logger = logging.getLogger("skill.journal")

#: Finished entries older than this are dropped when the journal is next written.
JOURNAL_RETENTION_DAYS = 7
JOURNAL_VERSION = 1
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES: tuple[str, ...] = (PENDING, DELIVERED, FAILED)
FINISHED_STATUSES: tuple[str, ...] = (DELIVERED, FAILED)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _empty_journal() -> dict[str, Any]:
    return {"version": JOURNAL_VERSION, "tasks": {}}


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


def _tasks(document: dict[str, Any]) -> dict[str, Any]:
    """The ``tasks`` mapping of a journal document, repaired in place if it is not a mapping."""
    tasks = document.get("tasks")
    if not isinstance(tasks, dict):
        tasks = {}
        document["tasks"] = tasks
    return tasks


class TaskJournal:
    """Record created tasks, mark them finished, and find the ones never delivered."""

    def __init__(self, path: Path | None = None, *, now: Callable[[], datetime] | None = None):
        self.path = path if path is not None else settings.journal_path()
        self._now = now or _utc_now

    def _stamp(self) -> str:
        return self._now().astimezone(timezone.utc).isoformat()

    def _prune(self, tasks: dict[str, Any]) -> None:
        cutoff = self._now() - timedelta(days=JOURNAL_RETENTION_DAYS)
        for task_id in list(tasks):
            entry = _parse_entry(tasks[task_id])
            if entry is None or entry.status not in FINISHED_STATUSES:
                continue
            moment = _parse_time(entry.finished_at) or _parse_time(entry.created_at)
            if moment is not None and moment < cutoff:
                del tasks[task_id]

    def record(self, entry: JournalEntry) -> None:
        """Write ``entry`` down (call it right after create, before polling starts)."""
        safe = replace(entry, prompt=redact(entry.prompt))
        with locked_json(self.path, default=_empty_journal) as box:
            tasks = _tasks(box.data)
            self._prune(tasks)
            tasks[entry.task_id] = asdict(safe)
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
        with locked_json(self.path, default=_empty_journal) as box:
            tasks = _tasks(box.data)
            raw = tasks.get(task_id)
            if not isinstance(raw, dict):
                logger.warning("journal: finish(%s) for a task it does not hold", task_id)
                return
            raw.update(status=status, url=url, finished_at=self._stamp())
            self._prune(tasks)
        logger.info("journal: task %s %s", task_id, status)

    def get(self, task_id: str) -> JournalEntry | None:
        """The entry of ``task_id``, if the journal holds a readable one."""
        tasks = read_json(self.path, default=_empty_journal).get("tasks")
        return _parse_entry(tasks.get(task_id)) if isinstance(tasks, dict) else None

    def pending(self, user_id: str | None = None) -> list[JournalEntry]:
        """Tasks created but never delivered nor failed, newest first (of one user, or all)."""
        tasks = read_json(self.path, default=_empty_journal).get("tasks")
        if not isinstance(tasks, dict):
            return []
        found = [
            entry
            for raw in tasks.values()
            if (entry := _parse_entry(raw)) is not None
            and entry.status == PENDING
            and (user_id is None or entry.user_id == user_id)
        ]
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        found.sort(key=lambda e: _parse_time(e.created_at) or epoch, reverse=True)
        return found
