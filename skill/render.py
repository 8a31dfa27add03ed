"""Messages -> localized text: jinja2 templates, Babel catalogs, and the never-say guard.

Every sentence the person reads lives in ``templates/*.j2`` inside ``{% trans %}`` (or
``_()``), translated through ``locales/<locale>/LC_MESSAGES/messages.mo``. Python code holds
no sentence; it builds one of the message records below and :meth:`Renderer.render` picks the
template with ``match`` (exhaustive: a new record kind that is not rendered fails mypy).

The never-say guard (:func:`violations`) runs on every rendered text: a script or file name,
a parameter name, a model id, an HTTP status or error code, a traceback or a technical word
is never shown. On a violation the leak is logged and the safe generic text of that kind is
shown instead.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import jinja2

from skill import catalog
from skill._jinja_cache import cache_for
from skill.resources import locales_dir, templates_dir

if TYPE_CHECKING:
    from babel import Locale

#: The logger's name (the logging module loads only when a leak is caught: see _log_leak).
LOGGER = "skill.render"

Lang = Literal["zh", "en"]
#: Our language codes -> Babel locales (catalog folders).
LOCALES: dict[str, str] = {"zh": "zh_CN", "en": "en"}
LANGS: tuple[Lang, ...] = ("zh", "en")


# --- the message records ------------------------------------------------------------------
@dataclass(frozen=True)
class Ack:
    """Step 0: the short first reply."""

    emoji: str
    subject: str | None = None
    task_type: str = "text_to_image"
    aspect_ratio: str | None = None
    size: str | None = None
    #: "prompt" or "image" when the person must still say what to draw or send the picture:
    #: then the acknowledgement promises nothing yet.
    missing: str | None = None
    #: A message that only sets the model for next time ("以后都用 Pro"): the model now
    #: remembered, or ``forgot`` when the saved choice was dropped ("用默认的").
    remembered: str | None = None
    forgot: bool = False


@dataclass(frozen=True)
class AskPrompt:
    """Nothing to draw was said: ask what to draw."""


@dataclass(frozen=True)
class AskImage:
    """An edit was asked for without an image: ask for it."""


NoticeKind = Literal["size_capped", "unsupported_model", "preference_saved", "preference_cleared"]


@dataclass(frozen=True)
class Notice:
    """A line under the start notice."""

    kind: NoticeKind
    #: The model asked for (unsupported_model) or saved (preference_saved), as a display name.
    name: str | None = None


@dataclass(frozen=True)
class Start:
    """Step 1: model, expected time, credits."""

    model_name: str
    eta_s: tuple[int, int]
    credits: int
    size: str | None = None
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Progress:
    """Step 2: one progress message."""

    percent: int
    elapsed_s: int
    estimated_max_s: int
    overdue: bool = False


@dataclass(frozen=True)
class Success:
    """Step 3: the caption of the image."""

    model_name: str
    eta_s: tuple[int, int]
    elapsed_s: int
    credits: int
    url: str
    path: str | None = None


@dataclass(frozen=True)
class Alternative:
    """One suggestion after a model-side failure, priced from the live product list."""

    model_name: str
    #: "premium" or "balanced" (catalog tier): chooses the trait words.
    tier: str
    points_min: int
    points_max: int
    #: Set for "the same model at another size".
    size: str | None = None


@dataclass(frozen=True)
class Failure:
    """Step 4: what went wrong, in plain words, and what to try instead."""

    reason: str
    alternatives: tuple[Alternative, ...] = ()
    #: The ratios or sizes the model offers (unsupported option refusals).
    offered: tuple[str, ...] = ()
    #: "aspect_ratio" or "size" for unsupported option refusals.
    field: str | None = None
    #: For those refusals: the value asked for, and the other Nano Banana model that offers it.
    asked: str | None = None
    offered_by: str | None = None
    #: InvalidImage.why ("missing", "not_image", "too_large", "unsupported_type", "not_https",
    #: "too_many") for image refusals.
    image_problem: str | None = None
    #: The task exists and may still finish (client-side timeout, lost connection).
    may_still_arrive: bool = False
    #: Refused before anything was created (a ratio not offered, a broken picture): nothing
    #: was generated or charged, so the message does not say that generation failed.
    not_started: bool = False


@dataclass(frozen=True)
class DemoBanner:
    """The first lines of ``demo``: this is a simulation, and what the person said."""

    speed: float
    #: The chat message the demo answers, shown as the person's own line.
    said: str = ""


Message = Ack | AskPrompt | AskImage | Start | Progress | Success | Failure | DemoBanner
MessageKind = Literal[
    "ack", "ask_prompt", "ask_image", "start", "progress", "success", "failure", "demo"
]


def assert_never(value: NoReturn) -> NoReturn:
    """Exhaustiveness check for ``match`` (``typing.assert_never`` is 3.11+; we support 3.10)."""
    raise AssertionError(f"unhandled message: {value!r}")


def kind_of(message: Message) -> MessageKind:
    """The template name of a message (also the kind of its safe fallback)."""
    match message:
        case Ack():
            return "ack"
        case AskPrompt():
            return "ask_prompt"
        case AskImage():
            return "ask_image"
        case Start():
            return "start"
        case Progress():
            return "progress"
        case Success():
            return "success"
        case Failure():
            return "failure"
        case DemoBanner():
            return "demo"
        case _:
            assert_never(message)


# --- the never-say guard --------------------------------------------------------------------
_URL = re.compile(r"https?://\S+")
#: IMA business codes that are never shown (HTTP statuses are caught by range below).
_BUSINESS_CODES = frozenset({1001, 4008, 4014, 6006, 6009, 6010})
#: A number standing alone: not part of "4K", "16:9", "20~40", "95%", "15s", "6 积分", a URL...
_STANDALONE_NUMBER = re.compile(
    r"(?<![\w.:/~@#\-–])(\d{3,4})(?![\w.:/~%\-–])"
    r"(?!\s*(?:秒|s\b|sec|seconds?\b|积分|pts?\b|points?\b|px\b|MB\b|%|×))"
)
_NEVER_SAY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("file name", re.compile(r"[\w-]+\.py\b")),
    ("script name", re.compile(r"ima_image_create|ima_logger")),
    (
        "parameter name",
        re.compile(
            r"\b(?:attribute_id|model_version|form_config|task_id|resource_status|credit_rules"
            r"|model_id|task_type|src_img_url|input_images|aspect_ratio|poll_interval)\b"
        ),
    ),
    (
        "model id",
        re.compile(
            r"\bgemini-[\w.-]*|\bdoubao-[\w.-]*|"
            + "|".join(re.escape(model_id) for model_id in catalog.MODELS)
        ),
    ),
    ("error code", re.compile(r"(?i)\b(?:error|code|status|错误|代码|状态码)\s*[:#=]?\s*\d{3,4}")),
    ("traceback", re.compile(r"Traceback \(most recent call last\)|File \"[^\"]*\", line \d+")),
    (
        "technical word",
        re.compile(
            r"(?i)\bscripts?\b|脚本|自动化|\bautomation\b|API\s*调用|\bAPI calls?\b|\bHTTP\b"
            r"|接口|产品列表|product list|\bendpoint\b|\bJSON\b|\bexception\b|\bstack trace\b"
            r"|\bnull\b|\bNone\b"
        ),
    ),
    ("secret", re.compile(r"ima_[A-Za-z0-9_\-]{6,}")),
)


def violations(text: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """What in ``text`` must never be said (empty: the text is safe).

    ``allowed`` values (the result URL, the saved path) are data the person asked for and are
    left out of the check, as are URLs (the card's key and credit links, the image link).
    """
    for value in allowed:
        if value:
            text = text.replace(value, " ")
    text = _URL.sub(" ", text)
    found = [f"{name}: {m.group(0)!r}" for name, rx in _NEVER_SAY for m in rx.finditer(text)]
    for m in _STANDALONE_NUMBER.finditer(text):
        number = int(m.group(1))
        if 100 <= number <= 599 or number in _BUSINESS_CODES:
            found.append(f"status code: {m.group(1)!r}")
    return found


class NeverSayViolation(ValueError):
    """A rendered text broke the never-say rule (raised only by ``strict`` rendering)."""


# --- rendering --------------------------------------------------------------------------------
def lang_of(value: str | None) -> Lang:
    """``"zh"`` for any Chinese code (zh, zh_CN, zh-Hans...), else ``"en"``."""
    return "zh" if (value or "").lower().startswith("zh") else "en"


# Babel is imported on the first number or list formatted, not before: the acknowledgement
# has neither, and `run` prints it before anything it does not need is loaded (issue 7).
@cache
def _locale(lang: Lang) -> Locale:
    from babel import Locale

    return Locale.parse(LOCALES[lang])


def _format_number(value: float, lang: Lang) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale(lang))


def _format_list(values: Iterable[str], lang: Lang) -> str:
    from babel.lists import format_list

    return format_list(list(values), locale=_locale(lang))


def _translations(lang: Lang) -> gettext.NullTranslations:
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
def _environment(lang: Lang) -> jinja2.Environment:
    env = jinja2.Environment(  # noqa: S701 - autoescape is off on purpose: see _OPTIONS
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        bytecode_cache=cache_for({**_OPTIONS, **_POLICIES}),
        **_OPTIONS,
    )
    env.policies.update(_POLICIES)
    env.install_gettext_translations(  # type: ignore[attr-defined]  # added by ext.i18n
        _translations(lang), newstyle=True
    )
    env.filters["num"] = lambda value: _format_number(value, lang)
    env.filters["listing"] = lambda values: _format_list(values, lang)
    env.globals["lang"] = lang
    env.globals["key_url"] = catalog.API_KEY_URL
    env.globals["subscription_url"] = catalog.SUBSCRIPTION_URL
    return env


class Renderer:
    """Renders message records in one of the two languages, through the never-say guard."""

    def render(self, message: Message, lang: str, *, strict: bool = False) -> str:
        """The text of ``message`` in ``lang``.

        ``strict`` raises :class:`NeverSayViolation` instead of falling back (tests use it).
        """
        kind = kind_of(message)
        return self.render_template(
            f"{kind}.j2",
            lang,
            fallback=kind,
            strict=strict,
            allowed=_allowed_values(message),
            m=message,
            **_context(message),
        )

    def render_template(
        self,
        template: str,
        lang: str,
        *,
        fallback: MessageKind,
        strict: bool = False,
        allowed: tuple[str, ...] = (),
        **context: Any,
    ) -> str:
        """Any template of ``templates/`` in ``lang``, through the never-say guard.

        On a violation the text is replaced by the safe generic text of ``fallback`` (and the
        leak logged), or, with ``strict``, :class:`NeverSayViolation` is raised.
        """
        language = lang_of(lang)
        text = _tidy(_environment(language).get_template(template).render(**context))
        found = violations(text, allowed=allowed)
        if not found:
            return text
        if strict:
            raise NeverSayViolation("; ".join(found))
        _log_leak(template, found)
        return self.fallback(fallback, language)

    def render_unguarded(self, message: Message, lang: Lang) -> str:
        """The template's text, before the guard (for tests and the guard itself)."""
        kind = kind_of(message)
        template = _environment(lang).get_template(f"{kind}.j2")
        return _tidy(template.render(m=message, **_context(message)))

    def fallback(self, kind: MessageKind, lang: str) -> str:
        """The safe generic text of a message kind."""
        template = _environment(lang_of(lang)).get_template("fallback.j2")
        return _tidy(template.render(kind=kind))


def _log_leak(template: str, found: list[str]) -> None:
    import logging

    logging.getLogger(LOGGER).error("never-say guard replaced %s: %s", template, "; ".join(found))


def _context(message: Message) -> dict[str, Any]:
    if isinstance(message, Failure):
        return {"reason": message.reason}
    return {}


def _allowed_values(message: Message) -> tuple[str, ...]:
    if isinstance(message, Success):
        return tuple(v for v in (message.url, message.path) if v)
    if isinstance(message, DemoBanner) and message.said:
        return (message.said,)  # the person's own words are theirs to say
    return ()


def _tidy(text: str) -> str:
    """Templates are laid out for reading; the message is the lines with text, no blank runs."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


_default_renderer = Renderer()


def render(message: Message, lang: str) -> str:
    """Render with the shared :class:`Renderer` (guarded)."""
    return _default_renderer.render(message, lang)
