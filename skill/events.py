"""Reply events: what the conversation says, in the shape of ``run --format jsonl``.

The JSON-lines contract of DESIGN.md: every run emits ``ack``, then ``start``, any number of
``progress``, exactly one ``success`` or ``failure``, then ``done``. ``text`` is what the person
reads, already localized. Channels (terminal, JSON lines, Feishu, Discord) consume these and
know nothing of IMA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["ack", "start", "progress", "success", "failure", "done"]

#: The failure reasons of the contract. A failure event carries exactly one of these.
REASONS: tuple[str, ...] = (
    "unauthorized",
    "insufficient_points",
    "subscription_required",
    "invalid_attribute",
    "credit_mismatch",
    "attribute_mismatch",
    "bad_request",
    "unsupported_aspect_ratio",
    "generation_failed",
    "task_failed",
    "timeout",
    "network",
    "rate_limited",
    "server_error",
    "missing_image",
    "invalid_image",
    "unsupported_model",
    "unknown",
)


@dataclass(frozen=True)
class Reply:
    """One message of the conversation.

    Fields that do not apply to an event kind stay ``None`` and are left out of its JSON.
    ``path`` is the local file of the image when ``--out-dir`` was given.
    """

    event: EventKind
    text: str | None = None
    lang: str | None = None
    model: str | None = None
    credits: int | None = None
    eta_s: tuple[int, int] | None = None
    percent: int | None = None
    elapsed_s: int | None = None
    media: str | None = None
    path: str | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.event == "failure" and self.reason not in REASONS:
            raise ValueError(f"unknown failure reason: {self.reason!r}")

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this event, in the contract's key order."""
        out: dict[str, Any] = {"event": self.event}
        for key in (
            "text",
            "lang",
            "model",
            "credits",
            "eta_s",
            "percent",
            "elapsed_s",
            "media",
            "path",
            "reason",
        ):
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        out.update(self.extra)
        return out
