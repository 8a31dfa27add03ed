"""The error tree: every class has a contract reason, codes map to classes, the tree is drawn."""

from __future__ import annotations

import inspect

import pytest

from skill import events, settings
from skill.ima import errors
from skill.ima.errors import (
    ApiError,
    ConfigurationError,
    EndpointRefused,
    ImaError,
    InvalidImage,
    TaskFailed,
    api_error,
)


def all_error_classes() -> list[type[ImaError]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, ImaError) and obj.__module__ == errors.__name__
    ]


def test_every_class_is_drawn_in_the_docstring_tree() -> None:
    doc = errors.__doc__ or ""
    for cls in all_error_classes():
        assert (
            f"── {cls.__name__}" in doc
            or doc.lstrip().startswith(cls.__name__)
            or (f"\n{cls.__name__}" in doc)
        ), cls.__name__


def test_every_reason_is_a_contract_reason() -> None:
    for cls in all_error_classes():
        assert cls.reason in events.REASONS, cls
    for why in errors.IMAGE_PROBLEMS:
        assert InvalidImage("x", why).reason in events.REASONS
    for rs in (0, 2, 3):
        assert TaskFailed("t", rs, "failed").reason in events.REASONS


@pytest.mark.parametrize(
    ("code", "message", "reason"),
    [
        (401, "", "unauthorized"),
        (4008, "Insufficient points", "insufficient_points"),
        (4014, "", "subscription_required"),
        (6006, "", "credit_mismatch"),
        (6009, "", "invalid_attribute"),
        (6010, "", "attribute_mismatch"),
        (1234, "Invalid product attribute", "invalid_attribute"),
        (400, "", "bad_request"),
        (429, "", "rate_limited"),
        (500, "", "server_error"),
        (503, "", "server_error"),
        (9999, "odd", "unknown"),
    ],
)
def test_codes_map_to_reasons(code: int, message: str, reason: str) -> None:
    err = api_error(code, message, 200)
    assert isinstance(err, ApiError)
    assert (err.code, err.reason) == (code, reason)


def test_image_reasons_split_missing_from_invalid() -> None:
    assert InvalidImage("a.png", "missing").reason == "missing_image"
    assert InvalidImage("a.png", "too_large").reason == "invalid_image"


def test_endpoint_refused_is_both_kinds() -> None:
    err = EndpointRefused("nope")
    assert isinstance(err, ConfigurationError)
    assert isinstance(err, settings.EndpointRefused)
