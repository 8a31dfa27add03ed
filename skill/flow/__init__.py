"""The conversation of Steps 0-5: explicit states, the transition table, the driver.

``async for reply in converse(Request(text), client=..., clock=..., prefs=..., journal=...)``
yields the :class:`skill.events.Reply` events of ``run --format jsonl``.

The names below load on first use: ``run`` imports :mod:`skill.flow.ack` to give its first
reply before the driver (and with it httpx and pydantic) is imported at all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.flow.ack import Request
    from skill.flow.driver import Conversation, Outcome, converse
    from skill.flow.states import TRANSITIONS, IllegalTransition, State, advance
    from skill.flow.task import Downloader

__all__ = [
    "TRANSITIONS",
    "Conversation",
    "Downloader",
    "IllegalTransition",
    "Outcome",
    "Request",
    "State",
    "advance",
    "converse",
]

#: Where each public name lives.
_HOMES = {
    "Conversation": "skill.flow.driver",
    "Outcome": "skill.flow.driver",
    "Request": "skill.flow.ack",
    "converse": "skill.flow.driver",
    "TRANSITIONS": "skill.flow.states",
    "IllegalTransition": "skill.flow.states",
    "State": "skill.flow.states",
    "advance": "skill.flow.states",
    "Downloader": "skill.flow.task",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'skill.flow' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once loaded, a plain module attribute
    return value
