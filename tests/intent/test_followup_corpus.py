"""The follow-up corpus: how people answer a picture or a failure, and what the parser reads.

Each line of ``corpus_followup.jsonl`` is one message in Chinese, English or both, with typos
and emoji as people type them: ``followup`` is what ``parse --json`` must report for it
(``{"kind", "choice"?, "changes"?}``, or ``null`` for a message that stands on its own, a new
picture), ``count`` the pictures asked for (1 when left out). Model ids in ``changes`` are
written ``pro`` and ``nb2``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from skill.intent import FOLLOWUP_KINDS, parse
from skill.intent._lexicon import has_han

HERE = Path(__file__).parent
MODELS = {"pro": "gemini-3-pro-image", "nb2": "gemini-3.1-flash-image"}


def load() -> list[dict[str, Any]]:
    lines = (HERE / "corpus_followup.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


CASES = load()


def expected(case: dict[str, Any]) -> dict[str, object] | None:
    said = case["followup"]
    if said is None:
        return None
    changes = {
        k: MODELS.get(v, v) if k == "model_id" else v for k, v in said.get("changes", {}).items()
    }
    return {"kind": said["kind"], "choice": said.get("choice"), "changes": changes}


def test_the_corpus_covers_every_kind_in_both_languages_and_mixed() -> None:
    followups = [c for c in CASES if c["followup"] is not None]
    assert len(followups) >= 150
    texts = [c["text"] for c in CASES]
    assert len(texts) == len(set(texts)), "a phrasing is listed twice"
    kinds = Counter(c["followup"]["kind"] for c in followups)
    assert set(kinds) == set(FOLLOWUP_KINDS)
    assert min(kinds.values()) >= 10, kinds
    chinese = [c for c in followups if has_han(c["text"])]
    latin = [c for c in followups if any("a" <= ch.lower() <= "z" for ch in c["text"])]
    mixed = [c for c in chinese if c in latin]
    assert min(len(chinese), len(latin)) >= 60
    assert len(mixed) >= 10
    emoji = [c for c in followups if any(ord(ch) >= 0x1F300 for ch in c["text"])]
    assert len(emoji) >= 5


@pytest.mark.parametrize("case", CASES)  # ids: conftest.py shows the message
def test_followup(case: dict[str, Any]) -> None:
    data = parse(case["text"]).to_json()
    assert data["followup"] == expected(case)
    assert data["count"] == case.get("count", 1)
