"""A created task, followed to its end: shared by a new conversation and by ``resume``.

Polling (by the task's expected time) and progress keep their own cadences (:func:`watch`);
the picture is saved when asked (:func:`save_picture`); the journal entry is closed without
ever failing a delivery (:func:`close_in_journal`). Whoever created or found the task owns
the words; this module owns the time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from skill import catalog
from skill.clock import Clock
from skill.flow.cadence import ProgressPoint, next_wake, progress_point
from skill.ima import ImaClient, PollSchedule, TaskFailed, TaskSnapshot, TaskTimeout
from skill.ima.polling import respect_hint
from skill.journal import TaskJournal

log = logging.getLogger("skill.flow")

#: Two instants closer than this are the same: a sleep computed as ``target - now`` can land a
#: rounding error short of ``target``, and the loop must not spin on that sliver.
_SAME_INSTANT_S = 1e-6

#: ``downloader(url, out_dir, stem) -> saved path``
Downloader = Callable[[str, Path, str], Awaitable[Path]]


async def watch(
    client: ImaClient,
    clock: Clock,
    task_id: str,
    info: catalog.ModelInfo,
    *,
    schedule: PollSchedule,
    timeout_s: float,
    already_s: float = 0.0,
    poll_at_once: bool = False,
) -> AsyncIterator[ProgressPoint | TaskSnapshot]:
    """Poll ``task_id`` and mark progress on their own cadences until the task ends.

    Polls follow ``schedule`` (task ages: see :mod:`skill.ima.polling`), later when the server
    asks for it with ``Retry-After``. Yields a :class:`ProgressPoint` at each progress time
    (every ``info.progress_interval_s`` from now) and the finished snapshot last; raises
    :class:`TaskFailed` or, once ``timeout_s`` has passed, :class:`TaskTimeout`. ``already_s``
    is how long the task had run before this watch began (a resumed task): progress counts from
    the task's start. ``poll_at_once`` polls before anything else (someone asked for it now).

    At an instant that is both a poll and a progress point, the poll comes first, so a task
    done by the first point gets no progress message. A point reports the cadence time itself
    (15 s, 30 s...), not the moment the loop woke up: a slow poll must not turn 25 % into 26 %;
    points a slow poll skipped entirely are dropped rather than bunched.
    """
    started_at = clock.now()
    born = started_at - already_s  # the clock time the task was created
    next_poll = started_at if poll_at_once else born + schedule.first()
    next_progress = started_at + info.progress_interval_s
    deadline = started_at + timeout_s
    while True:
        now = clock.now()
        if now + _SAME_INSTANT_S >= next_poll:
            age = now - born
            snap = await client.detail(task_id)
            if snap.state == "done" and snap.url:
                yield snap
                return
            if snap.state == "failed":
                raise TaskFailed(task_id, snap.resource_status, snap.status, snap.error or "")
            next_poll = born + respect_hint(schedule.after(age), age, snap.retry_after_s)
            now = clock.now()
        if now + _SAME_INSTANT_S >= deadline:
            raise TaskTimeout(task_id, already_s + now - started_at)
        if now + _SAME_INSTANT_S >= next_progress:
            while next_progress + info.progress_interval_s <= now + _SAME_INSTANT_S:
                next_progress += info.progress_interval_s
            elapsed = already_s + next_progress - started_at
            yield progress_point(elapsed, info.estimated_max_s)
            next_progress += info.progress_interval_s
        await clock.sleep(
            next_wake(now, next_poll=next_poll, next_progress=next_progress, deadline=deadline)
        )


async def save_picture(
    download: Downloader, url: str, out_dir: Path | None, task_id: str
) -> Path | None:
    """Download the picture into ``out_dir`` when one was given; a failure only logs.

    The picture exists at its link whatever happens here: saving a copy is a convenience.
    """
    if out_dir is None:
        return None
    try:
        return await download(url, out_dir, task_id)
    except Exception as exc:
        log.warning("could not save the image into %s: %s", out_dir, exc)
        return None


def close_in_journal(journal: TaskJournal, task_id: str, status: str, url: str | None) -> None:
    """Mark the task delivered or failed; a journal that cannot be written never blocks this."""
    try:
        journal.finish(task_id, status=status, url=url)
    except OSError:
        log.warning("could not finish task %s in the journal", task_id, exc_info=True)
