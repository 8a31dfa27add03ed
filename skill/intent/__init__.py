"""Text -> :class:`Intent`: what a chat message (Chinese, English or both) asks to be drawn.

Pure: no I/O, no clock, no network, no logging; nothing heavier than :mod:`re` is imported,
and the patterns behind a gate compile once, on first use, so ``ima-nano-banana parse`` and
``run``'s first reply start fast.

Public names: :func:`parse`, :class:`Intent`, :data:`SUBJECTS`, :data:`DEFAULT_EMOJI`,
:data:`NOTICES` and the notice codes, :class:`Followup` (what a message says about the chat's
last picture) and :data:`FOLLOWUP_KINDS`.
"""

from __future__ import annotations

from skill.intent._followup import KINDS as FOLLOWUP_KINDS
from skill.intent._followup import Followup
from skill.intent._model import (
    DEFAULT_EMOJI,
    NOTICE_COUNT_CAPPED,
    NOTICE_IMAGE_REQUIRED,
    NOTICE_SIZE_CAPPED,
    NOTICE_UNSUPPORTED_MODEL,
    NOTICES,
    SUBJECTS,
    Intent,
)
from skill.intent._parser import parse

__all__ = [
    "DEFAULT_EMOJI",
    "FOLLOWUP_KINDS",
    "NOTICES",
    "NOTICE_COUNT_CAPPED",
    "NOTICE_IMAGE_REQUIRED",
    "NOTICE_SIZE_CAPPED",
    "NOTICE_UNSUPPORTED_MODEL",
    "SUBJECTS",
    "Followup",
    "Intent",
    "parse",
]
