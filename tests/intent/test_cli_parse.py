"""``ima-nano-banana parse`` as a person or an agent runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = [
    "task_type", "model_id", "size", "aspect_ratio", "prompt", "input_images", "language",
    "preference", "notices", "followup", "count",
]  # fmt: skip


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "skill", "parse", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        check=False,
        timeout=30,
    )


def test_json_is_one_line_with_the_contract_keys() -> None:
    result = run("--json", "用 Pro 画一只戴墨镜的柴犬,16:9,4K")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert "一只戴墨镜的柴犬" in result.stdout  # ensure_ascii=False: Chinese stays readable
    data = json.loads(result.stdout)
    assert list(data) == KEYS
    assert data["model_id"] == "gemini-3-pro-image"
    assert data["preference"] is None  # Pro for this picture: "用 Pro" is no lasting choice
    assert (data["followup"], data["count"]) == (None, 1)


def test_text_env_reads_the_message_from_the_environment() -> None:
    message = "画一只猫; rm -rf / $(echo hi) `x` 'q' \"z\""
    result = run("--text-env", "IMA_TEST_MSG", "--json", env={"IMA_TEST_MSG": message})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "zh"
    assert "rm -rf" in data["prompt"]  # taken as text, never run


def test_unset_text_env_is_a_usage_error_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "IMA_SURELY_UNSET"}
    result = subprocess.run(
        [sys.executable, "-m", "skill", "parse", "--text-env", "IMA_SURELY_UNSET", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "IMA_SURELY_UNSET" in result.stderr


def test_image_flags_come_first() -> None:
    result = run("--json", "--image", "a.png", "--image", "b.png", "变成油画 https://x.test/c.jpg")
    data = json.loads(result.stdout)
    assert data["input_images"] == ["a.png", "b.png", "https://x.test/c.jpg"]
    assert data["task_type"] == "image_to_image"


@pytest.mark.parametrize("text", ["", " ", "\x01\x02", "🎉", "-", "x" * 10_000, "！！"])
def test_odd_input_never_crashes(text: str) -> None:
    result = run("--json", "--", text)
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)) == KEYS


def test_undecodable_bytes_in_argv_never_crash() -> None:
    # Invalid UTF-8 reaches Python as lone surrogates; they must not reach stdout.
    result = subprocess.run(
        [sys.executable, "-m", "skill", "parse", "--json", b"\xff\xfe abc"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.decode("utf-8"))["prompt"] == "abc"


def test_no_text_at_all_prints_an_empty_prompt() -> None:
    result = run("--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["prompt"] == ""


def test_summary_without_json() -> None:
    result = run("帮我用nb pro画个猫猫 横屏4k!!")
    assert result.returncode == 0
    assert result.stdout.startswith("🐱 猫猫")
    assert "gemini-3-pro-image" in result.stdout
    assert "16:9" in result.stdout


def test_parse_imports_nothing_heavy() -> None:
    code = (
        "import sys, runpy; sys.argv = ['skill', 'parse', '--json', 'a cat'];\n"
        "try:\n    runpy.run_module('skill', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'pydantic', 'jinja2', 'babel') if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def test_console_script_works_too() -> None:
    script = Path(sys.executable).parent / "ima-nano-banana"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    result = subprocess.run(
        [str(script), "parse", "--json", "a cat, 4k"], capture_output=True, text=True, check=False
    )
    assert json.loads(result.stdout)["size"] == "4K"


def test_the_chat_and_sender_flags_are_taken_and_change_nothing() -> None:
    plain = run("--json", "好的")
    keyed = run("--json", "好的", "--chat-id", "oc_1", "--user-id", "ou_1")
    assert keyed.returncode == 0, keyed.stderr
    assert keyed.stdout == plain.stdout
    assert json.loads(keyed.stdout)["followup"] == {"kind": "accept", "choice": None, "changes": {}}
