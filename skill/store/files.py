"""The default store: small files under ``~/.openclaw/memory`` (see docs/contracts.md).

Preferences in ``ima_prefs.json`` (shared with the vendor's script), jobs in ``ima_tasks/``,
each chat and person's last job in ``ima_chats/<key>.json``, the "generation running" claims
as locks on ``ima_chats/<key>.busy``, seen events as files in ``ima_seen/``, counters (a bot's
daily credit budget) in ``ima_tallies/`` and a bot's notes in ``ima_notes/``. Every write
is atomic and under a lock, so several processes on one machine share them safely; a claim is
an ``flock`` that the system releases if its process dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from skill import catalog, settings
from skill.atomic import (
    FILE_MODE,
    CorruptJSON,
    ensure_private_dir,
    locked_json,
    move_aside,
    parse_json,
    read_json,
    write_json_atomic,
)
from skill.job import Job
from skill.logs import redact
from skill.store import chats
from skill.store.journal import TaskJournal
from skill.store.prefs import PreferenceStore

log = logging.getLogger("skill.store")

CHATS_DIR = chats.CHATS_DIR
SEEN_DIR = "ima_seen"
TALLIES_DIR = "ima_tallies"
NOTES_DIR = "ima_notes"
#: Seen marks are pruned at most this often (seconds), by their modification time.
SEEN_PRUNE_INTERVAL_S = 3600.0


def _empty() -> dict[str, object]:
    return {}


def _key(*parts: str) -> str:
    """A file name for a tuple of ids: whatever the ids hold, one plain bounded name."""
    raw = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:40]


class FileStore:
    """:class:`skill.store.base.Store` on files. ``prefs`` and ``journal`` are the file-level
    objects, for the commands that show or change them directly."""

    def __init__(
        self, *, prefs: PreferenceStore | None = None, journal: TaskJournal | None = None
    ) -> None:
        self.prefs = prefs or PreferenceStore()
        self.journal = journal or TaskJournal()
        # The follow-up memory and seen marks live beside the journal's folder.
        self._chats = self.journal.path.parent / CHATS_DIR
        self._seen = self.journal.path.parent / SEEN_DIR
        self._tallies = self.journal.path.parent / TALLIES_DIR
        self._notes = self.journal.path.parent / NOTES_DIR
        self._seen_pruned = 0.0

    @classmethod
    def at(cls, memory: Path) -> FileStore:
        """A store in the folder ``memory`` (tests, the demo's temporary home)."""
        return cls(
            prefs=PreferenceStore(memory / "ima_prefs.json"),
            journal=TaskJournal(memory / "ima_tasks"),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FileStore:
        """The store under the ``HOME`` of ``env`` (default the process environment)."""
        return cls(
            prefs=PreferenceStore(settings.prefs_path(env)),
            journal=TaskJournal(settings.journal_path(env)),
        )

    async def saved_model(self, user_id: str, task_type: str) -> str | None:
        saved = self.prefs.get(user_id, task_type)
        return saved.model_id if saved is not None else None

    async def save_model(
        self, user_id: str, task_type: str, *, model_id: str, model_name: str, credit: int | None
    ) -> None:
        self.prefs.save(user_id, task_type, model_id=model_id, model_name=model_name, credit=credit)

    async def clear_model(self, user_id: str, task_type: str | None = None) -> int:
        return self.prefs.clear(user_id, task_type)

    async def record(self, job: Job) -> Job:
        return self.journal.record(job)

    async def job(self, key: str) -> Job | None:
        return self.journal.get(key)

    async def pending(self, user_id: str | None = None) -> list[Job]:
        return self.journal.pending(user_id)

    async def remember(self, job: Job) -> None:
        request = job.request
        path = chats.memory_path(self._chats, request.chat_id, request.user_id)
        safe = job.redacted(redact)  # as in the journal: a pasted key is never written down
        body = {"at": datetime.now(timezone.utc).isoformat(), "job": safe.model_dump(mode="json")}
        write_json_atomic(path, body)

    async def last_job(self, chat_id: str, user_id: str) -> Job | None:
        path = chats.memory_path(self._chats, chat_id, user_id)
        try:
            raw = parse_json(path.read_bytes(), dict)
        except FileNotFoundError:
            return None
        except CorruptJSON as exc:
            # A memory that cannot be read costs only the follow-up, never the run.
            move_aside(path, f"not a remembered job ({type(exc).__name__})")
            return None
        moment = chats.remembered_at(raw)
        if moment is None or not isinstance(raw.get("job"), dict):
            move_aside(path, "not a remembered job")
            return None
        found = chats.fresh_job(raw, chat_id, user_id)
        if found is None:
            age = (datetime.now(timezone.utc) - moment).total_seconds()
            if age > catalog.FOLLOWUP_MEMORY_S:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            return None
        try:
            return Job.model_validate(found)
        except ValidationError as exc:
            move_aside(path, f"not a remembered job ({type(exc).__name__})")
            return None

    def memory_folder(self) -> Path:
        """Where the follow-up memory and the claims live (:mod:`skill.store.chats`)."""
        return self._chats

    async def hold(self, chat_id: str, user_id: str) -> chats.FileLease | None:
        ensure_private_dir(self._chats)
        return chats.hold(self._chats, chat_id, user_id)

    async def first_time(self, key: str, ttl_s: float) -> bool:
        ensure_private_dir(self._seen)
        self._prune_seen(ttl_s)
        path = self._seen / _key(key)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            try:
                if time.time() - path.stat().st_mtime <= ttl_s:
                    return False
            except FileNotFoundError:
                pass
            path.unlink(missing_ok=True)  # an old mark: this is a new first time
            return await self.first_time(key, ttl_s)
        os.close(fd)
        return True

    def _prune_seen(self, ttl_s: float) -> None:
        now = time.time()
        if now - self._seen_pruned < SEEN_PRUNE_INTERVAL_S:
            return
        self._seen_pruned = now
        with contextlib.suppress(FileNotFoundError), os.scandir(self._seen) as listing:
            for item in listing:
                with contextlib.suppress(FileNotFoundError):
                    if now - item.stat().st_mtime > ttl_s:
                        os.unlink(item.path)

    async def tally(self, key: str, amount: int, *, limit: int | None, ttl_s: float) -> int | None:
        path = self._tallies / f"{_key(key)}.json"
        now = time.time()
        with locked_json(path, default=_empty) as box:
            data = box.data
            expires = data.get("expires")
            value = data.get("value")
            if (
                not isinstance(expires, (int, float))
                or expires <= now
                or not isinstance(value, int)
            ):
                data = {"value": 0, "expires": now + ttl_s}
                value = 0
            total = value + amount
            if limit is not None and amount > 0 and total > limit:
                box.data = data
                return None
            data["value"] = total
            box.data = data
        return total

    async def put_note(self, key: str, note: Mapping[str, str], ttl_s: float) -> None:
        path = self._notes / f"{_key(key)}.json"
        write_json_atomic(path, {"key": key, "expires": time.time() + ttl_s, "note": dict(note)})

    async def note(self, key: str) -> dict[str, str] | None:
        path = self._notes / f"{_key(key)}.json"
        raw = read_json(path, default=_empty)
        note = raw.get("note")
        expires = raw.get("expires")
        if raw.get("key") != key or not isinstance(note, dict):
            return None
        if not isinstance(expires, (int, float)) or expires <= time.time():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        return {str(k): str(v) for k, v in note.items()}

    async def aclose(self) -> None:
        """Nothing to release: every file is closed after each change."""
