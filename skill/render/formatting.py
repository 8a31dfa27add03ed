"""Numbers, lists and durations in the person's language, by Babel's locale data.

Babel is imported on the first value formatted, not before: the acknowledgement has none, and
``run`` gives it before anything it does not need is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from skill.render._ack import Lang

if TYPE_CHECKING:
    from babel import Locale

#: Our language codes -> Babel locales (the catalog folders under ``locales/``).
LOCALES: dict[str, str] = {"zh": "zh_CN", "en": "en"}
LANGS: tuple[Lang, ...] = ("zh", "en")
#: A duration is said in a unit once it is at least this many of it (Babel's threshold).
DURATION_UNIT_THRESHOLD = 2.0


def lang_of(value: str | None) -> Lang:
    """``"zh"`` for any Chinese code (zh, zh_CN, zh-Hans...), else ``"en"``."""
    return "zh" if (value or "").lower().replace("_", "-").startswith("zh") else "en"


@cache
def _locale(lang: Lang) -> Locale:
    from babel import Locale

    return Locale.parse(LOCALES[lang])


def format_number(value: float, lang: Lang) -> str:
    """``1234.5`` as the locale writes it (``1,234.5``): from the locale's facts, kept once
    read from Babel (:mod:`skill.render.numbers`); Babel itself for any other pattern."""
    from skill.render.memo import cache_folder
    from skill.render.numbers import STANDARD_PATTERN, number_facts, write_standard

    facts = number_facts(LOCALES[lang], cache_folder())
    if facts.pattern == STANDARD_PATTERN:
        return write_standard(value, facts)
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale(lang))


def format_list(values: Iterable[str], lang: Lang) -> str:
    """``["1:1", "16:9"]`` as the locale lists it (``1:1 and 16:9``, ``1:1和16:9``)."""
    from babel.lists import format_list as babel_list

    return babel_list(list(values), locale=_locale(lang))


def format_duration(seconds: float, lang: Lang) -> str:
    """A wait in words (``90 seconds``, ``4分钟``), rounded as Babel rounds for a person: a
    unit is used from two of it on, so 90 s stays "90 seconds" rather than "2 minutes"."""
    from datetime import timedelta

    from babel.dates import format_timedelta

    return format_timedelta(
        timedelta(seconds=seconds), locale=_locale(lang), threshold=DURATION_UNIT_THRESHOLD
    )
