"""Messages -> localized text: jinja2 templates, Babel catalogs, and the never-say guard.

Three parts, each in its module: :mod:`~skill.render.templates` loads the templates and the
catalogs, :mod:`~skill.render.guard` keeps technical words out of every text, and
:mod:`~skill.render.formatting` writes numbers, lists and durations per locale. The records the
rest of the code builds are in :mod:`~skill.render.messages`; :class:`Renderer` turns one into
text.
"""

from __future__ import annotations

from typing import Any

from skill.render.formatting import LANGS, LOCALES, lang_of
from skill.render.guard import NeverSayViolation, violations
from skill.render.messages import (
    Ack,
    Alternative,
    AskImage,
    AskPrompt,
    DemoBanner,
    Failure,
    FollowupNothing,
    Hint,
    Interrupted,
    Lang,
    Message,
    MessageKind,
    Notice,
    NoticeKind,
    Progress,
    ResumeFound,
    ResumeNothing,
    Stage,
    Start,
    Success,
    Summary,
    Usage,
    UsageProblem,
    kind_of,
)
from skill.render.templates import environment, tidy

__all__ = [
    "LANGS",
    "LOCALES",
    "Ack",
    "Alternative",
    "AskImage",
    "AskPrompt",
    "DemoBanner",
    "Failure",
    "FollowupNothing",
    "Hint",
    "Interrupted",
    "Lang",
    "Message",
    "MessageKind",
    "NeverSayViolation",
    "Notice",
    "NoticeKind",
    "Progress",
    "Renderer",
    "ResumeFound",
    "ResumeNothing",
    "Stage",
    "Start",
    "Success",
    "Summary",
    "Usage",
    "UsageProblem",
    "kind_of",
    "lang_of",
    "render",
    "violations",
]

#: The logger's name (the logging module loads only when a leak is caught: see _log_leak).
LOGGER = "skill.render"

#: The safe text shown when a message of this kind leaks: the nearest kind fallback.j2 has.
_FALLBACK_KIND: dict[MessageKind, MessageKind] = {
    "resume_found": "progress",
    "resume_nothing": "failure",
    "resume_interrupted": "failure",
    "hint": "failure",
    "usage": "failure",
    "followup_nothing": "ask_prompt",
    "summary": "success",
}


class Renderer:
    """Renders message records in one of the two languages, through the never-say guard."""

    def render(self, message: Message, lang: str, *, strict: bool = False) -> str:
        """The text of ``message`` in ``lang``.

        On a leak the text is replaced by the safe generic text of the message's kind (and the
        leak logged), or, with ``strict`` (tests), :class:`NeverSayViolation` is raised.
        """
        kind = kind_of(message)
        language = lang_of(lang)
        template = environment(language).get_template(f"{kind}.j2")
        text = tidy(template.render(m=message, **_context(message)))
        if isinstance(message, Usage):
            return text  # a terminal's usage line names flags by design; never sent to a chat
        found = violations(text, allowed=_allowed_values(message))
        if not found:
            return text
        if strict:
            raise NeverSayViolation("; ".join(found))
        _log_leak(kind, found)
        return self.fallback(_FALLBACK_KIND.get(kind, kind), language)

    def fallback(self, kind: MessageKind, lang: str) -> str:
        """The safe generic text of a message kind."""
        template = environment(lang_of(lang)).get_template("fallback.j2")
        return tidy(template.render(kind=kind))


def _log_leak(kind: str, found: list[str]) -> None:
    import logging

    logging.getLogger(LOGGER).error("never-say guard replaced %s: %s", kind, "; ".join(found))


def _context(message: Message) -> dict[str, Any]:
    if isinstance(message, (Failure, Hint)):
        return {"reason": str(message.reason)}
    return {}


def _allowed_values(message: Message) -> tuple[str, ...]:
    if isinstance(message, Success):
        return tuple(v for v in (message.url, message.path) if v)
    if isinstance(message, DemoBanner) and message.said:
        return (message.said,)  # the person's own words are theirs to say
    if isinstance(message, Usage) and message.name:
        return (message.name,)
    return ()


_default_renderer = Renderer()


def render(message: Message, lang: str) -> str:
    """Render with the shared :class:`Renderer` (guarded)."""
    return _default_renderer.render(message, lang)
