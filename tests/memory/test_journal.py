"""skill.journal.TaskJournal: round trips, pending order, pruning, corruption, concurrency,
hostile task ids, and the migration from the previous release's single file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from dataclasses import asdict, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import journal as journal_module
from skill.journal import PRUNE_INTERVAL, JournalEntry, TaskJournal, task_file_name

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


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_default_path_follows_home(home: Path) -> None:
    TaskJournal().record(entry("t1"))
    assert (home / ".openclaw" / "memory" / "ima_tasks" / "pending" / "t1.json").is_file()


def test_record_get_finish_round_trip(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
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
    # One file a task, moved from pending to finished, its mtime the moment it finished.
    assert not (tmp_path / "j" / "pending" / "t1.json").exists()
    finished = tmp_path / "j" / "finished" / "t1.json"
    assert json.loads(finished.read_text("utf-8")) == asdict(done)
    assert finished.stat().st_mtime == (T0 + timedelta(seconds=30)).timestamp()
    # Private: the prompts of a person live here.
    for folder in (tmp_path / "j", tmp_path / "j" / "pending", tmp_path / "j" / "finished"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(finished.stat().st_mode) == 0o600


def test_pending_is_newest_first_and_per_user(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))
    journal.record(entry("old", minutes=1))
    journal.record(entry("newest", minutes=9))
    journal.record(entry("other-user", user="u2", minutes=5))
    journal.record(entry("failed", minutes=7))
    journal.finish("failed", status="failed")
    assert [e.task_id for e in journal.pending()] == ["newest", "other-user", "old"]
    assert [e.task_id for e in journal.pending("u1")] == ["newest", "old"]
    assert journal.pending("nobody") == []


def test_finish_checks_status_and_tolerates_unknown_tasks(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(entry("t1"))
    with pytest.raises(ValueError, match="status"):
        journal.finish("t1", status="pending")
    before = snapshot(folder)
    journal.finish("never-recorded", status="delivered")
    assert snapshot(folder) == before


def test_finishing_twice_keeps_the_last_outcome(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
    journal.record(entry("t1"))
    journal.finish("t1", status="failed")
    clock.moment = T0 + timedelta(minutes=5)
    journal.finish("t1", status="delivered", url="https://x/1.png")
    got = journal.get("t1")
    assert got is not None
    assert (got.status, got.url) == ("delivered", "https://x/1.png")
    assert got.finished_at == clock.moment.isoformat()


def test_finished_entries_older_than_a_week_are_pruned_pending_ones_kept(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
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
    assert not (tmp_path / "j" / "finished" / "delivered-long-ago.json").exists()
    assert journal.get("recent") is not None
    assert journal.get("lost-long-ago") is not None  # never delivered: resume may need it


def test_pruning_runs_at_most_once_an_interval_across_journals(tmp_path: Path) -> None:
    clock = Now(T0)
    TaskJournal(tmp_path / "j", now=clock).record(entry("t1"))  # first use: prunes, marks
    old = entry("old", status="delivered", finished_at=(T0 - timedelta(days=30)).isoformat())
    old_file = tmp_path / "j" / "finished" / "old.json"
    old_file.parent.mkdir()
    old_file.write_text(json.dumps(asdict(old)), "utf-8")
    os.utime(old_file, ((T0 - timedelta(days=30)).timestamp(),) * 2)

    clock.moment = T0 + PRUNE_INTERVAL / 2
    TaskJournal(tmp_path / "j", now=clock).record(entry("t2"))  # another process, too soon
    assert old_file.exists()
    clock.moment = T0 + PRUNE_INTERVAL + timedelta(seconds=1)
    TaskJournal(tmp_path / "j", now=clock).record(entry("t3"))
    assert not old_file.exists()


def test_pruning_reads_only_files_old_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
    for i in range(40):
        journal.record(entry(f"t{i}"))
        journal.finish(f"t{i}", status="delivered", url=f"https://x/{i}.png")
    clock.moment = T0 + timedelta(days=3)
    journal.record(entry("late"))
    journal.finish("late", status="delivered", url="https://x/late.png")

    read: list[str] = []
    load = TaskJournal._load

    def spy(self: TaskJournal, file: Path, *, held: bool) -> dict[str, Any] | None:
        read.append(file.name)
        return load(self, file, held=held)

    monkeypatch.setattr(TaskJournal, "_load", spy)
    clock.moment = T0 + timedelta(days=8)
    journal.record(entry("now"))
    assert sorted(read) == sorted(f"t{i}.json" for i in range(40))  # not "late", not "now"
    assert journal.get("late") is not None
    assert all(journal.get(f"t{i}") is None for i in range(40))


def test_writes_between_prunes_never_list_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))
    for i in range(30):
        journal.record(entry(f"t{i}"))
        journal.finish(f"t{i}", status="delivered", url=f"https://x/{i}.png")

    def no_listing(*args: object) -> object:
        raise AssertionError("a write listed the journal's folder")

    monkeypatch.setattr(journal_module.os, "scandir", no_listing)
    journal.record(entry("t-new"))
    journal.finish("t-new", status="failed")
    assert journal.get("t-new") is not None
    assert journal.get("t3") is not None


def test_a_torn_task_file_is_kept_aside_and_the_others_still_work(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(entry("t1", minutes=1))
    journal.record(entry("t2", minutes=2))
    torn = folder / "pending" / "t1.json"
    torn.write_bytes(b'{"task_id": "t1", "user_')
    assert [e.task_id for e in journal.pending()] == ["t2"]
    assert journal.get("t1") is None
    aside = list((folder / "pending").glob("t1.json.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [b'{"task_id": "t1", "user_']
    journal.finish("t1", status="delivered")  # lost to corruption: logged, not raised
    journal.finish("t2", status="delivered", url="https://x/2.png")
    journal.record(entry("t3"))
    assert [e.task_id for e in journal.pending()] == ["t3"]
    assert journal.get("t2") is not None


def test_a_corrupt_finished_file_read_by_get_is_kept_aside(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(entry("t1"))
    journal.finish("t1", status="delivered", url="https://x/1.png")
    (folder / "finished" / "t1.json").write_bytes(b"\xff\xfe not json")
    assert journal.get("t1") is None
    assert len(list((folder / "finished").glob("t1.json.corrupt-*"))) == 1
    journal.record(entry("t1"))  # the same id can be written again
    assert journal.get("t1") == entry("t1")


def test_unreadable_records_are_skipped_on_read_and_kept_on_write(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    weird = folder / "pending" / "weird.json"
    weird.parent.mkdir(parents=True)
    weird.write_text(json.dumps({"task_id": "weird", "credit": "six"}), encoding="utf-8")
    journal = TaskJournal(folder, now=Now(T0))
    assert journal.get("weird") is None
    journal.record(entry("t1"))
    assert json.loads(weird.read_text(encoding="utf-8")) == {"task_id": "weird", "credit": "six"}
    assert [e.task_id for e in journal.pending()] == ["t1"]
    assert not list(folder.rglob("*.corrupt-*"))  # JSON it is: not corrupt, just not ours


def test_a_finish_stopped_half_way_counts_as_finished(tmp_path: Path) -> None:
    clock = Now(T0)
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=clock)
    journal.record(entry("t1"))
    pending_bytes = (folder / "pending" / "t1.json").read_bytes()
    journal.finish("t1", status="delivered", url="https://x/1.png")
    (folder / "pending" / "t1.json").write_bytes(pending_bytes)  # as if the unlink never ran
    got = journal.get("t1")
    assert got is not None
    assert got.status == "delivered"
    assert journal.pending() == []
    clock.moment = T0 + PRUNE_INTERVAL * 2
    journal.record(entry("t2"))  # pruning tidies the leftover
    assert not (folder / "pending" / "t1.json").exists()


def test_a_key_pasted_into_the_prompt_is_not_stored(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(entry("t1", prompt="cat, key ima_PASTEDkey123456"))
    journal.record(entry("t2", prompt="dog, key ima_PASTEDkey123456"))
    journal.finish("t2", status="delivered", url="https://x/2.png")
    stored = snapshot(folder)
    assert len(stored) >= 2
    assert all(b"PASTEDkey" not in raw for raw in stored.values())


HOSTILE_IDS = [
    "../../escaped",
    "../escaped.json",
    "/tmp/absolute",
    "a/b/c",
    "a\\b",
    "..",
    ".",
    ".hidden",
    "",
    "nul\x00byte",
    "x" * 5000,
    "Sim_Upper",
    "sim_upper",
    "任务-1",
    "line\nbreak",
    "-leading-dash",
    "@0123",
]


def test_hostile_task_ids_stay_inside_the_folder_and_stay_distinct(tmp_path: Path) -> None:
    folder = tmp_path / "box" / "j"
    journal = TaskJournal(folder, now=Now(T0))
    for task_id in HOSTILE_IDS:
        journal.record(entry(task_id))
    assert {e.task_id for e in journal.pending()} == set(HOSTILE_IDS)
    for task_id in HOSTILE_IDS[::2]:
        journal.finish(task_id, status="delivered", url="https://x/y.png")
    for task_id in HOSTILE_IDS:
        got = journal.get(task_id)
        assert got is not None
        assert got.task_id == task_id
    inside = {p.parent for p in tmp_path.rglob("*") if p.is_file()}
    assert inside <= {folder / "pending", folder / "finished", folder, folder.parent}
    assert {p.name for p in (tmp_path / "box").iterdir()} == {"j", "j.lock"}
    assert len(list(folder.rglob("*.json"))) == len(HOSTILE_IDS)
    assert max(len(p.name) for p in folder.rglob("*.json")) <= 80


@given(st.text(max_size=300))
def test_every_task_file_name_is_one_plain_bounded_name(task_id: str) -> None:
    name = task_file_name(task_id)
    assert name.endswith(".json")
    assert not name.startswith(".")
    assert not set(name) & {"/", "\\", "\x00"}
    assert name == name.lower()
    assert 5 < len(name) <= 80
    assert name.isascii()


@given(st.text(max_size=40), st.text(max_size=40))
def test_different_task_ids_get_different_file_names(a: str, b: str) -> None:
    if a != b:
        assert task_file_name(a) != task_file_name(b)


def test_writes_wait_while_another_holds_the_journal_lock(tmp_path: Path) -> None:
    # Pruning reads an old finished file and then deletes it; a finish or record of the same
    # task in between would be lost, so every change waits for the one lock.
    from skill.atomic import exclusive_lock

    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(entry("t1"))
    with exclusive_lock(folder):
        writers = [
            threading.Thread(target=journal.finish, args=("t1",), kwargs={"status": "failed"}),
            threading.Thread(target=journal.record, args=(entry("t2"),)),
        ]
        for t in writers:
            t.start()
        time.sleep(0.2)
        assert not (folder / "finished" / "t1.json").exists()
        assert not (folder / "pending" / "t2.json").exists()
    for t in writers:
        t.join(timeout=5)
    got = journal.get("t1")
    assert got is not None
    assert got.status == "failed"
    assert journal.get("t2") == entry("t2")


def test_threads_recording_and_finishing_lose_nothing(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))

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


WORK_SCRIPT = """
import sys
from pathlib import Path
from skill.journal import JournalEntry, TaskJournal
journal, i = TaskJournal(Path(sys.argv[1])), int(sys.argv[2])
for k in range(3):
    n = i * 3 + k
    journal.record(JournalEntry(
        task_id=f"p{n}", user_id="u", task_type="text_to_image", model_id="gemini-3-pro-image",
        model_name="Nano Banana Pro", size=None, aspect_ratio=None, prompt="p", credit=10,
        lang="en", created_at=f"2026-11-26T08:{n // 60:02d}:{n % 60:02d}+00:00"))
    if n % 2:
        journal.finish(f"p{n}", status="delivered", url=f"https://x/{n}.png")
print(len(journal.pending()))
"""
PROCESSES = 50


def test_fifty_processes_recording_and_finishing_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORK_SCRIPT, str(folder), str(i)], stdout=subprocess.PIPE
        )
        for i in range(PROCESSES)
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES
    assert all(int(out) >= 1 for out in outs)
    total = PROCESSES * 3
    journal = TaskJournal(folder)
    assert [e.task_id for e in journal.pending()] == [f"p{n}" for n in range(total - 2, -1, -2)]
    for n in range(1, total, 2):
        got = journal.get(f"p{n}")
        assert got is not None
        assert (got.status, got.url) == ("delivered", f"https://x/{n}.png")
    assert len(list(folder.rglob("*.json"))) == total
    assert not list(folder.rglob("*.tmp"))


# -- migration from ima_tasks.json --------------------------------------------------------------


def legacy_document() -> dict[str, Any]:
    recent = entry("done-recent", minutes=-60, status="delivered", url="https://x/r.png")
    recent = replace(recent, finished_at=(T0 - timedelta(minutes=59)).isoformat())
    expired = entry("done-expired", status="failed")
    expired = replace(expired, finished_at=(T0 - timedelta(days=9)).isoformat())
    return {
        "version": 1,
        "tasks": {
            "lost-1": asdict(entry("lost-1", minutes=-30)),
            "lost-2": asdict(entry("lost-2", user="u2", minutes=-20)),
            "done-recent": asdict(recent),
            "done-expired": asdict(expired),
            "weird": {"task_id": "weird", "credit": "six"},
        },
    }


def test_the_old_single_file_is_moved_into_the_folder_once(tmp_path: Path) -> None:
    legacy = tmp_path / "ima_tasks.json"
    raw = json.dumps(legacy_document(), ensure_ascii=False).encode()
    legacy.write_bytes(raw)
    journal = TaskJournal(tmp_path / "ima_tasks", now=Now(T0))
    assert journal.legacy_path == legacy

    assert [e.task_id for e in journal.pending()] == ["lost-2", "lost-1"]
    got = journal.get("done-recent")
    assert got is not None
    assert (got.status, got.url) == ("delivered", "https://x/r.png")
    assert journal.get("done-expired") is None  # past the week: not brought over
    assert journal.get("weird") is None
    assert not legacy.exists()
    (kept,) = tmp_path.glob("ima_tasks.json.migrated-*")
    assert kept.read_bytes() == raw  # the old file, untouched, with the record we could not read
    finished = tmp_path / "ima_tasks" / "finished" / "done-recent.json"
    assert finished.stat().st_mtime == (T0 - timedelta(minutes=59)).timestamp()

    journal.finish("lost-1", status="delivered", url="https://x/1.png")
    again = TaskJournal(tmp_path / "ima_tasks", now=Now(T0))
    assert [e.task_id for e in again.pending()] == ["lost-2"]
    assert len(list(tmp_path.glob("ima_tasks.json.migrated-*"))) == 1


def test_migration_through_home_finds_old_tasks_for_resume(home: Path) -> None:
    memory = home / ".openclaw" / "memory"
    memory.mkdir(parents=True)
    (memory / "ima_tasks.json").write_text(json.dumps(legacy_document()), "utf-8")
    journal = TaskJournal(now=Now(T0))
    assert journal.get("lost-1") == entry("lost-1", minutes=-30)
    assert (memory / "ima_tasks" / "pending" / "lost-1.json").is_file()
    assert not (memory / "ima_tasks.json").exists()


def test_migration_keeps_what_the_folder_already_holds(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "ima_tasks", now=Now(T0), legacy=tmp_path / "none.json")
    journal.record(entry("lost-1", minutes=-30))
    journal.finish("lost-1", status="delivered", url="https://x/new.png")
    (tmp_path / "ima_tasks.json").write_text(json.dumps(legacy_document()), "utf-8")
    migrating = TaskJournal(tmp_path / "ima_tasks", now=Now(T0))
    assert [e.task_id for e in migrating.pending()] == ["lost-2"]
    got = migrating.get("lost-1")
    assert got is not None
    assert got.url == "https://x/new.png"


def test_a_corrupt_old_file_is_kept_aside_and_the_journal_works(tmp_path: Path) -> None:
    legacy = tmp_path / "ima_tasks.json"
    legacy.write_bytes(b'{"version": 1, "tasks": {"t0": {"task_')
    journal = TaskJournal(tmp_path / "ima_tasks", now=Now(T0))
    assert journal.pending() == []
    journal.record(entry("t1"))
    assert journal.get("t1") == entry("t1")
    aside = list(tmp_path.glob("ima_tasks.json.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [b'{"version": 1, "tasks": {"t0": {"task_']
    assert not legacy.exists()


MIGRATE_SCRIPT = """
import sys
from pathlib import Path
from skill.journal import TaskJournal
print(" ".join(e.task_id for e in TaskJournal(Path(sys.argv[1])).pending()))
"""


def test_processes_migrating_at_once_move_it_exactly_once(tmp_path: Path) -> None:
    legacy = tmp_path / "ima_tasks.json"
    legacy.write_text(json.dumps(legacy_document()), "utf-8")
    folder = tmp_path / "ima_tasks"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_SCRIPT, str(folder)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    outs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert [p.returncode for p in procs] == [0] * 8
    assert all(sorted(out) == ["lost-1", "lost-2"] for out in outs)
    assert len(list(tmp_path.glob("ima_tasks.json.migrated-*"))) == 1
    assert len(list((folder / "pending").glob("*.json"))) == 2


def test_migration_waits_for_an_old_release_writing_the_file(tmp_path: Path) -> None:
    from skill.atomic import locked_json

    legacy = tmp_path / "ima_tasks.json"
    legacy.write_text(json.dumps({"version": 1, "tasks": {}}), "utf-8")
    journal = TaskJournal(tmp_path / "ima_tasks", now=Now(T0))
    found: list[list[str]] = []
    holding = threading.Event()
    started = threading.Event()

    def old_release() -> None:
        with locked_json(legacy, default=dict) as box:
            holding.set()
            started.wait(timeout=5)
            box.data["tasks"]["late"] = asdict(entry("late"))

    writer = threading.Thread(target=old_release)
    writer.start()
    holding.wait(timeout=5)
    reader = threading.Thread(target=lambda: found.append([e.task_id for e in journal.pending()]))
    reader.start()
    time.sleep(0.2)  # the reader is now waiting on the old file's lock
    started.set()
    writer.join(timeout=10)
    reader.join(timeout=10)
    assert found == [["late"]]
