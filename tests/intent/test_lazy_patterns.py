"""The lexicon's gated patterns compile on first use (issue 7: `parse` and `run`'s first
reply pay only for the patterns their message needs)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.intent import _lexicon as lx


def test_every_pattern_compiled_later_is_declared_and_compiles() -> None:
    assert lx._LATER, "nothing is compiled on first use any more: drop this machinery"
    for name, (source, flags) in lx._LATER.items():
        assert lx.__annotations__[name] == "re.Pattern[str]", name
        pattern = getattr(lx, name)
        assert isinstance(pattern, re.Pattern)
        assert pattern == re.compile(source, flags), name
        assert getattr(lx, name) is pattern  # compiled once, then a plain attribute


def test_a_name_that_is_not_there_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NO_SUCH_PATTERN"):
        lx.NO_SUCH_PATTERN  # noqa: B018 - the attribute access is the test


def test_a_chinese_drawing_leaves_the_model_and_english_patterns_uncompiled() -> None:
    code = (
        "from skill.intent import _lexicon as lx, parse\n"
        "parse('画一只猫')\n"
        "print(sorted(n for n in ('MODEL', 'EN_REQUEST', 'URL', 'ZH_REQUEST') if n in vars(lx)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "['ZH_REQUEST']", result.stderr


def test_has_han_agrees_with_the_character_class_it_replaces() -> None:
    han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    for code in range(0x10000):
        char = chr(code)
        assert lx.has_han(char) == bool(han.search(char)), hex(code)
    assert lx.has_han("a cat 🐱 in 4K, please 猫")
    assert not lx.has_han("a cat 🐱 in 4K, café")


WORDS = [
    "please ",
    "draw ",
    "a ",
    "Pro",
    "画",
    "一只猫",
    ", ",
    "\x00",
    " ",
    "4K",
    "i ",
    "HEY ",
    "!",
]


@given(st.lists(st.sampled_from(WORDS)).map("".join) | st.text())
def test_the_english_request_gate_never_hides_a_request(text: str) -> None:
    # The gate may let through what EN_REQUEST does not match, never the reverse.
    if any(m.end() > m.start() for m in lx.EN_REQUEST.finditer(text)):
        assert lx.MAY_EN_REQUEST.search(text)
