"""A task's state, read from its detail (PROTOCOL.md section 3), as small typed records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skill.ima.wire import Media, TaskDetail

TaskState = Literal["pending", "processing", "done", "failed"]
#: resource_status values: 0 pending or processing, 1 done, 2 failed, 3 deleted.
RS_DONE = 1
RS_FAILED = (2, 3)


@dataclass(frozen=True)
class TaskSnapshot:
    """One poll's view of a task."""

    task_id: str
    state: TaskState
    url: str | None = None
    cover_url: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    #: The server's failure text (redacted later, when it goes into an exception).
    error: str | None = None
    resource_status: int = 0
    status: str = ""
    #: The server's ``Retry-After`` on this answer, seconds: do not ask again sooner.
    retry_after_s: float | None = None


def _failure(task_id: str, media: Media) -> TaskSnapshot:
    return TaskSnapshot(
        task_id=task_id,
        state="failed",
        error=media.error_msg or media.remark or None,
        resource_status=media.resource_status,
        status=media.status,
    )


def snapshot(
    task_id: str, detail: TaskDetail, *, retry_after_s: float | None = None
) -> TaskSnapshot:
    """The state of a task by the rules of PROTOCOL.md section 3.

    Any media with resource_status 2 or 3, or status "failed", ends it as failed. It is done
    when every media has resource_status 1 and the first has a url (or watermark_url).
    Otherwise, an empty ``medias`` included, it is still running (and ``retry_after_s``, the
    server's hint on when to ask again, is kept).
    """
    medias = detail.medias
    for media in medias:
        if media.resource_status in RS_FAILED:
            return _failure(task_id, media)
    for media in medias:
        if media.status.lower() == "failed":
            return _failure(task_id, media)
    if medias and all(m.resource_status == RS_DONE for m in medias):
        first = medias[0]
        url = first.url or first.watermark_url
        if url:
            return TaskSnapshot(
                task_id=task_id,
                state="done",
                url=url,
                cover_url=first.cover_url or first.preview_url,
                width=first.width,
                height=first.height,
                format=first.format,
                resource_status=RS_DONE,
                status=first.status,
            )
    running = any(m.status.lower() == "processing" or m.resource_status == RS_DONE for m in medias)
    first_status = medias[0] if medias else None
    return TaskSnapshot(
        task_id=task_id,
        state="processing" if running else "pending",
        resource_status=first_status.resource_status if first_status else 0,
        status=first_status.status if first_status else "",
        retry_after_s=retry_after_s,
    )
