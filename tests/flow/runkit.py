"""Shared by the ``run`` end-to-end tests: start ``ima-nano-banana run`` as a subprocess and
read its JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from skill.render import violations

NB2 = "gemini-3.1-flash-image"
PRO = "gemini-3-pro-image"


@dataclass
class RunResult:
    code: int
    out: str
    err: str

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    @property
    def kinds(self) -> list[str]:
        return [e["event"] for e in self.events]

    def one(self, kind: str) -> dict[str, Any]:
        found = [e for e in self.events if e["event"] == kind]
        assert len(found) == 1, self.kinds
        return found[0]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]

    def assert_clean(self) -> None:
        """Each event once, ack first, one outcome, done last; no never-say word anywhere."""
        kinds = self.kinds
        assert kinds[0] == "ack", kinds
        assert kinds[-1] == "done", kinds
        assert kinds.count("success") + kinds.count("failure") == 1, kinds
        for event in self.events:
            text = event.get("text", "")
            allowed = (event.get("media", ""), event.get("path", ""))
            assert violations(text, allowed=allowed) == [], text


def run(env: dict[str, str], *args: str, fmt: str = "jsonl") -> RunResult:
    """``python -m skill run --format FMT ARGS...`` with ``env``."""
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "run", "--format", fmt, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return RunResult(proc.returncode, proc.stdout, proc.stderr)
