"""The IMA Open API for Nano Banana: wire models, rule selection, typed errors, the client.

Import from here; the submodules are the implementation. The error tree is drawn in
:mod:`skill.ima.errors`.
"""

from __future__ import annotations

from skill.ima.client import USER_AGENT, ImaClient
from skill.ima.errors import (
    ApiError,
    AttributeMismatch,
    BadRequest,
    ConfigurationError,
    CreateUnconfirmed,
    CreditMismatch,
    EndpointRefused,
    ImaError,
    InsufficientPoints,
    InvalidImage,
    InvalidProductAttribute,
    MalformedResponse,
    MissingInputImage,
    ModelUnavailable,
    NetworkError,
    NoCreditRule,
    RateLimited,
    ResponseTimeout,
    ServerError,
    SubscriptionRequired,
    TaskError,
    TaskFailed,
    TaskTimeout,
    TooManyImages,
    Unauthorized,
    UnsupportedModel,
    UnsupportedOption,
)
from skill.ima.polling import ExpectedWindow, FixedEvery, PollSchedule, schedule_for
from skill.ima.rules import (
    ModelSummary,
    Plan,
    Price,
    create_request,
    find_leaf,
    make_plan,
    nano_banana_models,
    price_table,
    select_rule,
)
from skill.ima.tasks import TaskSnapshot, TaskState
from skill.ima.upload import ImageFile, validate_image_file, validate_inputs
from skill.ima.wire import ProductNode
from skill.net import RetryPolicy

__all__ = [
    "USER_AGENT",
    "ApiError",
    "AttributeMismatch",
    "BadRequest",
    "ConfigurationError",
    "CreateUnconfirmed",
    "CreditMismatch",
    "EndpointRefused",
    "ExpectedWindow",
    "FixedEvery",
    "ImaClient",
    "ImaError",
    "ImageFile",
    "InsufficientPoints",
    "InvalidImage",
    "InvalidProductAttribute",
    "MalformedResponse",
    "MissingInputImage",
    "ModelSummary",
    "ModelUnavailable",
    "NetworkError",
    "NoCreditRule",
    "Plan",
    "PollSchedule",
    "Price",
    "ProductNode",
    "RateLimited",
    "ResponseTimeout",
    "RetryPolicy",
    "ServerError",
    "SubscriptionRequired",
    "TaskError",
    "TaskFailed",
    "TaskSnapshot",
    "TaskState",
    "TaskTimeout",
    "TooManyImages",
    "Unauthorized",
    "UnsupportedModel",
    "UnsupportedOption",
    "create_request",
    "find_leaf",
    "make_plan",
    "nano_banana_models",
    "price_table",
    "schedule_for",
    "select_rule",
    "validate_image_file",
    "validate_inputs",
]
