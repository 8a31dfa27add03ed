"""Why a picture was not made: :class:`Reason`, and the one table of what each reason means.

Every failure the person hears carries exactly one reason (the ``reason`` of a ``failure``
event, docs/contracts.md). The table says, for each: the plain sentence that explains it and
the advice under it (both gettext message ids: the templates translate them through the
Babel catalogs, and ``make catalogs`` extracts them from this file), the exit code, whether
the same request may simply be tried again, and which alternatives to offer.

Adding a reason touches the enum, the table and the two catalogs, nothing else: the templates
render ``reason_info(reason)`` and never list reasons themselves (a few reasons have extra
sentences for their details, such as the ratios a model offers; those live in
``templates/_reasons.j2``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from skill.exits import EXIT_FAILED, EXIT_USAGE

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """``enum.StrEnum`` before Python 3.11: members are their string values."""

        def __str__(self) -> str:
            return str(self.value)


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogs; it is translated where it is shown."""
    return message


class Reason(StrEnum):
    """The failure reasons of the JSON-lines contract (one per ``failure`` event)."""

    UNAUTHORIZED = "unauthorized"
    INSUFFICIENT_POINTS = "insufficient_points"
    SUBSCRIPTION_REQUIRED = "subscription_required"
    INVALID_ATTRIBUTE = "invalid_attribute"
    CREDIT_MISMATCH = "credit_mismatch"
    ATTRIBUTE_MISMATCH = "attribute_mismatch"
    BAD_REQUEST = "bad_request"
    UNSUPPORTED_ASPECT_RATIO = "unsupported_aspect_ratio"
    GENERATION_FAILED = "generation_failed"
    TASK_FAILED = "task_failed"
    TIMEOUT = "timeout"
    NETWORK = "network"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    MISSING_IMAGE = "missing_image"
    INVALID_IMAGE = "invalid_image"
    UNSUPPORTED_MODEL = "unsupported_model"
    #: The create was sent but its answer was lost: the picture may be on its way and the
    #: credits may be spent, and nothing can look the task up, so nothing is retried.
    UNCONFIRMED = "unconfirmed"
    #: A bot's daily credit budget (of the person, or of the chat) would be exceeded: nothing
    #: was created.
    BUDGET_REACHED = "budget_reached"
    #: A bot's shared store is out of reach: nothing was created, and it may be asked again.
    SERVICE_BUSY = "service_busy"
    UNKNOWN = "unknown"


class Offers(Enum):
    """Which alternatives a failure offers (the skill card's fallback table, per reason)."""

    #: None: another model or size would not help (a key, the network, a bad picture).
    NONE = "none"
    #: The other Nano Banana model first, then the same model at another size.
    MODELS = "models"
    #: Only what is expected to finish sooner than the model that ran out of time.
    FASTER = "faster"
    #: The cheapest option that costs less than the one that failed.
    CHEAPER = "cheaper"


@dataclass(frozen=True)
class ReasonInfo:
    """What one reason means to the person and to the program."""

    #: The plain sentence (a gettext message id, English).
    explanation: str
    #: The exit code of a run that ends with this reason after reaching the service (a run
    #: refused before anything was sent always exits with EXIT_USAGE).
    exit_code: int = EXIT_FAILED
    #: The same request, sent again as it is, may well succeed (a dropped connection, a busy
    #: server): a plain "yes" after this failure tries again.
    retryable: bool = False
    offers: Offers = Offers.NONE
    #: A line of advice under the reason, with ``%(url)s`` standing for :attr:`advice_url`.
    advice: str | None = None
    #: ``"key"`` (where to get a key) or ``"subscription"`` (where to buy credits).
    advice_url: str | None = None


_R = Reason
REASONS: Mapping[Reason, ReasonInfo] = MappingProxyType(
    {
        _R.UNAUTHORIZED: ReasonInfo(
            N_("The API key is invalid or unauthorized"),
            advice=N_("Generate a new API key: %(url)s"),
            advice_url="key",
        ),
        _R.INSUFFICIENT_POINTS: ReasonInfo(
            N_("Insufficient points to create this task"),
            offers=Offers.CHEAPER,
            advice=N_("Buy credits: %(url)s"),
            advice_url="subscription",
        ),
        _R.SUBSCRIPTION_REQUIRED: ReasonInfo(
            N_("This model needs a subscription plan"),
            advice=N_("Upgrade your plan: %(url)s"),
            advice_url="subscription",
        ),
        _R.INVALID_ATTRIBUTE: ReasonInfo(
            N_("Configuration error, please try again later"), offers=Offers.MODELS
        ),
        _R.CREDIT_MISMATCH: ReasonInfo(
            N_("Points calculation error, the system is fixing it"), offers=Offers.MODELS
        ),
        _R.ATTRIBUTE_MISMATCH: ReasonInfo(
            N_("Model parameters incompatible, try another model"), offers=Offers.MODELS
        ),
        _R.BAD_REQUEST: ReasonInfo(
            N_("Image parameter error, adjust the size or aspect ratio"), offers=Offers.MODELS
        ),
        _R.UNSUPPORTED_ASPECT_RATIO: ReasonInfo(
            N_("Use a supported aspect ratio: 1:1, 16:9, 9:16, 4:3, 3:4"), exit_code=EXIT_USAGE
        ),
        _R.GENERATION_FAILED: ReasonInfo(
            N_("Image generation failed, try another model"), offers=Offers.MODELS
        ),
        _R.TASK_FAILED: ReasonInfo(
            N_("Generation unsuccessful, try a different model?"), offers=Offers.MODELS
        ),
        _R.TIMEOUT: ReasonInfo(N_("Generation took too long and timed out"), offers=Offers.FASTER),
        _R.NETWORK: ReasonInfo(
            N_("Network connection unstable, check the network and retry"), retryable=True
        ),
        _R.RATE_LIMITED: ReasonInfo(N_("Too many requests, please wait a moment"), retryable=True),
        _R.SERVER_ERROR: ReasonInfo(
            N_("The image service is having trouble, please try again later"),
            retryable=True,
            offers=Offers.MODELS,
        ),
        _R.MISSING_IMAGE: ReasonInfo(
            N_("I can't find that image file, please send it again"), exit_code=EXIT_USAGE
        ),
        _R.INVALID_IMAGE: ReasonInfo(
            N_("That picture can't be used, please send another one"), exit_code=EXIT_USAGE
        ),
        _R.UNSUPPORTED_MODEL: ReasonInfo(
            N_("Only Nano Banana models are available here"), exit_code=EXIT_USAGE
        ),
        _R.UNCONFIRMED: ReasonInfo(
            N_("The connection dropped right after your request was sent"),
            advice=N_(
                "It may already be on its way and credits may have been used, so I haven't "
                "sent it again. Please check your IMA account before asking for it again."
            ),
        ),
        _R.BUDGET_REACHED: ReasonInfo(
            N_("Today's picture budget here has been used up"),
            advice=N_("It starts again tomorrow."),
        ),
        _R.SERVICE_BUSY: ReasonInfo(
            N_("The service is busy right now, so nothing was started"),
            retryable=True,
            advice=N_("Please send your message again in a moment."),
        ),
        _R.UNKNOWN: ReasonInfo(
            N_("Image generation encountered an issue, please try again or use another model"),
            offers=Offers.MODELS,
        ),
    }
)


def reason_info(reason: Reason | str) -> ReasonInfo:
    """The table's row for ``reason`` (an unknown string gets the row of ``unknown``)."""
    try:
        return REASONS[Reason(reason)]
    except ValueError:
        return REASONS[Reason.UNKNOWN]


def exit_code_for(reason: Reason | str, *, refused: bool = False) -> int:
    """The exit code of a run that failed for ``reason``; ``refused`` (nothing was sent, bad
    input) is always :data:`skill.exits.EXIT_USAGE`."""
    return EXIT_USAGE if refused else reason_info(reason).exit_code
