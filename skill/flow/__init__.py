"""A job followed through Steps 0-5: explicit states, the transition table, one poll loop.

``async for event in follow(job, services)`` yields the :class:`skill.events.Reply` events of
``run --format jsonl``; see :mod:`skill.flow.steps`.

The names below load on first use: ``run`` imports :mod:`skill.flow.ack` to give its first
reply before the rest (and with it httpx and pydantic) is imported at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill._lazy import lazy_getattr

if TYPE_CHECKING:
    from skill.flow.ack import Request
    from skill.flow.group import GroupFollow, follow
    from skill.flow.message import Conversation, Said, answer
    from skill.flow.states import TRANSITIONS, IllegalTransition, State, advance
    from skill.flow.steps import (
        Downloader,
        Follow,
        Options,
        Outcome,
        Services,
        nothing_to_resume,
    )

__all__ = [
    "TRANSITIONS",
    "Conversation",
    "Downloader",
    "Follow",
    "GroupFollow",
    "IllegalTransition",
    "Options",
    "Outcome",
    "Request",
    "Said",
    "Services",
    "State",
    "advance",
    "answer",
    "follow",
    "nothing_to_resume",
]

#: Where each public name lives.
_HOMES = {
    "Request": "skill.flow.ack",
    "Conversation": "skill.flow.message",
    "Said": "skill.flow.message",
    "answer": "skill.flow.message",
    "Downloader": "skill.flow.steps",
    "Follow": "skill.flow.steps",
    "Options": "skill.flow.steps",
    "Outcome": "skill.flow.steps",
    "Services": "skill.flow.steps",
    "follow": "skill.flow.group",
    "GroupFollow": "skill.flow.group",
    "nothing_to_resume": "skill.flow.steps",
    "TRANSITIONS": "skill.flow.states",
    "IllegalTransition": "skill.flow.states",
    "State": "skill.flow.states",
    "advance": "skill.flow.states",
}


__getattr__ = lazy_getattr(__name__, _HOMES, globals())
