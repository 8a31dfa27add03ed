"""The one poll loop: a created task followed to its end, with progress on its own cadence.

Polls go by the model's expected time (:mod:`skill.ima.polling`), later when the server asks
with ``Retry-After``; progress goes by :class:`~skill.flow.cadence.Cadence`. Every caller that
waits for a task (a new run, a resumed one, ``create``, every front door) comes through
:func:`watch`: there is no other loop that polls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from skill import catalog
from skill.clock import Clock
from skill.flow.cadence import Cadence, ProgressPoint
from skill.ima import ImaClient, PollSchedule, TaskFailed, TaskSnapshot, TaskTimeout
from skill.ima.polling import respect_hint

#: Two instants closer than this are the same: a sleep computed as ``target - now`` can land a
#: rounding error short of ``target``, and the loop must not spin on that sliver.
_SAME_INSTANT_S = 1e-6


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
    """Poll ``task_id`` and mark progress until the task ends.

    Yields a :class:`ProgressPoint` at each reported cadence point (counted from the task's
    start) and the finished snapshot last; raises :class:`TaskFailed` or, once ``timeout_s``
    has passed, :class:`TaskTimeout`. ``already_s`` is how long the task had run before this
    watch began (a resumed task); ``poll_at_once`` polls before anything else (someone asked
    for the picture now).

    At an instant that is both a poll and a progress point, the poll comes first, so a task
    done by a point gets no message for it. A point reports the cadence time itself (15 s,
    30 s...), not the moment the loop woke up; points a slow poll skipped are dropped rather
    than bunched.
    """
    cadence = Cadence(info.progress_interval_s, info.estimated_max_s)
    started_at = clock.now()
    born = started_at - already_s  # the clock time the task was created
    next_poll = started_at if poll_at_once else born + schedule.first()
    k: int | None = cadence.next_k(int(already_s // cadence.interval_s))
    deadline = started_at + timeout_s

    def point_time(k: int | None) -> float:
        return float("inf") if k is None else born + k * cadence.interval_s

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
        if k is not None and now + _SAME_INSTANT_S >= point_time(k):
            while (later := cadence.next_k(k)) is not None and point_time(
                later
            ) <= now + _SAME_INSTANT_S:
                k = later  # skipped by a slow poll: dropped, not bunched
            point = cadence.point(k)
            if point is not None:
                yield point
            k = cadence.next_k(k)
        wake = min(next_poll, point_time(k), deadline)
        await clock.sleep(max(0.0, wake - now))
