"""What the core keeps between runs, as one interface: :class:`Store`.

Preferences (the model a person chose), the task journal (every job, before its create is
sent), and what later issues add beside them (the follow-up memory, deduplication, a lock per
chat and person) all go through a store. Files under ``~/.openclaw`` are the default backend
(:class:`skill.store.files.FileStore`); every method is async so that a networked backend
(:class:`skill.store.redis_store.RedisStore`, ``IMA_STORE_URL``) stands in without the
conversation changing. :func:`skill.store.open_store` chooses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from skill.job import Job


class StoreUnavailable(OSError):
    """The store cannot be reached right now (a networked backend is down or too slow):
    nothing was read or written. An ``OSError``, so code that carries on without the store
    does; a bot tells the person the service is busy instead of starting anything."""


class Lease(Protocol):
    """A held claim (one generation at a time per chat and person); release it once."""

    async def release(self) -> None:
        """Give the claim up (idempotent)."""
        ...


class Store(Protocol):
    """Preferences and jobs, for one process. Every method may raise ``OSError``
    (:class:`StoreUnavailable` when a networked backend is out of reach): callers that can
    carry on without the store log it and do."""

    async def saved_model(self, user_id: str, task_type: str) -> str | None:
        """The model id ``user_id`` chose for ``task_type``, if any."""
        ...

    async def save_model(
        self, user_id: str, task_type: str, *, model_id: str, model_name: str, credit: int | None
    ) -> None:
        """Remember ``model_id`` for ``user_id`` and ``task_type``."""
        ...

    async def clear_model(self, user_id: str, task_type: str | None = None) -> int:
        """Forget the choice of ``user_id`` (for one task type, or all); how many were removed."""
        ...

    async def record(self, job: Job) -> Job:
        """Write ``job`` down as it is now; the job as stored (with a job id)."""
        ...

    async def job(self, key: str) -> Job | None:
        """The job of a job id or task id."""
        ...

    async def pending(self, user_id: str | None = None) -> list[Job]:
        """Jobs not yet delivered nor failed, newest first."""
        ...

    async def remember(self, job: Job) -> None:
        """Keep ``job`` as the last one of its chat and person (the follow-up memory), for
        :data:`skill.catalog.FOLLOWUP_MEMORY_S`."""
        ...

    async def last_job(self, chat_id: str, user_id: str) -> Job | None:
        """The last job of ``user_id`` in ``chat_id`` if it is still remembered."""
        ...

    async def hold(self, chat_id: str, user_id: str) -> Lease | None:
        """Claim "a generation is running" for this chat and person, across processes;
        ``None`` when someone already holds it."""
        ...

    async def first_time(self, key: str, ttl_s: float) -> bool:
        """True the first time ``key`` is seen within ``ttl_s`` seconds (deduplication of
        redelivered events), False every later time."""
        ...

    async def tally(self, key: str, amount: int, *, limit: int | None, ttl_s: float) -> int | None:
        """Add ``amount`` (may be negative) to the counter ``key`` unless the total would go
        over ``limit``, atomically across processes; the new total, or ``None`` when it would
        go over (nothing added). A counter starts at 0 and is forgotten ``ttl_s`` seconds after
        it was first added to (a daily credit budget)."""
        ...

    async def put_note(self, key: str, note: Mapping[str, str], ttl_s: float) -> None:
        """Keep a small record under ``key`` for ``ttl_s`` seconds, replacing any before it
        (where a bot shows a conversation, so another process can go on with it)."""
        ...

    async def note(self, key: str) -> dict[str, str] | None:
        """The record kept under ``key``, if it is still kept."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
