"""The file store's follow-up memory, its per-chat claim and its seen marks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from skill import catalog
from skill.job import Job, JobRequest
from skill.store import FileStore

ROOT = Path(__file__).resolve().parents[2]


def job(chat: str = "c1", user: str = "u1", prompt: str = "一只猫") -> Job:
    return Job(request=JobRequest(prompt=prompt, chat_id=chat, user_id=user, language="zh"))


async def test_the_last_job_is_kept_per_chat_and_person(tmp_path: Path) -> None:
    store = FileStore.at(tmp_path)
    await store.remember(job("c1", "u1", "一只猫"))
    await store.remember(job("c1", "u2", "一只狗"))
    await store.remember(job("c2", "u1", "一只鸟"))
    first = await store.last_job("c1", "u1")
    assert first is not None
    assert first.request.prompt == "一只猫"
    other = await store.last_job("c1", "u2")
    assert other is not None
    assert other.request.prompt == "一只狗"
    assert await store.last_job("c3", "u1") is None
    await store.remember(job("c1", "u1", "一只兔子"))
    latest = await store.last_job("c1", "u1")
    assert latest is not None
    assert latest.request.prompt == "一只兔子"


async def test_a_memory_older_than_a_day_is_forgotten(tmp_path: Path) -> None:
    store = FileStore.at(tmp_path)
    await store.remember(job())
    (path,) = (tmp_path / "ima_chats").glob("*.json")
    raw = json.loads(path.read_text("utf-8"))
    raw["at"] = "2020-01-01T00:00:00+00:00"
    path.write_text(json.dumps(raw), "utf-8")
    assert await store.last_job("c1", "u1") is None
    assert catalog.FOLLOWUP_MEMORY_S == 24 * 3600


async def test_a_corrupt_memory_costs_only_the_follow_up(tmp_path: Path) -> None:
    store = FileStore.at(tmp_path)
    await store.remember(job())
    (path,) = (tmp_path / "ima_chats").glob("*.json")
    path.write_text("{not json", "utf-8")
    assert await store.last_job("c1", "u1") is None
    assert list((tmp_path / "ima_chats").glob("*.corrupt-*"))
    await store.remember(job())  # and it works again afterwards
    assert await store.last_job("c1", "u1") is not None


async def test_a_key_in_the_prompt_is_not_written_into_the_memory(tmp_path: Path) -> None:
    store = FileStore.at(tmp_path)
    await store.remember(job(prompt="a cat ima_secret_canary_key_0042"))
    for path in (tmp_path / "ima_chats").glob("*.json"):
        assert "ima_secret_canary_key_0042" not in path.read_text("utf-8")


async def test_one_claim_a_chat_and_person_at_a_time(tmp_path: Path) -> None:
    store = FileStore.at(tmp_path)
    lease = await store.hold("c1", "u1")
    assert lease is not None
    assert await store.hold("c1", "u1") is None  # the same chat and person: busy
    other = await store.hold("c1", "u2")
    assert other is not None
    await lease.release()
    again = await store.hold("c1", "u1")
    assert again is not None
    await again.release()
    await other.release()


HOLD_SCRIPT = """
import asyncio, sys
from pathlib import Path
from skill.store import FileStore

async def main():
    lease = await FileStore.at(Path(sys.argv[1])).hold("c1", "u1")
    print("held" if lease else "busy", flush=True)
    sys.stdin.readline()

asyncio.run(main())
"""


async def test_the_claim_holds_across_processes_and_ends_with_its_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(  # noqa: ASYNC220 -- a second process is the point
        [sys.executable, "-c", HOLD_SCRIPT, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    store = FileStore.at(tmp_path)
    assert await store.hold("c1", "u1") is None
    holder.kill()
    holder.wait(timeout=10)
    holder.stdout.close()
    assert holder.stdin is not None
    holder.stdin.close()
    lease = await store.hold("c1", "u1")
    assert lease is not None  # the system let go when the process died
    await lease.release()


async def test_an_event_is_new_only_the_first_time_within_its_ttl(tmp_path: Path) -> None:
    store = FileStore.at(tmp_path)
    assert await store.first_time("feishu:evt-1", 60)
    assert not await store.first_time("feishu:evt-1", 60)
    assert await store.first_time("feishu:evt-2", 60)
    old = time.time() - 120
    for path in (tmp_path / "ima_seen").iterdir():
        os.utime(path, (old, old))
    assert await store.first_time("feishu:evt-1", 60)  # past its ttl: seen anew
    assert not await store.first_time("feishu:evt-1", 60)


def test_a_chats_file_name_is_the_sha256_it_always_was() -> None:
    """The memory and claim files of earlier versions are found: the name is hashlib's
    SHA-256 of the ids, whichever implementation computes it now."""
    import hashlib

    from skill.store.chats import chat_key

    for chat, user in (("oc_1", "ou_1"), ("群聊", "某人"), ("", ""), ("a\udcff", "b")):
        raw = "\x00".join((chat, user)).encode("utf-8", "surrogatepass")
        assert chat_key(chat, user) == hashlib.sha256(raw).hexdigest()[:40]
