"""Every way a Nano Banana generation can fail, as one exception tree.

```
ImaError                                  reason (skill.reasons.Reason)
├── ConfigurationError                    refused before any request: nothing was sent
│   ├── EndpointRefused                   an endpoint override off the allowlist
│   ├── UnsupportedModel(model_id)        not a Nano Banana model           unsupported_model
│   ├── ModelUnavailable(model_id, category)  not in the live product list  invalid_attribute
│   ├── UnsupportedOption(field, value, allowed)  a ratio or size the model does not offer
│   │                           unsupported_aspect_ratio (aspect_ratio) / bad_request (size)
│   ├── MissingInputImage                 image_to_image without an image   missing_image
│   ├── InvalidImage(source, why)         missing_image (why "missing") / invalid_image
│   └── TooManyImages(count, limit)       invalid_image
├── ApiError(code, message, http_status)  the server answered with an error
│   ├── Unauthorized                      401                               unauthorized
│   ├── InsufficientPoints                4008                              insufficient_points
│   ├── SubscriptionRequired              4014                              subscription_required
│   ├── CreditMismatch                    6006                              credit_mismatch
│   ├── NoCreditRule                      6009                              invalid_attribute
│   ├── AttributeMismatch                 6010                              attribute_mismatch
│   ├── InvalidProductAttribute           message "Invalid product attribute"   invalid_attribute
│   ├── BadRequest                        400                               bad_request
│   ├── RateLimited(retry_after)          429                               rate_limited
│   └── ServerError                       5xx                               server_error
├── NetworkError(request_sent)            refused, reset or dropped                    network
│   ├── ResponseTimeout                   no answer within the HTTP timeout    network
│   ├── MalformedResponse                 an answer we cannot read             server_error
│   └── CreateUnconfirmed                 a create sent, its answer lost       unconfirmed
└── TaskError(task_id)                    the request succeeded, the task did not
    ├── TaskFailed(task_id, resource_status, status, detail)
    │                                     generation_failed (resource_status 2/3) / task_failed
    └── TaskTimeout(task_id, waited_s)    our deadline passed; the task may still finish   timeout
```

The conversation chooses its words by ``exc.reason`` alone; the rest of each exception is for
logs and for callers that decide what to do next (``NetworkError.request_sent`` says whether a
create may have reached the server, ``TaskTimeout.task_id`` lets the result be fetched later).
Messages never hold the API key: the key is never put into an exception, and server text passes
through :func:`skill.ima._redact.redact` before it is.
"""

from __future__ import annotations

from skill import settings
from skill.ima._redact import redact
from skill.reasons import Reason


class ImaError(Exception):
    """Base of every failure of this package; ``reason`` is its :class:`skill.reasons.Reason`."""

    reason: Reason = Reason.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- refused before anything was sent ------------------------------------------------------
class ConfigurationError(ImaError):
    """The request cannot be made as asked; nothing was sent."""

    def __init__(self, message: str, *, reason: Reason | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class EndpointRefused(ConfigurationError, settings.EndpointRefused):
    """An endpoint override that is neither an official https host nor loopback.

    Also a :class:`skill.settings.EndpointRefused`, so either ``except`` catches it.
    """


class UnsupportedModel(ConfigurationError):
    """A model outside the Nano Banana series (this skill makes only Nano Banana images)."""

    reason = Reason.UNSUPPORTED_MODEL

    def __init__(self, model_id: str) -> None:
        super().__init__(f"{model_id!r} is not a Nano Banana model")
        self.model_id = model_id


class ModelUnavailable(ConfigurationError):
    """A Nano Banana model that the live product list does not offer for this task type."""

    reason = Reason.INVALID_ATTRIBUTE

    def __init__(self, model_id: str, category: str) -> None:
        super().__init__(f"the product list offers no {model_id!r} for {category}")
        self.model_id = model_id
        self.category = category


class UnsupportedOption(ConfigurationError):
    """An aspect ratio or size that the model's own form does not offer."""

    def __init__(self, field: str, value: str, allowed: tuple[str, ...]) -> None:
        offered = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"{field} {value!r} is not offered by this model (offered: {offered})",
            reason=(
                Reason.UNSUPPORTED_ASPECT_RATIO if field == "aspect_ratio" else Reason.BAD_REQUEST
            ),
        )
        self.field = field
        self.value = value
        self.allowed = allowed


class MissingInputImage(ConfigurationError):
    """image_to_image was asked for without any input image."""

    reason = Reason.MISSING_IMAGE

    def __init__(self) -> None:
        super().__init__("image_to_image needs at least one input image")


#: ``InvalidImage.why`` codes and what each means.
IMAGE_PROBLEMS: dict[str, str] = {
    "missing": "no such file",
    "not_image": "not an image file",
    "too_large": "the file is too large",
    "unsupported_type": "only PNG, JPEG and WebP images are accepted",
    "not_https": "an image address must be an https URL",
}


class InvalidImage(ConfigurationError):
    """An input image that cannot be used; ``why`` is a short code of :data:`IMAGE_PROBLEMS`."""

    def __init__(self, source: str, why: str, detail: str = "") -> None:
        text = IMAGE_PROBLEMS.get(why, why)
        super().__init__(
            f"input image {source!r}: {text}" + (f" ({detail})" if detail else ""),
            reason=Reason.MISSING_IMAGE if why == "missing" else Reason.INVALID_IMAGE,
        )
        self.source = source
        self.why = why


class TooManyImages(ConfigurationError):
    """More input images than the model accepts."""

    reason = Reason.INVALID_IMAGE

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} input images given; at most {limit} are accepted")
        self.count = count
        self.limit = limit


# --- the server said no --------------------------------------------------------------------
class ApiError(ImaError):
    """The server answered with an error; ``code`` is its business code (or the HTTP status)."""

    def __init__(self, code: int, message: str, http_status: int) -> None:
        clean = redact(message)
        super().__init__(f"IMA API error {code}: {clean}" if clean else f"IMA API error {code}")
        self.code = code
        self.server_message = clean
        self.http_status = http_status


class Unauthorized(ApiError):
    reason = Reason.UNAUTHORIZED


class InsufficientPoints(ApiError):
    reason = Reason.INSUFFICIENT_POINTS


class SubscriptionRequired(ApiError):
    reason = Reason.SUBSCRIPTION_REQUIRED


class CreditMismatch(ApiError):
    reason = Reason.CREDIT_MISMATCH


class NoCreditRule(ApiError):
    reason = Reason.INVALID_ATTRIBUTE


class AttributeMismatch(ApiError):
    reason = Reason.ATTRIBUTE_MISMATCH


class InvalidProductAttribute(ApiError):
    reason = Reason.INVALID_ATTRIBUTE


class BadRequest(ApiError):
    reason = Reason.BAD_REQUEST


class RateLimited(ApiError):
    reason = Reason.RATE_LIMITED

    def __init__(
        self, code: int, message: str, http_status: int, retry_after: float | None = None
    ) -> None:
        super().__init__(code, message, http_status)
        self.retry_after = retry_after


class ServerError(ApiError):
    reason = Reason.SERVER_ERROR


_BY_CODE: dict[int, type[ApiError]] = {
    401: Unauthorized,
    4008: InsufficientPoints,
    4014: SubscriptionRequired,
    6006: CreditMismatch,
    6009: NoCreditRule,
    6010: AttributeMismatch,
    400: BadRequest,
    429: RateLimited,
}
_INVALID_ATTRIBUTE_TEXT = "invalid product attribute"


def api_error(
    code: int, message: str, http_status: int, *, retry_after: float | None = None
) -> ApiError:
    """The :class:`ApiError` subclass for a business ``code`` (or HTTP status) and message."""
    if _INVALID_ATTRIBUTE_TEXT in message.lower():
        return InvalidProductAttribute(code, message, http_status)
    if code == 429:
        return RateLimited(code, message, http_status, retry_after)
    cls = _BY_CODE.get(code)
    if cls is None and 500 <= code <= 599:
        cls = ServerError
    return (cls or ApiError)(code, message, http_status)


# --- the request did not get an answer ------------------------------------------------------
class NetworkError(ImaError):
    """No usable answer: refused, reset, dropped, or a body we cannot read.

    ``request_sent`` is False only when the connection failed before the request left, so
    the server surely never saw it; after anything else a create may have been accepted.
    """

    reason = Reason.NETWORK

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(redact(message))
        self.request_sent = request_sent


class ResponseTimeout(NetworkError):
    """The server did not answer within the HTTP timeout."""


class MalformedResponse(NetworkError):
    """The server answered, but not in a shape we can read (not JSON, fields missing).

    Still a :class:`NetworkError` (the answer is lost, and after a create the task may exist),
    but the person's network is fine: the words are the server's trouble, not theirs.
    """

    reason = Reason.SERVER_ERROR


class CreateUnconfirmed(NetworkError):
    """A create left for the server and its answer was lost (dropped, timed out, unreadable).

    The server may have accepted it and charged for it, and nothing can look the task up
    without its id: it is never sent again, and the person is told exactly that.
    """

    reason = Reason.UNCONFIRMED


# --- the task did not succeed ----------------------------------------------------------------
class TaskError(ImaError):
    """The task was created (points may be charged) but did not give an image."""

    def __init__(self, task_id: str, message: str) -> None:
        super().__init__(message)
        self.task_id = task_id


class TaskFailed(TaskError):
    """The server ended the task as failed (resource_status 2 or 3, or status "failed")."""

    def __init__(self, task_id: str, resource_status: int, status: str, detail: str = "") -> None:
        clean = redact(detail)
        super().__init__(
            task_id,
            f"task {task_id} failed (resource_status {resource_status}, status {status!r})"
            + (f": {clean}" if clean else ""),
        )
        self.reason = Reason.GENERATION_FAILED if resource_status in (2, 3) else Reason.TASK_FAILED
        self.resource_status = resource_status
        self.status = status
        self.detail = clean


class TaskTimeout(TaskError):
    """Our deadline passed before the task finished; it may still finish (resume it later)."""

    reason = Reason.TIMEOUT

    def __init__(self, task_id: str, waited_s: float) -> None:
        super().__init__(task_id, f"task {task_id} not finished after {waited_s:.0f}s")
        self.waited_s = waited_s
