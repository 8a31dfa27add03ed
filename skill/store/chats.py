"""The follow-up memory and the "generation running" claim, on files, with the standard library.

Each chat and person has two files under ``ima_chats/`` (beside the journal's folder), named by
a hash of the chat id and the user id together:

* ``<key>.json``: ``{"at": ISO 8601 UTC, "job": <the Job as JSON>}``, the person's last job in
  that chat (request, outcome, the alternatives offered, the result links), written atomically
  by :class:`skill.store.files.FileStore`, kept :data:`skill.catalog.FOLLOWUP_MEMORY_S`;
* ``<key>.busy``: held with an exclusive ``flock`` while a generation runs for them; the system
  releases it when its process ends, whatever the way.

This module reads the memory as plain JSON and takes the claim without pydantic, httpx or the
IMA client: ``run``'s first reply is made from it (:mod:`skill.flow.ack`), before those load.
Nothing here raises for a missing, unreadable or corrupt file: it is as good as no memory.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill import catalog, settings

# The claim is looked at before run's first line: CPython's own SHA-256 costs a quarter of a
# millisecond to load, hashlib (OpenSSL's) nearly 4; the digest is the same. The memory's
# times (datetime, 2 ms more) are read only for a follow-up, so they load there.
if TYPE_CHECKING:
    from datetime import datetime
    from hashlib import sha256
else:
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:  # pragma: no cover - another Python
        try:
            from _sha2 import sha256  # CPython 3.12+
        except ImportError:
            from hashlib import sha256

CHATS_DIR = "ima_chats"
#: The claim files and their folder, like every other file of the store: owner only.
_FILE_MODE = 0o600
_DIR_MODE = 0o700


def chat_key(chat_id: str, user_id: str) -> str:
    """A file name for a chat and a person: whatever the ids hold, one plain bounded name."""
    raw = "\x00".join((chat_id, user_id)).encode("utf-8", "surrogatepass")
    return sha256(raw).hexdigest()[:40]


def memory_path(folder: Path, chat_id: str, user_id: str) -> Path:
    return folder / f"{chat_key(chat_id, user_id)}.json"


def busy_path(folder: Path, chat_id: str, user_id: str) -> Path:
    return folder / f"{chat_key(chat_id, user_id)}.busy"


def remembered_at(record: Mapping[str, Any]) -> datetime | None:
    """When a memory record was written (UTC), or None when it does not say."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(str(record["at"]))
    except (KeyError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def fresh_job(
    record: object, chat_id: str, user_id: str, *, now: datetime | None = None
) -> dict[str, Any] | None:
    """The remembered job of a memory record, as plain JSON, if the record is well formed,
    younger than :data:`skill.catalog.FOLLOWUP_MEMORY_S` and about this chat and person."""
    from datetime import datetime, timezone

    if not isinstance(record, dict):
        return None
    moment = remembered_at(record)
    job = record.get("job")
    if moment is None or not isinstance(job, dict):
        return None
    age = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    if age > catalog.FOLLOWUP_MEMORY_S:
        return None
    request = job.get("request")
    if not isinstance(request, dict):
        return None
    if (request.get("chat_id"), request.get("user_id")) != (chat_id, user_id):
        return None  # a hash collision is as good as nothing remembered
    return job


def read_memory(folder: Path, chat_id: str, user_id: str) -> dict[str, Any] | None:
    """The last job of ``user_id`` in ``chat_id`` as plain JSON, or None (nothing remembered,
    too old, unreadable: the follow-up then has nothing to follow, and nothing fails)."""
    try:
        raw = memory_path(folder, chat_id, user_id).read_bytes()
        record = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None
    return fresh_job(record, chat_id, user_id)


class FileLease:
    """An ``flock`` held on an open file: released by :meth:`release` (or :meth:`close`, the
    same without an event loop) or when the process ends, whichever comes first."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def close(self) -> None:
        """Give the claim up (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    async def release(self) -> None:
        """:meth:`close` (the :class:`skill.store.base.Lease` protocol)."""
        self.close()

    @property
    def held(self) -> bool:
        return self._fd is not None


def hold(folder: Path, chat_id: str, user_id: str) -> FileLease | None:
    """Claim "a generation is running" for this chat and person; None when another holder
    (this process or another) has it. ``OSError`` when the folder cannot be written."""
    folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    fd = os.open(busy_path(folder, chat_id, user_id), os.O_RDWR | os.O_CREAT, _FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return FileLease(fd)


class FileRecall:
    """The memory and the claim of a file store's folder, for ``run``'s first reply:
    :func:`read_memory` and :func:`hold` on ``folder`` (see :class:`skill.flow.ack.Recall`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def at_home(cls, env: Mapping[str, str] | None = None) -> FileRecall:
        """The folder of the default file store under ``env``'s HOME."""
        return cls(settings.journal_path(env).parent / CHATS_DIR)

    def last(self, chat_id: str, user_id: str) -> dict[str, Any] | None:
        return read_memory(self.folder, chat_id, user_id)

    def hold(self, chat_id: str, user_id: str) -> FileLease | None:
        return hold(self.folder, chat_id, user_id)
