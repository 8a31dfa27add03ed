"""Loading the templates: one jinja2 environment a language, with its Babel catalog installed.

Every sentence lives in ``templates/*.j2`` inside ``{% trans %}`` (or ``_()``), or in the
reason table (:mod:`skill.reasons`, marked for extraction), and is translated through
``locales/<locale>/LC_MESSAGES/messages.mo``. Compiled templates are kept between runs in
jinja's own bytecode cache (:mod:`skill._jinja_cache`).
"""

from __future__ import annotations

import gettext
from functools import cache
from typing import Any

import jinja2

from skill import catalog
from skill._jinja_cache import cache_for
from skill.reasons import reason_info
from skill.render._ack import Lang
from skill.render.formatting import LOCALES, format_duration, format_list, format_number
from skill.resources import locales_dir, templates_dir

#: Where each advice line's link points (the reason table names them).
ADVICE_URLS: dict[str, str] = {
    "key": catalog.API_KEY_URL,
    "subscription": catalog.SUBSCRIPTION_URL,
}


def translations(lang: Lang) -> gettext.NullTranslations:
    """The compiled Babel catalog of ``lang`` (``locales/<locale>/LC_MESSAGES/messages.mo``).

    Read with the standard library's reader, which Babel's own ``Translations`` extends: the
    same file and the same strings, without importing Babel's dates and numbers to get them.
    Opened at its known place rather than searched for (``gettext.find`` loads the locale
    module to expand language names); without it, the templates' English stands.
    """
    catalog_file = locales_dir() / LOCALES[lang] / "LC_MESSAGES" / "messages.mo"
    try:
        with catalog_file.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    except FileNotFoundError:
        return gettext.NullTranslations()


#: How the templates are read (and compiled: the template cache is keyed on these too).
_OPTIONS: dict[str, Any] = {
    "extensions": ["jinja2.ext.i18n"],
    "autoescape": False,  # plain chat text, never HTML
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": False,
    "undefined": jinja2.StrictUndefined,
}
_POLICIES: dict[str, Any] = {"ext.i18n.trimmed": True}


@cache
def environment(lang: Lang) -> jinja2.Environment:
    """The environment of ``lang``: its catalog, its number and list formats, the card's links."""
    env = jinja2.Environment(  # noqa: S701 - autoescape is off on purpose: see _OPTIONS
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        bytecode_cache=cache_for({**_OPTIONS, **_POLICIES}),
        **_OPTIONS,
    )
    env.policies.update(_POLICIES)
    env.install_gettext_translations(  # type: ignore[attr-defined]  # added by ext.i18n
        translations(lang), newstyle=True
    )
    env.filters["num"] = lambda value: format_number(value, lang)
    env.filters["listing"] = lambda values: format_list(values, lang)
    env.filters["duration"] = lambda seconds: format_duration(seconds, lang)
    env.globals["lang"] = lang
    env.globals["key_url"] = catalog.API_KEY_URL
    env.globals["subscription_url"] = catalog.SUBSCRIPTION_URL
    env.globals["reason_info"] = reason_info
    env.globals["advice_urls"] = ADVICE_URLS
    return env


def tidy(text: str) -> str:
    """Templates are laid out for reading; the message is the lines with text, no blank runs."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)
