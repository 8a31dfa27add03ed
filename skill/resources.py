"""Find ``templates/`` and ``locales/``: beside the package in a wheel, at the repo root in a
checkout (the wheel build copies them into the package; see pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder beside {_PACKAGE}")


def templates_dir() -> Path:
    return _find("templates")


def locales_dir() -> Path:
    return _find("locales")


def sim_data_dir() -> Path:
    return _PACKAGE / "sim" / "data"
