"""The phrase corpus: every phrasing with every contract field it should produce.

Each line of ``corpus_zh.jsonl`` / ``corpus_en.jsonl`` is one chat message. Fields left out
take their plain value (text_to_image, no model, no size, no ratio, no images, no
preference, no notices, no follow-up, one picture, the file's language), so every case checks
the whole contract. ``followup`` is ``{"kind", "choice"?, "changes"?}`` (choice and changes
default to null and ``{}``).
``flags`` are ``--image`` values; ``subject`` is checked when present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skill.intent import parse

HERE = Path(__file__).parent
MODELS = {"pro": "gemini-3-pro-image", "nb2": "gemini-3.1-flash-image", None: None}
TASKS = {"i2i": "image_to_image", None: "text_to_image"}
KNOWN_KEYS = {
    "text", "flags", "task", "model", "size", "ratio", "prompt", "images", "lang", "pref",
    "notices", "subject", "followup", "count",
}  # fmt: skip


def load(language: str) -> list[dict[str, Any]]:
    lines = (HERE / f"corpus_{language}.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    for case in cases:
        case.setdefault("lang", language)
    return cases


CASES = load("zh") + load("en")


def expected(case: dict[str, Any]) -> dict[str, object]:
    return {
        "task_type": TASKS[case.get("task")],
        "model_id": MODELS[case.get("model")],
        "size": case.get("size"),
        "aspect_ratio": case.get("ratio"),
        "prompt": case["prompt"],
        "input_images": case.get("images", []),
        "language": case["lang"],
        "preference": case.get("pref"),
        "notices": case.get("notices", []),
        "followup": followup_of(case),
        "count": case.get("count", 1),
    }


def followup_of(case: dict[str, Any]) -> dict[str, object] | None:
    said = case.get("followup")
    if said is None:
        return None
    changes = {k: MODELS[v] if k == "model_id" else v for k, v in said.get("changes", {}).items()}
    return {"kind": said["kind"], "choice": said.get("choice"), "changes": changes}


def test_corpus_is_big_enough_and_balanced() -> None:
    zh, en = load("zh"), load("en")
    assert len(zh) + len(en) >= 200
    assert min(len(zh), len(en)) >= 100
    texts = [c["text"] for c in CASES]
    assert len(texts) == len(set(texts)), "a phrasing is listed twice"
    for case in CASES:
        assert set(case) <= KNOWN_KEYS, case


@pytest.mark.parametrize("case", CASES)  # ids: conftest.py shows the message
def test_phrasing(case: dict[str, Any]) -> None:
    intent = parse(case["text"], case.get("flags", ()))
    assert intent.to_json() == expected(case)
    if "subject" in case:
        assert intent.subject == case["subject"]
