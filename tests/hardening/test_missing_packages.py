"""Without its third-party packages the command says so in one plain line, never a traceback.

The subprocesses run this interpreter with ``-S`` (no site-packages, so no httpx, pydantic,
jinja2 or babel) and the checkout on ``PYTHONPATH``: a skill copied into place but never
installed with its dependencies.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from skill import cli

ROOT = Path(__file__).resolve().parents[2]
ONE_LINE = re.compile(
    r"ima-nano-banana: a package it needs is missing \((httpx|pydantic|jinja2|babel)\); "
    r"install the skill with its dependencies: pip install ima-nano-banana .*"
)


def bare_python(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMA_", "PYTHON"))}
    env.update(PYTHONPATH=str(ROOT), HOME=str(tmp_path), IMA_API_KEY="ima_test_key_123")
    return subprocess.run(
        [sys.executable, "-S", "-m", "skill", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_bare_interpreter_really_lacks_the_packages(tmp_path: Path) -> None:
    probe = subprocess.run(
        [sys.executable, "-S", "-c", "import httpx"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ModuleNotFoundError" in probe.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["run", "画一只猫"],
        ["run", "--format", "jsonl", "draw a cat"],
        ["models"],
        ["create", "--task-type", "text_to_image", "--prompt", "a cat", "--output-json"],
        ["demo"],
        ["sim", "--port", "0"],
        ["resume"],
    ],
)
def test_a_missing_package_is_one_plain_line(tmp_path: Path, args: list[str]) -> None:
    proc = bare_python(tmp_path, *args)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert ONE_LINE.fullmatch(lines[0]), lines[0]
    assert proc.returncode == cli.EXIT_USAGE


def test_parse_needs_none_of_them(tmp_path: Path) -> None:
    proc = bare_python(tmp_path, "parse", "--json", "画一只猫")
    assert proc.returncode == 0, proc.stderr
    assert '"prompt"' in proc.stdout


def test_a_missing_module_of_our_own_keeps_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A module of the skill's own (or of the standard library) missing is a bug, not a
    # machine to set up: it must not be disguised as an installation problem.
    def main(args: object) -> int:
        raise ModuleNotFoundError("No module named 'skill.nowhere'", name="skill.nowhere")

    command = ModuleType("skill.commands.tool_schema")
    command.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "skill.commands.tool_schema", command)
    with pytest.raises(ModuleNotFoundError):
        cli.main(["tool-schema"])
