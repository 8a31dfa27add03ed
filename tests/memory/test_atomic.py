"""skill.atomic: corrupt files kept aside, atomic locked updates, private modes, concurrency."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from skill.atomic import locked_json, read_json


def _empty() -> dict[str, Any]:
    return {}


def _aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


def test_missing_file_gives_default_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m" / "x.json"
    assert read_json(path, default=_empty) == {}
    assert not path.exists()


CORRUPT = {
    "garbage": b"\x00\xffnot json at all",
    "truncated": b'{"user_a": {"text_to_image": {"model_id": "gemini-3-pro',
    "wrong_top_level": b'["a", "list"]',
    "empty": b"",
}


@pytest.mark.parametrize("raw", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file_is_kept_aside_with_its_bytes_and_logged(
    tmp_path: Path, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    with caplog.at_level(logging.WARNING, logger="skill.atomic"):
        assert read_json(path, default=_empty) == {}
    aside = _aside(path)
    assert len(aside) == 1
    assert aside[0].read_bytes() == raw
    assert not path.exists()
    assert any("set aside as" in r.getMessage() for r in caplog.records)
    # The next write succeeds and the kept copy is untouched.
    with locked_json(path, default=_empty) as box:
        box.data["ok"] = True
    assert read_json(path, default=_empty) == {"ok": True}
    assert aside[0].read_bytes() == raw


def test_locked_json_also_moves_a_corrupt_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b"{{{")
    with locked_json(path, default=_empty) as box:
        assert box.data == {}
        box.data["n"] = 1
    assert [p.read_bytes() for p in _aside(path)] == [b"{{{"]
    assert read_json(path, default=_empty) == {"n": 1}


def test_two_corruptions_keep_two_copies(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    for raw in (b"first", b"second"):
        path.write_bytes(raw)
        read_json(path, default=_empty)
    assert sorted(p.read_bytes() for p in _aside(path)) == [b"first", b"second"]


def test_write_is_private_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "x.json"
    with locked_json(path, default=_empty) as box:
        box.data["k"] = "值"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    leftovers = [p.name for p in path.parent.iterdir() if p.name not in {"x.json", "x.json.lock"}]
    assert leftovers == []
    assert "值" in path.read_text(encoding="utf-8")  # readable by people and the vendor script


def test_an_exception_inside_the_block_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    with locked_json(path, default=_empty) as box:
        box.data["before"] = 1

    def fail_half_way() -> None:
        with locked_json(path, default=_empty) as box:
            box.data["half"] = "done"
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert read_json(path, default=_empty) == {"before": 1}


def test_an_unchanged_document_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    with locked_json(path, default=_empty) as box:
        box.data["a"] = 1
    inode = path.stat().st_ino
    with locked_json(path, default=_empty) as box:
        assert box.data == {"a": 1}
    assert path.stat().st_ino == inode


def test_threads_never_lose_an_increment(tmp_path: Path) -> None:
    path = tmp_path / "counter.json"
    workers = 24

    def bump() -> None:
        with locked_json(path, default=_empty) as box:
            box.data["n"] = int(box.data.get("n", 0)) + 1

    threads = [threading.Thread(target=bump) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert read_json(path, default=_empty) == {"n": workers}


def test_an_interrupt_during_the_write_keeps_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.json"
    with locked_json(path, default=_empty) as box:
        box.data["task"] = "t1"
    before = path.read_bytes()

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C between the temporary file and the rename

    monkeypatch.setattr("skill.atomic.os.replace", interrupted)

    def update() -> None:
        with locked_json(path, default=_empty) as box:
            box.data["task"] = "t2"

    with pytest.raises(KeyboardInterrupt):
        update()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.json", "journal.json.lock"]
