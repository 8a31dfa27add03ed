"""Readable test ids for the phrase corpus: the message itself, Chinese included.

pytest escapes non-ASCII ids given with ``ids=``; ids from this hook are used as they are.
"""

from __future__ import annotations

import pytest


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    if argname == "case" and isinstance(val, dict) and isinstance(val.get("text"), str):
        text = " ".join(val["text"].split())[:48] or "<empty>"
        return f"{val.get('lang', '?')}: {text}"
    return None
