"""The language a server command speaks to whoever runs it: the machine's locale, as POSIX
reads it (``LC_ALL`` over ``LC_MESSAGES`` over ``LANG``)."""

from __future__ import annotations

import pytest

from skill.settings import operator_language


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "ZH_cn"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": " ", "LANG": "zh_CN"}, "zh"),  # empty means unset
    ],
)
def test_the_strongest_locale_variable_that_is_set_decides(env: dict[str, str], lang: str) -> None:
    assert operator_language(env) == lang
