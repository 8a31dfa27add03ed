"""Numbers as a locale writes them, from Babel's locale data, without loading it every run.

Every message that holds a number (credits, seconds, a percentage) would otherwise load Babel
and its locale data: about 8 MB and 40 ms of a run that only needs to write "6" or "1,234".
What formatting needs from that data is three facts a locale: its decimal symbol, its group
symbol and its decimal pattern. They are read from Babel once, kept in the skill's cache
folder (keyed by the installed Babel's files, so an upgrade reads them again), and a number is
written from them exactly as Babel writes it for the standard pattern ``#,##0.###``. A locale
with another pattern, or a cache that cannot be used, goes to Babel itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

#: The decimal pattern both our locales use; the only one written without Babel.
STANDARD_PATTERN = "#,##0.###"
#: Its largest number of fraction digits and its group size.
_FRACTION_DIGITS = 3
_GROUP = 3


@dataclass(frozen=True)
class NumberFacts:
    """What writing a number needs from a locale."""

    decimal: str
    group: str
    pattern: str


def _babel_fingerprint() -> str | None:
    """Names the installed Babel (its package file and its locale data folder), found without
    importing it; ``None`` when Babel cannot be found that way."""
    spec = importlib.util.find_spec("babel")
    if spec is None or not spec.origin:
        return None
    package = Path(spec.origin)
    try:
        code, data = package.stat(), (package.parent / "locale-data").stat()
    except OSError:
        return None
    return f"{code.st_size:x}{code.st_mtime_ns:x}{data.st_mtime_ns:x}"


def _read_from_babel(locale: str) -> NumberFacts:
    from babel import Locale

    parsed = Locale.parse(locale)
    symbols = parsed.number_symbols[parsed.default_numbering_system]
    return NumberFacts(
        decimal=symbols["decimal"],
        group=symbols["group"],
        pattern=parsed.decimal_formats[None].pattern,
    )


def _cache_file(folder: Path, mark: str) -> Path:
    return folder / f"numbers-{mark}.json"


@cache
def number_facts(locale: str, folder: Path) -> NumberFacts:
    """The facts of ``locale`` (a Babel locale name): from the cache in ``folder``, else from
    Babel (and then kept there)."""
    mark = _babel_fingerprint()
    path = _cache_file(folder, mark) if mark else None
    kept: dict[str, dict[str, str]] = {}
    if path is not None:
        with contextlib.suppress(OSError, ValueError):
            raw = json.loads(path.read_text("utf-8"))
            if isinstance(raw, dict):
                kept = raw
        with contextlib.suppress(KeyError, TypeError):
            return NumberFacts(**kept[locale])
    facts = _read_from_babel(locale)
    if path is not None:
        kept[locale] = asdict(facts)
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(kept), "utf-8")
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
    return facts


def write_standard(value: float, facts: NumberFacts) -> str:
    """``value`` in the standard pattern ``#,##0.###`` with ``facts``' symbols: at most three
    fraction digits, rounded half to even, trailing zeros dropped, groups of three, and the
    sign of anything negative kept (Babel writes -0.0001 as "-0")."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    rounded = number.quantize(Decimal(1).scaleb(-_FRACTION_DIGITS), rounding=ROUND_HALF_EVEN)
    sign = "-" if number.is_signed() else ""  # Babel keeps the sign of -0.0001 ("-0")
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0")
    groups: list[str] = []
    while len(whole) > _GROUP:
        groups.insert(0, whole[-_GROUP:])
        whole = whole[:-_GROUP]
    groups.insert(0, whole)
    text = facts.group.join(groups)
    if fraction:
        text += facts.decimal + fraction
    return sign + text
