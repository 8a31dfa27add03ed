"""Messages -> localized text: jinja2 templates, Babel catalogs, and the never-say guard.

Parts, each in its module: :mod:`~skill.render.templates` loads the templates and the
catalogs, :mod:`~skill.render.guard` keeps technical words out of every text,
:mod:`~skill.render.formatting` and :mod:`~skill.render.numbers` write numbers, lists and
durations per locale, and :mod:`~skill.render.memo` keeps rendered acknowledgements. The
records the rest of the code builds are in :mod:`~skill.render.messages`; :class:`Renderer`
turns one into text.

Only what the acknowledgement needs loads with this package (its record, the language, the
memo): ``run``'s first line is usually read from the memo, and the other records, the guard and
jinja2 load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill._lazy import lazy_getattr
from skill.render._ack import Ack, Lang, ResumeFound
from skill.render.formatting import LANGS, LOCALES, lang_of
from skill.render.memo import AckMemo

if TYPE_CHECKING:
    from skill.render.guard import NeverSayViolation, violations
    from skill.render.messages import (
        Alternative,
        AskImage,
        AskPrompt,
        BotNote,
        BotNoteKind,
        ButtonKind,
        ButtonLabel,
        CheckProblem,
        CommandHelp,
        CommandHelpPart,
        Control,
        ControlKind,
        DemoBanner,
        Failure,
        FollowupNothing,
        Hint,
        Interrupted,
        Message,
        MessageKind,
        Notice,
        NoticeKind,
        Progress,
        Queued,
        ResumeNothing,
        ServeCheck,
        Stage,
        Start,
        Success,
        Summary,
        Usage,
        UsageProblem,
        kind_of,
    )


#: The message records (and their kind), named here and loaded on first use.
_MESSAGES = (
    "Alternative",
    "AskImage",
    "AskPrompt",
    "CheckProblem",
    "Control",
    "ControlKind",
    "BotNote",
    "BotNoteKind",
    "ButtonKind",
    "ButtonLabel",
    "CommandHelp",
    "CommandHelpPart",
    "DemoBanner",
    "Failure",
    "FollowupNothing",
    "Hint",
    "Interrupted",
    "Message",
    "MessageKind",
    "Notice",
    "NoticeKind",
    "Progress",
    "Queued",
    "ResumeNothing",
    "ServeCheck",
    "Stage",
    "Start",
    "Success",
    "Summary",
    "Usage",
    "UsageProblem",
    "kind_of",
)
__all__ = [
    "LANGS",
    "LOCALES",
    "Ack",
    "Alternative",
    "AskImage",
    "AskPrompt",
    "BotNote",
    "BotNoteKind",
    "ButtonKind",
    "ButtonLabel",
    "CheckProblem",
    "CommandHelp",
    "CommandHelpPart",
    "Control",
    "ControlKind",
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
    "Queued",
    "Renderer",
    "ResumeFound",
    "ResumeNothing",
    "ServeCheck",
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
#: Where each name that loads on first use lives.
_HOMES = {
    "NeverSayViolation": "skill.render.guard",
    "violations": "skill.render.guard",
    **dict.fromkeys(_MESSAGES, "skill.render.messages"),
}

__getattr__ = lazy_getattr(__name__, _HOMES, globals())


#: The logger's name (the logging module loads only when a leak is caught: see _log_leak).
LOGGER = "skill.render"


class Renderer:
    """Renders message records in one of the two languages, through the never-say guard.

    Acknowledgements are kept once rendered (:class:`~skill.render.memo.AckMemo`), so the
    first line of a run needs jinja2 only for an acknowledgement not seen before; ``memo``
    False renders every time (tests of the templates themselves).
    """

    def __init__(self, *, memo: bool = True) -> None:
        self._memo = AckMemo() if memo else None

    def render(self, message: Message, lang: str, *, strict: bool = False) -> str:
        """The text of ``message`` in ``lang``.

        On a leak the text is replaced by the safe generic text of the message's kind (and the
        leak logged), or, with ``strict`` (tests), :class:`NeverSayViolation` is raised.
        """
        language = lang_of(lang)
        if self._memo is not None and isinstance(message, Ack) and not strict:
            key = f"{language}|{message!r}"
            kept = self._memo.get(key)
            if kept is not None:
                return kept
            text = self._render(message, language, strict=False)
            self._memo.put(key, text)
            return text
        return self._render(message, language, strict=strict)

    def _render(self, message: Message, language: Lang, *, strict: bool) -> str:
        from skill.render.guard import NeverSayViolation, violations
        from skill.render.messages import ServeCheck, Usage, kind_of
        from skill.render.templates import environment, tidy

        kind = kind_of(message)
        template = environment(language).get_template(f"{kind}.j2")
        text = tidy(template.render(m=message, **_context(message)))
        if isinstance(message, (Usage, ServeCheck)):
            # A terminal's line names flags and variables by design; never sent to a chat.
            return text
        found = violations(text, allowed=_allowed_values(message))
        if not found:
            return text
        if strict:
            raise NeverSayViolation("; ".join(found))
        _log_leak(kind, found)
        return self.fallback(_FALLBACK_KIND.get(kind, kind), language)

    def fallback(self, kind: MessageKind, lang: str) -> str:
        """The safe generic text of a message kind."""
        from skill.render.templates import environment, tidy

        template = environment(lang_of(lang)).get_template("fallback.j2")
        return tidy(template.render(kind=kind))


#: The safe text shown when a message of this kind leaks: the nearest kind fallback.j2 has.
_FALLBACK_KIND: dict[str, MessageKind] = {
    "resume_found": "progress",
    "resume_nothing": "failure",
    "resume_interrupted": "failure",
    "hint": "failure",
    "usage": "failure",
    "queued": "progress",
    "control": "failure",
    "serve_check": "failure",
    "followup_nothing": "ask_prompt",
    "summary": "success",
}


def _log_leak(kind: str, found: list[str]) -> None:
    import logging

    logging.getLogger(LOGGER).error("never-say guard replaced %s: %s", kind, "; ".join(found))


def _context(message: Message) -> dict[str, Any]:
    reason = getattr(message, "reason", None)
    return {"reason": str(reason)} if reason is not None else {}


def _allowed_values(message: Message) -> tuple[str, ...]:
    from skill.render.messages import DemoBanner, Queued, Success, Usage

    if isinstance(message, Success):
        return tuple(v for v in (message.url, message.path) if v)
    if isinstance(message, DemoBanner) and message.said:
        return (message.said,)  # the person's own words are theirs to say
    if isinstance(message, Usage) and message.name:
        return (message.name,)
    if isinstance(message, Queued):
        # A place in line is a count, whatever it is: the 404th in line is not a status code.
        return (f"{message.place:,}", str(message.place))
    return ()


_default_renderer = Renderer()


def render(message: Message, lang: str) -> str:
    """Render with the shared :class:`Renderer` (guarded)."""
    return _default_renderer.render(message, lang)
