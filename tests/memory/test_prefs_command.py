"""``ima-nano-banana prefs``: 50 parallel processes, bad model ids, corrupt files, show/clear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from skill import catalog

IDS = [m.model_id for m in catalog.MODELS.values()]
_SET = [sys.executable, "-m", "skill", "prefs", "set"]


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env.pop("IMA_API_KEY", None)
    return env


def _prefs(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill", "prefs", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _prefs_file(home: Path) -> Path:
    return home / ".openclaw" / "memory" / "ima_prefs.json"


def test_fifty_parallel_processes_leave_a_valid_file_with_all_fifty(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [*_SET, "--user-id", f"u{i}", "--model-id", IDS[i % len(IDS)]],
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(50)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    elapsed = time.monotonic() - started
    for code, _out, err in results:
        assert code == 0, err
    data = json.loads(_prefs_file(home).read_text(encoding="utf-8"))
    assert sorted(data) == sorted(f"user_u{i}" for i in range(50))
    for i in range(50):
        entry = data[f"user_u{i}"]["text_to_image"]
        assert entry["model_id"] == IDS[i % len(IDS)]
        assert entry["model_name"] == catalog.MODELS[IDS[i % len(IDS)]].display_name
        assert entry["credit"] is None
    memory = _prefs_file(home).parent
    assert sorted(p.name for p in memory.iterdir()) == ["ima_prefs.json", "ima_prefs.json.lock"]
    print(f"50 parallel prefs set: {elapsed:.2f}s")  # shown with -s; the number in the report


def test_set_refuses_a_model_that_is_not_nano_banana(tmp_path: Path) -> None:
    result = _prefs(tmp_path, "set", "--user-id", "a", "--model-id", "doubao-seedream-4.5")
    assert result.returncode == 2
    assert "not a Nano Banana model" in result.stderr
    assert result.stderr.count("\n") == 1  # one clear line
    assert not _prefs_file(tmp_path).exists()


def test_set_refuses_an_unknown_task_type(tmp_path: Path) -> None:
    result = _prefs(
        tmp_path, "set", "--user-id", "a", "--model-id", IDS[0], "--task-type", "text_to_video"
    )
    assert result.returncode == 2
    assert "task type" in result.stderr
    assert not _prefs_file(tmp_path).exists()


def test_show_set_clear_round_trip(tmp_path: Path) -> None:
    assert _prefs(tmp_path, "set", "--user-id", "a", "--model-id", IDS[1]).returncode == 0
    assert (
        _prefs(
            tmp_path, "set", "--user-id", "b", "--model-id", IDS[0], "--task-type", "image_to_image"
        ).returncode
        == 0
    )

    shown = _prefs(tmp_path, "show", "--user-id", "a")
    assert shown.returncode == 0
    data = json.loads(shown.stdout)
    assert list(data) == ["user_a"]
    assert data["user_a"]["text_to_image"]["model_id"] == IDS[1]
    assert "\n  " in shown.stdout  # pretty-printed for people

    everyone = json.loads(_prefs(tmp_path, "show").stdout)
    assert sorted(everyone) == ["user_a", "user_b"]

    cleared = _prefs(tmp_path, "clear", "--user-id", "a")
    assert cleared.returncode == 0
    assert "Removed 1 " in cleared.stdout
    assert "Removed 1 " in _prefs(tmp_path, "clear").stdout
    assert json.loads(_prefs(tmp_path, "show").stdout) == {}


def test_a_corrupt_file_is_kept_aside_and_the_command_succeeds(tmp_path: Path) -> None:
    path = _prefs_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x89PNG not prefs")
    result = _prefs(tmp_path, "set", "--user-id", "a", "--model-id", IDS[0])
    assert result.returncode == 0, result.stderr
    aside = list(path.parent.glob("ima_prefs.json.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [b"\x89PNG not prefs"]
    assert json.loads(path.read_text(encoding="utf-8"))["user_a"]["text_to_image"]
    logs = list((tmp_path / ".openclaw" / "logs" / "ima_skills").glob("*.log"))
    assert any("set aside as" in p.read_text(encoding="utf-8") for p in logs)
