"""Simulated tasks: how one moves from pending to processing to done, and what detail shows.

A task lives on simulated seconds. For the first :data:`PENDING_FRACTION` of its duration it is
"pending", then "processing" until its duration has passed, then it ends: by default with a
finished PNG, or as an outcome fault says (failed, deleted, "failed" status, or never).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skill.sim.faults import OutcomeFault
from skill.sim.gateway import AcceptedCreate

#: The share of a task's duration spent "pending" before "processing".
PENDING_FRACTION = 0.1
#: While pending, the first half of the pending time shows no media at all (allowed by the
#: protocol: an empty ``medias`` means keep polling).
EMPTY_MEDIAS_FRACTION = 0.05
#: While processing, ``resource_status`` cycles through the spellings of "not done yet".
PROCESSING_RESOURCE_STATUSES: tuple[Any, ...] = (None, 0, "")
#: Long edge, in pixels, of each size tier: the nominal size detail reports.
SIZE_LONG_EDGE_PX: dict[str, int] = {"512px": 512, "1k": 1024, "2k": 2048, "4k": 4096}
DEFAULT_LONG_EDGE_PX = 1024
#: The PNG actually served is scaled down to this long edge, to stay small and fast.
SERVED_LONG_EDGE_PX = 512
IMAGE_FORMAT = "png"


def parse_ratio(ratio: str | None) -> tuple[int, int]:
    """``"16:9"`` -> ``(16, 9)``; anything unreadable is square."""
    if ratio:
        left, sep, right = ratio.partition(":")
        if sep and left.strip().isdigit() and right.strip().isdigit():
            w, h = int(left), int(right)
            if w > 0 and h > 0:
                return w, h
    return 1, 1


def fit(long_edge: int, ratio: str | None) -> tuple[int, int]:
    """Width and height with this long edge and aspect ratio (the short edge rounded, >= 1)."""
    w, h = parse_ratio(ratio)
    if w >= h:
        return long_edge, max(1, round(long_edge * h / w))
    return max(1, round(long_edge * w / h)), long_edge


def nominal_size(size: str | None, ratio: str | None) -> tuple[int, int]:
    """The size detail reports: the tier's long edge (1K = 1024) at the task's aspect ratio."""
    edge = SIZE_LONG_EDGE_PX.get((size or "").strip().lower(), DEFAULT_LONG_EDGE_PX)
    return fit(edge, ratio)


def served_size(size: str | None, ratio: str | None) -> tuple[int, int]:
    """The size of the PNG actually served: the nominal size, long edge capped at 512 px."""
    width, height = nominal_size(size, ratio)
    return fit(min(max(width, height), SERVED_LONG_EDGE_PX), ratio)


@dataclass
class SimTask:
    """One accepted task."""

    id: str
    biz_id: str
    #: What the create asked for, as the gateway accepted it.
    order: AcceptedCreate
    #: Simulated second at which it was created, and how long it takes.
    started_at: float
    duration: float
    created_at_ms: int
    timeout_at_ms: int
    outcome: OutcomeFault | None = None
    polls: int = field(default=0)

    def phase(self, now: float) -> str:
        """ "pending", "processing" or "done" at simulated second ``now``."""
        elapsed = now - self.started_at
        if elapsed < self.duration * PENDING_FRACTION:
            return "pending"
        never = self.outcome is not None and self.outcome.name == "never_finishes"
        if elapsed < self.duration or never:
            return "processing"
        return "done"

    def summary(self, now: float) -> dict[str, Any]:
        """What ``GET /_sim/tasks`` shows of this task at simulated second ``now``."""
        return {
            "id": self.id,
            "model_id": self.order.model_id,
            "task_type": self.order.task_type,
            "prompt": self.order.prompt,
            "size": self.order.size,
            "aspect_ratio": self.order.aspect_ratio,
            "credit": self.order.credit,
            "started_at": self.started_at,
            "duration": self.duration,
            "phase": self.phase(now),
            "outcome": self.outcome.name if self.outcome else None,
            "polls": self.polls,
        }

    def media_url(self, base_url: str) -> str:
        return f"{base_url}/_sim/media/{self.id}.png"

    def medias(self, now: float, base_url: str) -> list[dict[str, Any]]:
        """The ``medias`` list detail shows at simulated second ``now``."""
        elapsed = now - self.started_at
        phase = self.phase(now)
        if phase == "pending" and elapsed < self.duration * EMPTY_MEDIAS_FRACTION:
            return []
        media: dict[str, Any] = {
            "id": f"{self.id}-0",
            "url": "",
            "watermark_url": "",
            "preview_url": "",
            "cover_url": "",
            "width": 0,
            "height": 0,
            "format": IMAGE_FORMAT,
            "error_msg": "",
            "remark": "",
        }
        if phase == "pending":
            media.update(status="pending", resource_status=None)
            return [media]
        if phase == "processing":
            cycle = PROCESSING_RESOURCE_STATUSES
            media.update(status="processing", resource_status=cycle[self.polls % len(cycle)])
            return [media]
        width, height = nominal_size(self.order.size, self.order.aspect_ratio)
        url = self.media_url(base_url)
        finished = {
            "url": url,
            "watermark_url": url,
            "preview_url": url,
            "cover_url": f"{url}?cover=1",
            "width": width,
            "height": height,
        }
        outcome = self.outcome
        if outcome is None:
            media.update(finished, status="success", resource_status=1)
        elif outcome.resource_status == 1:
            # status_failed: everything looks finished except the status.
            media.update(finished, status=outcome.status, resource_status=1)
            media.update(error_msg=outcome.error_msg, remark=outcome.error_msg)
        else:
            media.update(status=outcome.status, resource_status=outcome.resource_status)
            media.update(error_msg=outcome.error_msg, remark=outcome.error_msg)
        return [media]

    def detail(self, now: float, base_url: str) -> dict[str, Any]:
        """The ``data`` of a detail answer."""
        return {
            "id": self.id,
            "biz_id": self.biz_id,
            "task_type": self.order.task_type,
            "model_id": self.order.model_id,
            "medias": self.medias(now, base_url),
            "created_at": self.created_at_ms,
            "timeout_at": self.timeout_at_ms,
        }
