"""The Babel catalogs: every template string is translated in both, placeholders agree, and
the compiled .mo files are in sync with the .po files (run `make catalogs` after editing)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from skill.render import LOCALES
from skill.resources import locales_dir, templates_dir

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def template_msgids() -> set[str]:
    """Every message id `make catalogs` extracts: the templates and the reason table."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = list(extract_from_dir(str(templates_dir()), method_map, options_map))
    found += extract_from_dir(
        str(ROOT / "skill"),
        [("**/reasons.py", "python")],
        {"**/reasons.py": {}},
        keywords={"N_": None},
    )
    return {message for _file, _line, message, _comments, _context in found if message}


def po(locale: str):  # type: ignore[no-untyped-def]
    with open(locales_dir() / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


MSGIDS = template_msgids()


def test_templates_have_strings() -> None:
    assert len(MSGIDS) > 50
    assert all(isinstance(m, str) for m in MSGIDS)  # no plural forms in use


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_every_template_string_is_translated(locale: str) -> None:
    catalog = po(locale)
    missing = sorted(m for m in MSGIDS if m not in catalog or not catalog[m].string)
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert missing == [], f"untranslated in {locale}: {missing}"
    assert fuzzy == [], f"fuzzy in {locale}: {fuzzy}"


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_no_stale_strings(locale: str) -> None:
    stale = sorted(m.id for m in po(locale) if m.id and m.id not in MSGIDS)
    assert stale == [], f"strings no template uses any more, in {locale}: {stale}"


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_placeholders_agree(locale: str) -> None:
    for message in po(locale):
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id
            assert message.id.count("%%") == message.string.count("%%"), message.id


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_compiled_catalog_matches_the_po(locale: str) -> None:
    with open(locales_dir() / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in po(locale):
        if message.id:
            assert compiled.gettext(message.id) == message.string, (
                f"{locale} .mo is stale for {message.id!r}: run `make catalogs`"
            )
