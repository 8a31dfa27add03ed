"""What the commands that reach IMA share: the key and endpoints, and one-line failure text.

Each line a person reads here comes from the templates (``hint.j2``, ``usage.j2``) in their
language; the technical detail (for whoever runs the command) follows in parentheses. Nothing
here imports the IMA client, so ``run`` can check its arguments before httpx is loaded.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from skill import settings
from skill.exits import EXIT_USAGE
from skill.reasons import Reason
from skill.render import Hint, Renderer, Usage, UsageProblem

if TYPE_CHECKING:
    from skill.ima import ImaError

_renderer = Renderer()


def hint_line(
    reason: Reason, lang: str = "en", *, no_key: bool = False, exc: ImaError | None = None
) -> str:
    """The reason's sentence as one terminal line (``error: ...``), in ``lang``; the details
    of ``exc`` (the options a model offers, what is wrong with a picture) when given."""
    hint = Hint(
        reason,
        no_key=no_key,
        offered=tuple(getattr(exc, "allowed", ()) or ()),
        field=getattr(exc, "field", None),
        image_problem=getattr(exc, "why", None),
    )
    return _renderer.render(hint, lang)


def usage_line(problem: UsageProblem, lang: str = "en", *, name: str | None = None) -> str:
    """One line for a command line that cannot run as given."""
    return _renderer.render(Usage(problem, name=name), lang)


def failure_line(exc: ImaError, lang: str = "en") -> str:
    """One line: the plain hint, then what exactly went wrong."""
    detail = str(exc)
    task_id = getattr(exc, "task_id", None)
    if task_id and task_id not in detail:
        detail += f"; task {task_id}"
    return f"{hint_line(exc.reason, lang, exc=exc)} ({detail})"


def error_json(reason: str, message: str, **extra: Any) -> str:
    """The one stdout object of a failed ``--output-json`` run."""
    return json.dumps(
        {"error": {"reason": reason, "message": message, **extra}}, ensure_ascii=False
    )


def report_failure(exc: ImaError, *, as_json: bool, lang: str = "en") -> None:
    print(failure_line(exc, lang), file=sys.stderr)
    if as_json:
        extra: dict[str, Any] = {}
        if task_id := getattr(exc, "task_id", None):
            extra["task_id"] = task_id
        if isinstance(code := getattr(exc, "code", None), int):
            extra["code"] = code
        print(error_json(exc.reason.value, str(exc), **extra), flush=True)


def usage_failure(
    line: str, *, as_json: bool, reason: Reason = Reason.BAD_REQUEST, detail: str | None = None
) -> int:
    """Report bad usage or bad input (``line`` already rendered); the exit code to return."""
    print(line, file=sys.stderr)
    if as_json:
        print(error_json(reason.value, detail or line), flush=True)
    return EXIT_USAGE


def resolve_access(
    flag_key: str | None, *, as_json: bool, lang: str = "en"
) -> tuple[str, settings.Endpoints] | int:
    """The key and the endpoints, or the exit code after a one-line reason (nothing sent)."""
    key = settings.api_key(flag_key)
    if key is None:
        return usage_failure(
            hint_line(Reason.UNAUTHORIZED, lang, no_key=True),
            as_json=as_json,
            reason=Reason.UNAUTHORIZED,
            detail="no API key: set IMA_API_KEY",
        )
    try:
        ends = settings.endpoints()
    except settings.EndpointRefused as exc:
        return usage_failure(
            usage_line("endpoint_refused", lang, name=exc.variable), as_json=as_json
        )
    return key, ends
