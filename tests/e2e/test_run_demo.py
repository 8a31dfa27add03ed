"""``ima-nano-banana demo``: the whole conversation against the built-in simulator, no key,
labelled as a simulation, under 10 s of wall time, the picture saved where it says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


def demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    home = tmp_path / "home"
    home.mkdir()
    env["HOME"] = str(home)
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "demo", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc, time.monotonic() - began


def test_demo_runs_without_a_key_and_says_it_is_a_simulation(tmp_path: Path) -> None:
    proc, seconds = demo(tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("🧪 模拟演示")
    assert "不消耗积分" in lines[0]
    assert "图片生成成功" in proc.stdout
    saved = [line for line in lines if line.startswith("🖼️ ")]
    assert len(saved) == 1
    picture = tmp_path / saved[0].removeprefix("🖼️ ")
    assert picture.parent == tmp_path / "out"
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert seconds < 10
    assert not (tmp_path / "home" / ".openclaw").exists()  # temporary prefs, HOME untouched


@pytest.mark.parametrize("fmt", ["jsonl"])
def test_demo_pro_in_english_as_json_lines(tmp_path: Path, fmt: str) -> None:
    proc, seconds = demo(
        tmp_path,
        "use Nano Banana Pro: a lighthouse in a storm, 9:16",
        "--format",
        fmt,
        "--out-dir",
        "pics",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("🧪 Simulation:")
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["event"] == "ack"
    assert events[-1] == {"event": "done"}
    success = events[-2]
    assert success["event"] == "success"
    assert success["model"] == "Nano Banana Pro"
    assert Path(tmp_path / success["path"]).is_file()
    assert seconds < 10
