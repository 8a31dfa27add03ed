"""skill.store.journal.TaskJournal: round trips of Jobs, pending order, pruning, corruption,
concurrency, hostile ids, and the previous release's flat records read as Jobs."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from skill.ima import Plan
from skill.job import Job, JobRequest
from skill.reasons import Reason
from skill.store import journal as journal_module
from skill.store.journal import PRUNE_INTERVAL, TaskJournal, task_file_name

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
NB2 = "gemini-3.1-flash-image"


class Now:
    """A settable clock for the journal's time stamps."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def job(
    task_id: str,
    *,
    user: str = "u1",
    minutes: int = 0,
    prompt: str = "一只戴墨镜的柴犬",
    **changes: object,
) -> Job:
    """A started single-picture job whose job id is its task id (as an old record's is)."""
    return Job(
        job_id=task_id,
        request=JobRequest(
            model_id=NB2,
            size="1K",
            aspect_ratio="16:9",
            prompt=prompt,
            language="zh",
            user_id=user,
        ),
        plan=Plan(
            task_type="text_to_image",
            model_id=NB2,
            model_name="Nano Banana 2",
            model_version="v1",
            attribute_id=7,
            credit=6,
            size="1K",
            aspect_ratio="16:9",
        ),
        task_ids=[task_id],
        created_at=(T0 + timedelta(minutes=minutes)).isoformat(),
        **changes,
    )


def finish(
    journal: TaskJournal, key: str, status: str, url: str | None = None, *, at: datetime
) -> Job:
    """What the flow does to end a job: the job as stored, with its outcome, recorded again."""
    current = journal.get(key)
    assert current is not None, key
    update: dict[str, object] = {"status": status, "finished_at": at.isoformat()}
    if url is not None:
        update["media"] = [url]
    return journal.record(current.model_copy(update=update))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_default_path_follows_home(home: Path) -> None:
    TaskJournal().record(job("t1"))
    assert (home / ".openclaw" / "memory" / "ima_tasks" / "pending" / "t1.json").is_file()


def test_record_get_finish_round_trip(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
    assert journal.get("t1") is None
    assert journal.record(job("t1")) == job("t1")
    assert journal.get("t1") == job("t1")
    assert journal.pending() == [job("t1")]

    done_at = T0 + timedelta(seconds=30)
    finish(journal, "t1", "delivered", "https://cdn.example/t1.png", at=done_at)
    done = journal.get("t1")
    assert done is not None
    assert (done.status, done.media) == ("delivered", ["https://cdn.example/t1.png"])
    assert done.finished_at == done_at.isoformat()
    assert done.request == job("t1").request
    assert done.plan == job("t1").plan
    assert journal.pending() == []
    # One file a job, moved from pending to finished, its mtime the moment it finished.
    assert not (tmp_path / "j" / "pending" / "t1.json").exists()
    finished = tmp_path / "j" / "finished" / "t1.json"
    assert json.loads(finished.read_text("utf-8")) == done.model_dump(mode="json")
    assert finished.stat().st_mtime == done_at.timestamp()
    # Private: the prompts of a person live here.
    for folder in (tmp_path / "j", tmp_path / "j" / "pending", tmp_path / "j" / "finished"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(finished.stat().st_mode) == 0o600


def test_a_job_without_an_id_gets_one_and_is_found_by_it_or_its_tasks(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    fresh = job("x").model_copy(update={"job_id": None, "task_ids": [], "created_at": None})
    stored = journal.record(fresh)
    assert stored.job_id is not None
    assert re.fullmatch(r"job-[0-9a-f]{20}", stored.job_id)
    assert (folder / "pending" / f"{stored.job_id}.json").is_file()
    assert journal.get(stored.job_id) == stored
    # Its tasks arrive later (several for several pictures): it is re-keyed by its first
    # task, so a lookup by that task reads one file, and each task finds the job.
    with_tasks = journal.record(stored.model_copy(update={"task_ids": ["sim_a", "sim_b"]}))
    assert with_tasks.job_id == "sim_a"
    assert not (folder / "pending" / f"{stored.job_id}.json").exists()
    assert journal.get(stored.job_id) is None
    assert journal.get("sim_a") == with_tasks
    assert journal.get("sim_b") == with_tasks
    assert journal.get("sim_c") is None
    finish(journal, "sim_b", "delivered", "https://x/b.png", at=T0)
    got = journal.get("sim_b")
    assert got is not None
    assert got.status == "delivered"
    assert len(list(folder.rglob("*.json"))) == 1


def test_pending_is_newest_first_and_per_user(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))
    journal.record(job("old", minutes=1))
    journal.record(job("newest", minutes=9))
    journal.record(job("other-user", user="u2", minutes=5))
    journal.record(job("failed", minutes=7))
    finish(journal, "failed", "failed", at=T0)
    assert [j.task_id for j in journal.pending()] == ["newest", "other-user", "old"]
    assert [j.task_id for j in journal.pending("u1")] == ["newest", "old"]
    assert journal.pending("nobody") == []


def test_a_status_is_one_of_three_and_an_unknown_job_may_be_finished_at_once(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValidationError, match="status"):
        job("t1", status="done")
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    # A job never recorded as pending (a journal lost to corruption) is written as it ended.
    journal.record(job("t1", status="failed", reason=Reason.TASK_FAILED))
    assert sorted(snapshot(folder)) == [".pruned", "finished/t1.json"]
    got = journal.get("t1")
    assert got is not None
    assert (got.status, got.reason) == ("failed", Reason.TASK_FAILED)


def test_finishing_twice_keeps_the_last_outcome(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))
    journal.record(job("t1"))
    finish(journal, "t1", "failed", at=T0)
    later = T0 + timedelta(minutes=5)
    finish(journal, "t1", "delivered", "https://x/1.png", at=later)
    got = journal.get("t1")
    assert got is not None
    assert (got.status, got.media) == ("delivered", ["https://x/1.png"])
    assert got.finished_at == later.isoformat()
    assert (tmp_path / "j" / "finished" / "t1.json").stat().st_mtime == later.timestamp()


def test_finished_jobs_older_than_a_week_are_pruned_pending_ones_kept(tmp_path: Path) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
    journal.record(job("delivered-long-ago"))
    journal.record(job("lost-long-ago"))
    finish(journal, "delivered-long-ago", "delivered", "https://x/1.png", at=T0)
    clock.moment = T0 + timedelta(days=6)
    journal.record(job("recent", minutes=6 * 24 * 60))
    finish(journal, "recent", "delivered", "https://x/2.png", at=clock.moment)
    assert journal.get("delivered-long-ago") is not None  # six days: still kept
    clock.moment = T0 + timedelta(days=8)
    journal.record(job("today", minutes=8 * 24 * 60))
    assert journal.get("delivered-long-ago") is None
    assert not (tmp_path / "j" / "finished" / "delivered-long-ago.json").exists()
    assert journal.get("recent") is not None
    assert journal.get("lost-long-ago") is not None  # never delivered: resume may need it


def test_pruning_runs_at_most_once_an_interval_across_journals(tmp_path: Path) -> None:
    clock = Now(T0)
    TaskJournal(tmp_path / "j", now=clock).record(job("t1"))  # first use: prunes, marks
    old = job("old", status="delivered", finished_at=(T0 - timedelta(days=30)).isoformat())
    old_file = tmp_path / "j" / "finished" / "old.json"
    old_file.parent.mkdir()
    old_file.write_text(old.model_dump_json(), "utf-8")
    os.utime(old_file, ((T0 - timedelta(days=30)).timestamp(),) * 2)

    clock.moment = T0 + PRUNE_INTERVAL / 2
    TaskJournal(tmp_path / "j", now=clock).record(job("t2"))  # another process, too soon
    assert old_file.exists()
    clock.moment = T0 + PRUNE_INTERVAL + timedelta(seconds=1)
    TaskJournal(tmp_path / "j", now=clock).record(job("t3"))
    assert not old_file.exists()


def test_pruning_reads_only_files_old_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Now(T0)
    journal = TaskJournal(tmp_path / "j", now=clock)
    for i in range(40):
        journal.record(job(f"t{i}"))
        finish(journal, f"t{i}", "delivered", f"https://x/{i}.png", at=T0)
    clock.moment = T0 + timedelta(days=3)
    journal.record(job("late"))
    finish(journal, "late", "delivered", "https://x/late.png", at=clock.moment)

    read: list[str] = []
    load = TaskJournal._load

    def spy(self: TaskJournal, file: Path, *, held: bool = False) -> Job | None:
        read.append(file.name)
        return load(self, file, held=held)

    monkeypatch.setattr(TaskJournal, "_load", spy)
    clock.moment = T0 + timedelta(days=8)
    journal.record(job("now"))
    assert sorted(read) == sorted(f"t{i}.json" for i in range(40))  # not "late", not "now"
    assert journal.get("late") is not None
    assert all(journal.get(f"t{i}") is None for i in range(40))


def test_writes_between_prunes_never_list_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))
    for i in range(30):
        journal.record(job(f"t{i}"))
        finish(journal, f"t{i}", "delivered", f"https://x/{i}.png", at=T0)

    def no_listing(*args: object) -> object:
        raise AssertionError("a write listed the journal's folder")

    monkeypatch.setattr(journal_module.os, "scandir", no_listing)
    journal.record(job("t-new"))
    finish(journal, "t-new", "failed", at=T0)
    assert journal.get("t-new") is not None
    assert journal.get("t3") is not None


def test_a_torn_job_file_is_kept_aside_and_the_others_still_work(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(job("t1", minutes=1))
    journal.record(job("t2", minutes=2))
    torn = folder / "pending" / "t1.json"
    torn.write_bytes(b'{"job_id": "t1", "requ')
    assert [j.task_id for j in journal.pending()] == ["t2"]
    assert journal.get("t1") is None
    aside = list((folder / "pending").glob("t1.json.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [b'{"job_id": "t1", "requ']
    finish(journal, "t2", "delivered", "https://x/2.png", at=T0)
    journal.record(job("t3"))
    assert [j.task_id for j in journal.pending()] == ["t3"]
    assert journal.get("t2") is not None


def test_a_corrupt_finished_file_read_by_get_is_kept_aside(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(job("t1"))
    finish(journal, "t1", "delivered", "https://x/1.png", at=T0)
    (folder / "finished" / "t1.json").write_bytes(b"\xff\xfe not json")
    assert journal.get("t1") is None
    assert len(list((folder / "finished").glob("t1.json.corrupt-*"))) == 1
    journal.record(job("t1"))  # the same id can be written again
    assert journal.get("t1") == job("t1")


NOT_A_JOB = {
    "wrong-type": {"task_id": "weird", "credit": "six"},  # an old record that does not validate
    "no-model": {"task_id": "weird", "lang": "zh", "status": "pending"},
    "someone-else": {"hello": "world"},
    "bad-status": {**job("weird").model_dump(mode="json"), "status": "done"},
    "a-list": [{"task_id": "weird"}],
    "null": None,
}


@pytest.mark.parametrize("content", NOT_A_JOB.values(), ids=NOT_A_JOB.keys())
def test_json_that_is_not_a_job_is_set_aside_with_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: object
) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(job("t1", minutes=1))
    raw = json.dumps(content).encode()
    weird = folder / "pending" / "weird.json"
    weird.write_bytes(raw)
    caplog.set_level(logging.INFO)

    assert [j.task_id for j in journal.pending()] == ["t1"]  # never a crash
    assert journal.get("weird") is None
    assert journal.pending("u1") == [job("t1", minutes=1)]
    journal.record(job("t2", minutes=2))
    assert [j.task_id for j in journal.pending()] == ["t2", "t1"]

    assert not weird.exists()
    (aside,) = (folder / "pending").glob("weird.json.corrupt-*")
    assert aside.read_bytes() == raw  # kept as it was, for a person to look at
    said = [r for r in caplog.records if "weird.json" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in said]
    assert said[0].levelno >= logging.WARNING


def test_a_finish_stopped_half_way_counts_as_finished(tmp_path: Path) -> None:
    clock = Now(T0)
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=clock)
    journal.record(job("t1"))
    pending_bytes = (folder / "pending" / "t1.json").read_bytes()
    finish(journal, "t1", "delivered", "https://x/1.png", at=T0)
    (folder / "pending" / "t1.json").write_bytes(pending_bytes)  # as if the unlink never ran
    got = journal.get("t1")
    assert got is not None
    assert got.status == "delivered"
    assert journal.pending() == []
    clock.moment = T0 + PRUNE_INTERVAL * 2
    journal.record(job("t2"))  # pruning tidies the leftover
    assert not (folder / "pending" / "t1.json").exists()


def test_a_key_pasted_into_the_prompt_is_not_stored(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    stored = journal.record(job("t1", prompt="cat, key ima_PASTEDkey123456"))
    assert "PASTEDkey" not in stored.request.prompt
    journal.record(job("t2", prompt="dog, key ima_PASTEDkey123456"))
    finish(journal, "t2", "delivered", "https://x/2.png", at=T0)
    files = snapshot(folder)
    assert len(files) >= 2
    assert all(b"PASTEDkey" not in raw for raw in files.values())


# -- records of the previous release ------------------------------------------------------------


def flat_record(task_id: str, **changes: object) -> dict[str, object]:
    """A record as the previous release wrote it: one flat object a task."""
    record: dict[str, object] = {
        "task_id": task_id,
        "user_id": "u1",
        "task_type": "text_to_image",
        "model_id": "gemini-3-pro-image",
        "model_name": "Nano Banana Pro",
        "size": "2K",
        "aspect_ratio": None,
        "prompt": "一只猫",
        "credit": 10,
        "lang": "zh",
        "created_at": T0.isoformat(),
        "status": "pending",
        "url": None,
        "finished_at": None,
    }
    record.update(changes)
    return record


def write_flat(folder: Path, kind: str, record: dict[str, object]) -> Path:
    path = folder / kind / task_file_name(str(record["task_id"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


def test_a_pending_record_of_the_previous_release_is_a_pending_job(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    write_flat(folder, "pending", flat_record("sim_old_1"))
    journal = TaskJournal(folder, now=Now(T0))
    (got,) = journal.pending("u1")
    assert got == journal.get("sim_old_1")
    assert (got.job_id, got.task_ids, got.task_id) == ("sim_old_1", ["sim_old_1"], "sim_old_1")
    assert (got.status, got.media, got.created_at) == ("pending", [], T0.isoformat())
    assert (got.language, got.model_id, got.model_name, got.credits) == (
        "zh",
        "gemini-3-pro-image",
        "Nano Banana Pro",
        10,
    )
    assert (got.request.prompt, got.request.size, got.request.user_id) == ("一只猫", "2K", "u1")
    assert got.started
    assert not got.unconfirmed
    # Finished through the new code, it is stored as a Job in the same file's name.
    finish(journal, "sim_old_1", "delivered", "https://x/old.png", at=T0)
    assert sorted(snapshot(folder)) == [".pruned", "finished/sim_old_1.json"]
    stored = json.loads((folder / "finished" / "sim_old_1.json").read_text("utf-8"))
    assert stored["media"] == ["https://x/old.png"]
    assert "task_id" not in stored
    assert journal.pending() == []


def test_a_finished_record_of_the_previous_release_keeps_its_link(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    done_at = (T0 + timedelta(minutes=2)).isoformat()
    write_flat(
        folder,
        "finished",
        flat_record("sim_old_2", status="delivered", url="https://x/2.png", finished_at=done_at),
    )
    write_flat(folder, "finished", flat_record("sim_old_3", status="failed", finished_at=done_at))
    journal = TaskJournal(folder, now=Now(T0))
    delivered, failed = journal.get("sim_old_2"), journal.get("sim_old_3")
    assert delivered is not None
    assert failed is not None
    assert (delivered.status, delivered.media, delivered.finished_at) == (
        "delivered",
        ["https://x/2.png"],
        done_at,
    )
    assert (failed.status, failed.media) == ("failed", [])
    assert journal.pending() == []


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


@pytest.mark.parametrize("as_job_id", [True, False], ids=["job-id", "task-id-only"])
def test_hostile_ids_stay_inside_the_folder_and_stay_distinct(
    tmp_path: Path, as_job_id: bool
) -> None:
    # An old record's job id is its task id, which the server chose; a new job's tasks too.
    folder = tmp_path / "box" / "j"
    journal = TaskJournal(folder, now=Now(T0))
    for task_id in HOSTILE_IDS:
        hostile = job(task_id)
        journal.record(hostile if as_job_id else hostile.model_copy(update={"job_id": None}))
    assert {j.task_id for j in journal.pending()} == set(HOSTILE_IDS)
    for task_id in HOSTILE_IDS[::2]:
        finish(journal, task_id, "delivered", "https://x/y.png", at=T0)
    for task_id in HOSTILE_IDS:
        got = journal.get(task_id)
        assert got is not None
        assert got.task_id == task_id
        assert got.status == ("delivered" if HOSTILE_IDS.index(task_id) % 2 == 0 else "pending")
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


def test_plain_ids_name_their_file_as_they_are() -> None:
    assert task_file_name("sim_000001_0a1b2c3d") == "sim_000001_0a1b2c3d.json"
    assert task_file_name("job-0123456789abcdef0123") == "job-0123456789abcdef0123.json"
    assert task_file_name("Sim_Upper") != "sim_upper.json"


def test_writes_wait_while_another_holds_the_journal_lock(tmp_path: Path) -> None:
    # Pruning reads an old finished file and then deletes it; a finish or record of the same
    # job in between would be lost, so every change waits for the one lock.
    from skill.atomic import exclusive_lock

    folder = tmp_path / "j"
    journal = TaskJournal(folder, now=Now(T0))
    journal.record(job("t1"))
    failed = job("t1", status="failed", finished_at=T0.isoformat())
    with exclusive_lock(folder):
        assert (tmp_path / "j.lock").is_file()  # the lock file sits beside the folder
        writers = [
            threading.Thread(target=journal.record, args=(failed,)),
            threading.Thread(target=journal.record, args=(job("t2"),)),
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
    assert journal.get("t2") == job("t2")


def test_threads_recording_and_finishing_lose_nothing(tmp_path: Path) -> None:
    journal = TaskJournal(tmp_path / "j", now=Now(T0))

    def work(i: int) -> None:
        journal.record(job(f"t{i}", minutes=i))
        if i % 2:
            finish(journal, f"t{i}", "delivered", f"https://x/{i}.png", at=T0)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [j.task_id for j in journal.pending()] == [f"t{i}" for i in range(28, -1, -2)]
    for i in range(1, 30, 2):
        got = journal.get(f"t{i}")
        assert got is not None
        assert got.status == "delivered"


WORK_SCRIPT = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from skill.ima import Plan
from skill.job import Job, JobRequest
from skill.store import TaskJournal
journal, i = TaskJournal(Path(sys.argv[1])), int(sys.argv[2])
plan = Plan(task_type="text_to_image", model_id="gemini-3-pro-image",
            model_name="Nano Banana Pro", model_version="v", attribute_id=1, credit=10)
for k in range(3):
    n = i * 3 + k
    job = journal.record(Job(
        job_id=f"p{n}", request=JobRequest(prompt="p", user_id="u"), plan=plan,
        task_ids=[f"p{n}"], created_at=f"2026-11-26T08:{n // 60:02d}:{n % 60:02d}+00:00"))
    if n % 2:
        journal.record(job.model_copy(update={
            "status": "delivered", "media": [f"https://x/{n}.png"],
            "finished_at": datetime.now(timezone.utc).isoformat()}))
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
    assert [j.task_id for j in journal.pending()] == [f"p{n}" for n in range(total - 2, -1, -2)]
    for n in range(1, total, 2):
        got = journal.get(f"p{n}")
        assert got is not None
        assert (got.status, got.media) == ("delivered", [f"https://x/{n}.png"])
    assert len(list(folder.rglob("*.json"))) == total
    assert not list(folder.rglob("*.tmp"))
