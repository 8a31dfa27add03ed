"""``make demo TEXT=...`` hands the message over as it was typed: neither make nor a shell runs
anything written in it (``$(shell ...)``, backticks, ``$(...)``, ``;``), nor expands a variable
(``$(HOME)``, ``$HOME``), nor drops a quote.

Most tests run the Makefile against a stand-in for the console script (``VENV`` and ``BIN``
pointed at a temporary folder) that reports the arguments and the environment it was given;
one runs the real demo, which reads the message with ``--text-env``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def hostile(folder: Path) -> str:
    """A message holding every way make or a shell could be made to run something in
    ``folder``, plus variables and quotes that must come through untouched."""
    return (
        f"画一只猫 $(shell touch {folder}/make_shell) ${{shell touch {folder}/make_braces}} "
        f"`touch {folder}/backticks` $(touch {folder}/subshell) $(HOME) $$HOME ${{HOME}} "
        f";rm -rf {folder}/keep; \"double\" 'single' #not-a-comment back\\slash"
    )


def stand_in(tmp_path: Path) -> Path:
    """A VENV whose ``bin/ima-nano-banana`` writes its arguments and DEMO_TEXT as JSON, with
    the install stamp already made, so ``make demo`` installs nothing."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()
    script = venv / "bin" / "ima-nano-banana"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'environ': dict(os.environ)}))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return venv


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``make -s ARGS`` in the checkout, as a person would type it (not as a sub-make of the
    ``make test`` that may be running this test)."""
    env = dict(os.environ if env is None else env)
    for inherited in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(inherited, None)
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """The folder the hostile message aims at: it must hold only ``keep`` afterwards."""
    folder = tmp_path / "sandbox"
    (folder / "keep").mkdir(parents=True)
    return folder


def assert_untouched(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["keep"]


@pytest.mark.parametrize("how", ["command line", "environment"])
def test_the_text_reaches_the_demo_verbatim(tmp_path: Path, sandbox: Path, how: str) -> None:
    venv = stand_in(tmp_path)
    text = hostile(sandbox)
    env = dict(os.environ)
    given = [f"TEXT={text}"] if how == "command line" else []
    if how == "environment":
        env["TEXT"] = text
    proc = make("demo", f"VENV={venv}", f"BIN={venv}/bin", *given, env=env)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["argv"] == ["demo", "--text-env", "DEMO_TEXT"]
    assert seen["environ"]["DEMO_TEXT"] == text
    # TEXT itself is kept out of the environment: make would have expanded it to put it there.
    assert "TEXT" not in seen["environ"]
    assert_untouched(sandbox)


def test_without_text_the_demo_gets_an_empty_message(tmp_path: Path) -> None:
    venv = stand_in(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "TEXT"}
    proc = make("demo", f"VENV={venv}", f"BIN={venv}/bin", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["environ"]["DEMO_TEXT"] == ""  # the demo's own sample


def test_a_dry_run_runs_nothing_either(tmp_path: Path, sandbox: Path) -> None:
    # make -n still expands variables (and runs $(shell ...)) to print the recipe.
    venv = stand_in(tmp_path)
    proc = make("-n", "demo", f"VENV={venv}", f"BIN={venv}/bin", f"TEXT={hostile(sandbox)}")
    assert proc.returncode == 0, proc.stderr
    assert "demo --text-env DEMO_TEXT" in proc.stdout
    assert "touch" not in proc.stdout
    assert_untouched(sandbox)


def test_the_demo_reads_its_message_from_the_environment(tmp_path: Path, sandbox: Path) -> None:
    text = hostile(sandbox)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    env.update(HOME=str(tmp_path), DEMO_TEXT=text)
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "demo", "--text-env", "DEMO_TEXT", "--format", "jsonl"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert text in proc.stderr  # the banner repeats what was said, as it was said
    events = [json.loads(line)["event"] for line in proc.stdout.splitlines()]
    assert events[-2:] == ["success", "done"]
    assert_untouched(sandbox)


def test_the_demo_refuses_an_unset_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_SUCH_DEMO_TEXT"}
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "demo", "--text-env", "NO_SUCH_DEMO_TEXT"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ima-nano-banana demo: the environment variable NO_SUCH_DEMO_TEXT is not set"
    ]
