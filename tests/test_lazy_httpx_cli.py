"""httpx's command line is not loaded by the skill's processes, yet still works when called."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_httpx_after_the_skill_loads_no_command_line_tool() -> None:
    done = run(
        "import sys, skill, httpx\n"
        "print(sorted(m for m in ('click', 'rich', 'pygments') if m in sys.modules))"
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_httpx_main_still_runs_the_real_command() -> None:
    done = run("import skill, httpx\nhttpx.main(['--help'])")
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
