"""skill.ima's public surface: a curated __all__, every name importable, nothing private."""

from __future__ import annotations

import skill.ima


def test_all_is_unique_and_importable() -> None:
    names = skill.ima.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert not name.startswith("_")
        assert getattr(skill.ima, name) is not None


def test_public_names_are_exactly_all() -> None:
    public = {
        name
        for name, value in vars(skill.ima).items()
        if not name.startswith("_")
        and not isinstance(value, type(skill.ima))
        and name != "annotations"
    }
    assert public == set(skill.ima.__all__)


def test_the_client_contract_is_exported() -> None:
    for name in (
        "ImaClient",
        "Plan",
        "TaskSnapshot",
        "RetryPolicy",
        "ImaError",
        "ApiError",
        "NetworkError",
        "TaskError",
        "TaskFailed",
        "TaskTimeout",
        "ConfigurationError",
        "UnsupportedOption",
        "InvalidImage",
        "validate_inputs",
        "price_table",
    ):
        assert name in skill.ima.__all__
