"""skill.journal.TaskJournal: round trips, pending order, pruning, corruption, concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from skill.journal import JournalEntry, TaskJournal

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)


class Now:
    """A settable clock for the journal's time stamps."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def entry(task_id: str, *, user: str = "u1", minutes: int = 0, **changes: object) -> JournalEntry:
    base = JournalEntry(
        task_id=task_id,
        user_id=user,
        task_type="text_to_image",
        model_id="gemini-3.1-flash-image",
        model_name="Nano Banana 2",
        size="1K",
        aspect_ratio="16:9",
        prompt="一只戴墨镜的柴犬",
        credit=6,
        lang="zh",
        created_at=(T0 + timedelta(minutes=minutes)).isoformat(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_default_path_follows_home(home: Path) -> None:
    TaskJournal().record(entry("t1"))
    assert (home / ".openclaw" / "memory" / "ima_tasks.json").is_file()


def test_record_get_finish_round_trip(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j.json", now=clock)
    assert journal.get("t1") is None
    journal.record(entry("t1"))
    assert journal.get("t1") == entry("t1")
    assert journal.pending() == [entry("t1")]

    clock.moment = T0 + timedelta(seconds=30)
    journal.finish("t1", status="delivered", url="https://cdn.example/t1.png")
    done = journal.get("t1")
    assert done is not None
    assert (done.status, done.url) == ("delivered", "https://cdn.example/t1.png")
    assert done.finished_at == (T0 + timedelta(seconds=30)).isoformat()
    assert journal.pending() == []


def test_pending_is_newest_first_and_per_user(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j.json", now=Now(T0))
    journal.record(entry("old", minutes=1))
    journal.record(entry("newest", minutes=9))
    journal.record(entry("other-user", user="u2", minutes=5))
    journal.record(entry("failed", minutes=7))
    journal.finish("failed", status="failed")
    assert [e.task_id for e in journal.pending()] == ["newest", "other-user", "old"]
    assert [e.task_id for e in journal.pending("u1")] == ["newest", "old"]
    assert journal.pending("nobody") == []


def test_finish_checks_status_and_tolerates_unknown_tasks(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    journal = TaskJournal(path, now=Now(T0))
    journal.record(entry("t1"))
    with pytest.raises(ValueError, match="status"):
        journal.finish("t1", status="pending")
    before = path.read_bytes()
    journal.finish("never-recorded", status="delivered")
    assert path.read_bytes() == before


def test_finished_entries_older_than_a_week_are_pruned_pending_ones_kept(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j.json", now=clock)
    journal.record(entry("delivered-long-ago"))
    journal.record(entry("lost-long-ago"))
    journal.finish("delivered-long-ago", status="delivered", url="https://x/1.png")
    clock.moment = T0 + timedelta(days=6)
    journal.record(entry("recent", minutes=6 * 24 * 60))
    journal.finish("recent", status="delivered", url="https://x/2.png")
    assert journal.get("delivered-long-ago") is not None  # six days: still kept
    clock.moment = T0 + timedelta(days=8)
    journal.record(entry("today", minutes=8 * 24 * 60))
    assert journal.get("delivered-long-ago") is None
    assert journal.get("recent") is not None
    assert journal.get("lost-long-ago") is not None  # never delivered: resume may need it


def test_a_corrupt_journal_is_kept_aside_and_recording_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "ima_tasks.json"
    path.write_bytes(b'{"version": 1, "tasks": {"t0": {"task_')
    journal = TaskJournal(path, now=Now(T0))
    assert journal.pending() == []
    journal.record(entry("t1"))
    assert journal.get("t1") == entry("t1")
    aside = list(tmp_path.glob("ima_tasks.json.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [b'{"version": 1, "tasks": {"t0": {"task_']


def test_unreadable_records_are_skipped_on_read_and_kept_on_write(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text(
        json.dumps({"version": 1, "tasks": {"weird": {"task_id": "weird", "credit": "six"}}}),
        encoding="utf-8",
    )
    journal = TaskJournal(path, now=Now(T0))
    assert journal.get("weird") is None
    journal.record(entry("t1"))
    tasks = json.loads(path.read_text(encoding="utf-8"))["tasks"]
    assert tasks["weird"] == {"task_id": "weird", "credit": "six"}
    assert [e.task_id for e in journal.pending()] == ["t1"]


def test_a_key_pasted_into_the_prompt_is_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    TaskJournal(path, now=Now(T0)).record(entry("t1", prompt="cat, key ima_PASTEDkey123456"))
    assert "PASTEDkey" not in path.read_text(encoding="utf-8")


def test_threads_recording_and_finishing_lose_nothing(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j.json", now=Now(T0))

    def work(i: int) -> None:
        journal.record(entry(f"t{i}", minutes=i))
        if i % 2:
            journal.finish(f"t{i}", status="delivered", url=f"https://x/{i}.png")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [e.task_id for e in journal.pending()] == [f"t{i}" for i in range(28, -1, -2)]
    for i in range(1, 30, 2):
        got = journal.get(f"t{i}")
        assert got is not None
        assert got.status == "delivered"


RECORD_SCRIPT = """
import sys
from pathlib import Path
from skill.journal import JournalEntry, TaskJournal
i = int(sys.argv[2])
TaskJournal(Path(sys.argv[1])).record(JournalEntry(
    task_id=f"p{i}", user_id="u", task_type="text_to_image", model_id="gemini-3-pro-image",
    model_name="Nano Banana Pro", size=None, aspect_ratio=None, prompt="p", credit=10,
    lang="en", created_at=f"2026-11-26T08:00:{i:02d}+00:00"))
"""


def test_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    procs = [
        subprocess.Popen([sys.executable, "-c", RECORD_SCRIPT, str(path), str(i)])
        for i in range(20)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0] * 20
    assert [e.task_id for e in TaskJournal(path).pending()] == [f"p{i}" for i in range(19, -1, -1)]
