"""What the commands that reach IMA share: the key and endpoints, and one-line failure text.

Each refuses to start without a key or with an endpoint off the allowlist, before anything is
sent. Failures are told in one plain line on stderr, chosen by the error's ``reason``.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from skill import catalog, settings

if TYPE_CHECKING:
    # Annotations only: `run` checks its key here before the IMA client (httpx, pydantic)
    # is imported, so that its first reply does not wait for them.
    from skill.ima import ImaError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: A plain sentence for each failure reason (the detail follows in parentheses).
HINTS: dict[str, str] = {
    "unauthorized": (
        f"The API key is invalid or unauthorized; get a new one at {catalog.API_KEY_URL}"
    ),
    "insufficient_points": (
        f"Not enough points to create this task; buy credits at {catalog.SUBSCRIPTION_URL}"
    ),
    "subscription_required": (
        f"This model needs a higher subscription plan: {catalog.SUBSCRIPTION_URL}"
    ),
    "invalid_attribute": "Configuration error, please try again later",
    "credit_mismatch": "Points calculation error; the price list may have just changed",
    "attribute_mismatch": "Model parameters incompatible; try another model",
    "bad_request": "Image parameter error; adjust the size or aspect ratio",
    "unsupported_aspect_ratio": "This aspect ratio is not offered by the model",
    "generation_failed": "Image generation failed; try another model",
    "task_failed": "Generation unsuccessful; try a different model",
    "timeout": "Generation took too long; the task may still finish",
    "network": "Network connection unstable; check the network and retry",
    "rate_limited": "Too many requests; please wait a moment",
    "server_error": "The IMA service had a problem; please try again",
    "missing_image": "An input image is missing",
    "invalid_image": "An input image cannot be used",
    "unsupported_model": "Only Nano Banana models are supported",
    "unknown": "Image generation encountered an issue; please try again",
}


def hint(reason: str) -> str:
    return HINTS.get(reason, HINTS["unknown"])


def failure_line(exc: ImaError) -> str:
    """One line: the plain hint, then what exactly went wrong."""
    detail = str(exc)
    task_id = getattr(exc, "task_id", None)
    if task_id and task_id not in detail:
        detail += f"; task {task_id}"
    return f"error: {hint(exc.reason)} ({detail})"


def error_json(reason: str, message: str, **extra: Any) -> str:
    """The one stdout object of a failed ``--output-json`` run."""
    return json.dumps(
        {"error": {"reason": reason, "message": message, **extra}}, ensure_ascii=False
    )


def report_failure(exc: ImaError, *, as_json: bool) -> None:
    print(failure_line(exc), file=sys.stderr)
    if as_json:
        extra: dict[str, Any] = {}
        if task_id := getattr(exc, "task_id", None):
            extra["task_id"] = task_id
        if isinstance(code := getattr(exc, "code", None), int):
            extra["code"] = code
        print(error_json(exc.reason, str(exc), **extra), flush=True)


def usage_failure(message: str, *, as_json: bool, reason: str = "bad_request") -> int:
    """Report bad usage or bad input; the exit code to return."""
    print(f"error: {message}", file=sys.stderr)
    if as_json:
        print(error_json(reason, message), flush=True)
    return EXIT_USAGE


def resolve_access(flag_key: str | None, *, as_json: bool) -> tuple[str, settings.Endpoints] | int:
    """The key and the endpoints, or the exit code after a one-line reason (nothing sent)."""
    key = settings.api_key(flag_key)
    if key is None:
        return usage_failure(settings.NO_KEY_MESSAGE, as_json=as_json, reason="unauthorized")
    try:
        ends = settings.endpoints()
    except settings.EndpointRefused as exc:
        return usage_failure(str(exc), as_json=as_json)
    return key, ends
