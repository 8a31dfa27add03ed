"""The never-say guard: what a rendered text must never show the person.

A script or file name, a parameter name, a model id, an HTTP status or error code, a traceback,
a technical word or a key is never said (the skill card's "Never Say" table). Every text goes
through :func:`violations` before it is sent; on a leak the renderer logs it and shows the safe
generic text of that kind instead.
"""

from __future__ import annotations

import re

from skill import catalog

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
