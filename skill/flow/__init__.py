"""The conversation of Steps 0-5: explicit states, the transition table, the driver.

``async for reply in converse(Request(text), client=..., clock=..., prefs=..., journal=...)``
yields the :class:`skill.events.Reply` events of ``run --format jsonl``.
"""

from __future__ import annotations

from skill.flow.driver import Conversation, Outcome, Request, converse
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
