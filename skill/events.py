"""Events: what the conversation says, in the shape of ``run --format jsonl``.

The JSON-lines contract (docs/contracts.md): every run emits ``ack``, then ``start``, any
number of ``progress``, exactly one ``success`` or ``failure``, then ``done``. A message that
asks for no picture (a saved choice, "never mind", "still working on it") is its ``ack`` and
``done``; several pictures are one ``success`` or ``failure`` each (``index`` of ``count``)
and a closing ``summary`` before ``done``. ``text`` is what the person reads, already
localized. Channels and front doors consume these and know nothing of IMA.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from skill.reasons import Reason

EventKind = Literal["ack", "start", "progress", "success", "failure", "summary", "done"]


#: The JSON keys of an event, in the contract's order (``event`` first).
_KEYS = (
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
    # Added for several pictures a message (docs/contracts.md): which picture of how many,
    # and how many were made.
    "index",
    "count",
    "made",
)


@dataclass(frozen=True)
class Reply:
    """One event of the conversation.

    Fields that do not apply to an event kind stay ``None`` and are left out of its JSON.
    ``path`` is the local file of the image when ``--out-dir`` was given: a terminal shows
    it, a chat never does (the caption in ``text`` carries only the link).
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
    reason: Reason | None = None
    index: int | None = None
    count: int | None = None
    made: int | None = None

    def __post_init__(self) -> None:
        if self.reason is not None:
            # Loaded only with a reason: the acknowledgement, the first line, has none.
            from skill.reasons import Reason

            if not isinstance(self.reason, Reason):
                # A reason given as its string: one of the contract's, or a ValueError.
                object.__setattr__(self, "reason", Reason(self.reason))
        if self.event == "failure" and self.reason is None:
            raise ValueError("a failure needs its reason")

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this event, in the contract's key order."""
        out: dict[str, Any] = {"event": self.event}
        for key in _KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif key == "reason":
                value = str(value)  # the reason's contract string
            out[key] = value
        return out


#: The name the core uses: one event of ``follow``.
Event = Reply


def __getattr__(name: str) -> Any:
    # REASONS, the contract's reason strings, builds the reason table: loaded on first use.
    if name == "REASONS":
        from skill.reasons import Reason

        return tuple(reason.value for reason in Reason)
    raise AttributeError(f"module 'skill.events' has no attribute {name!r}")
