"""Fixtures for the storage, journal and logging tests: a private HOME, clean logging state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skill import logs


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME points at a fresh folder, so ~/.openclaw lives under tmp_path."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _clean_logging_and_secrets() -> Iterator[None]:
    # setup_logging installs a root handler and register_secret is process-wide: undo both so
    # one test's state never changes another's outcome.
    yield
    logs.teardown_logging()
    logs._forget_secrets_for_tests()
