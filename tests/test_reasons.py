"""The reason table: every reason's words come from the catalogs, in both languages, and the
table, the enum and the exit codes agree."""

from __future__ import annotations

import gettext

import pytest

from skill.exits import EXIT_FAILED, EXIT_USAGE
from skill.reasons import REASONS, Offers, Reason, exit_code_for, reason_info
from skill.render import Failure, Hint, Renderer
from skill.resources import locales_dir

R = Renderer()


def catalog(locale: str) -> gettext.GNUTranslations:
    with open(locales_dir() / locale / "LC_MESSAGES" / "messages.mo", "rb") as compiled:
        return gettext.GNUTranslations(compiled)


ZH = catalog("zh_CN")
EN = catalog("en")


def test_every_reason_has_one_row_and_the_contract_lists_them_all() -> None:
    assert set(REASONS) == set(Reason)
    from skill.events import REASONS as CONTRACT

    assert tuple(r.value for r in Reason) == CONTRACT


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_each_reasons_sentence_is_translated_in_both_catalogs(reason: Reason) -> None:
    info = reason_info(reason)
    zh = ZH.gettext(info.explanation)
    assert zh != info.explanation, f"no Chinese for {reason}"
    assert EN.gettext(info.explanation) == info.explanation
    if info.advice:
        assert ZH.gettext(info.advice) != info.advice


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_each_reason_is_said_from_its_catalog_entry_in_zh_and_en(reason: Reason) -> None:
    info = reason_info(reason)
    zh = R.render(Failure(reason), "zh", strict=True)
    en = R.render(Failure(reason), "en", strict=True)
    if reason not in (Reason.MISSING_IMAGE,):  # asks for the picture instead (ask_image.j2)
        assert ZH.gettext(info.explanation) in zh
        assert info.explanation in en
    assert zh != en
    hint_zh = R.render(Hint(reason), "zh", strict=True)
    hint_en = R.render(Hint(reason), "en", strict=True)
    assert ZH.gettext(info.explanation) in hint_zh
    assert info.explanation in hint_en


def test_exit_codes_come_from_the_table() -> None:
    assert exit_code_for(Reason.INSUFFICIENT_POINTS) == EXIT_FAILED
    assert exit_code_for(Reason.INVALID_IMAGE) == EXIT_USAGE
    assert exit_code_for(Reason.TIMEOUT, refused=True) == EXIT_USAGE
    assert exit_code_for("no such reason") == EXIT_FAILED  # read as unknown


def test_the_advice_and_the_offers_agree() -> None:
    # A timeout offers only what is faster; too few points only what is cheaper; a lost
    # create answer, nothing that would pay twice.
    assert reason_info(Reason.TIMEOUT).offers is Offers.FASTER
    assert reason_info(Reason.INSUFFICIENT_POINTS).offers is Offers.CHEAPER
    assert reason_info(Reason.UNCONFIRMED).offers is Offers.NONE
    assert not reason_info(Reason.UNCONFIRMED).retryable
    assert "faster" not in reason_info(Reason.TIMEOUT).explanation
