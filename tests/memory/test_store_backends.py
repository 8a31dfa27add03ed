"""Both stores, files and Redis, behave the same: the journal, the follow-up memory, the
claims, the seen marks, the counters and the notes; and two stores on one place share them.

Redis is a real ``redis-server`` (tests/rediskit.py), one per session, emptied between tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from skill import catalog
from skill.ima import Plan
from skill.job import Job, JobRequest
from skill.logs import register_secret
from skill.store import FileStore, Store, StoreUnavailable, open_store, redis_store
from skill.store.redis_store import RedisStore, StoreURLRefused
from tests.rediskit import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
NB2 = "gemini-3.1-flash-image"
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
CANARY = "ima_CANARY_5b0e71c2d9a84f36"

Opener = Callable[[], Store]


def job(
    task_id: str | None = None,
    *,
    user: str = "u1",
    chat: str = "c1",
    minutes: int = 0,
    prompt: str = "一只戴墨镜的柴犬",
) -> Job:
    """A started single-picture job (no task yet when ``task_id`` is None)."""
    return Job(
        request=JobRequest(
            model_id=NB2, prompt=prompt, language="zh", user_id=user, chat_id=chat, size="1K"
        ),
        plan=Plan(
            task_type="text_to_image",
            model_id=NB2,
            model_name="Nano Banana 2",
            model_version="v1",
            attribute_id=7,
            credit=6,
            size="1K",
            aspect_ratio="1:1",
        ),
        task_ids=[task_id] if task_id else [],
        created_at=(T0 + timedelta(minutes=minutes)).isoformat(),
    )


@pytest.fixture(params=["files", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def opener(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Opener:
    """``opener()`` opens a store; every store it opens shares one place (a folder, a Redis)."""
    if backend == "files":
        return lambda: FileStore.at(tmp_path / "memory")
    url = request.getfixturevalue("redis_url")
    return lambda: RedisStore(url)


@pytest.fixture
async def store(opener: Opener) -> AsyncIterator[Store]:
    opened = opener()
    yield opened
    await opened.aclose()


@pytest.fixture
async def other(opener: Opener) -> AsyncIterator[Store]:
    """A second store on the same place, as another replica has."""
    opened = opener()
    yield opened
    await opened.aclose()


async def raw_texts(store: Store, tmp_path: Path) -> list[str]:
    """Everything the store wrote, as text (files, or every value in Redis)."""
    if isinstance(store, FileStore):
        files = await asyncio.to_thread(lambda: [p for p in tmp_path.rglob("*") if p.is_file()])
        return [p.read_text("utf-8", "replace") for p in files]
    assert isinstance(store, RedisStore)
    client = aioredis.Redis.from_url(store.url)  # the test's URL holds no password
    texts = []
    try:
        async for key in client.scan_iter():
            kind = await client.type(key)
            if kind == b"string":
                texts.append((await client.get(key) or b"").decode())
            elif kind == b"hash":
                texts.extend(v.decode() for v in (await client.hgetall(key)).values())
    finally:
        await client.aclose()
    return texts


# --- the journal ------------------------------------------------------------------------------
async def test_a_job_is_found_by_its_id_and_by_each_of_its_tasks(store: Store) -> None:
    stored = await store.record(job())
    assert stored.job_id is not None
    assert stored.job_id.startswith("job-")
    assert await store.job(stored.job_id) == stored
    assert await store.pending() == [stored]
    # Its tasks arrive: it is re-keyed by the first one, and each task finds it.
    with_tasks = await store.record(stored.model_copy(update={"task_ids": ["sim_a", "sim_b"]}))
    assert with_tasks.job_id == "sim_a"
    assert await store.job(stored.job_id) is None
    assert await store.job("sim_a") == with_tasks
    assert await store.job("sim_b") == with_tasks
    assert await store.job("sim_c") is None
    assert await store.pending() == [with_tasks]
    done = with_tasks.model_copy(update={"status": "delivered", "media": ["https://x/a.png"]})
    await store.record(done)
    got = await store.job("sim_b")
    assert got is not None
    assert (got.status, got.media) == ("delivered", ["https://x/a.png"])
    assert await store.pending() == []


async def test_pending_jobs_are_newest_first_and_per_person(store: Store) -> None:
    await store.record(job("old", minutes=1))
    await store.record(job("newest", minutes=9))
    await store.record(job("other", user="u2", minutes=5))
    failed = await store.record(job("failed", minutes=7))
    await store.record(failed.model_copy(update={"status": "failed"}))
    assert [j.task_id for j in await store.pending()] == ["newest", "other", "old"]
    assert [j.task_id for j in await store.pending("u1")] == ["newest", "old"]
    assert await store.pending("nobody") == []


async def test_a_key_pasted_into_the_prompt_is_never_stored(store: Store, tmp_path: Path) -> None:
    register_secret(CANARY)
    stored = await store.record(job("t1", prompt=f"a cat {CANARY}"))
    await store.remember(stored)
    assert CANARY not in stored.request.prompt
    texts = await raw_texts(store, tmp_path)
    assert texts
    assert not [t for t in texts if CANARY in t]


async def test_an_unreadable_job_is_set_aside_and_the_others_still_load(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    await store.record(job("good", minutes=1))
    await store.record(job("bad", minutes=2))
    if isinstance(store, FileStore):
        (tmp_path / "memory" / "ima_tasks" / "pending" / "bad.json").write_text("{not json")
    else:
        redis_server = request.getfixturevalue("redis_server")
        redis_server.command("SET", "ima:job:bad", '{"request": 3}')
    assert [j.task_id for j in await store.pending()] == ["good"]
    assert await store.job("bad") is None
    if isinstance(store, RedisStore):
        assert b"ima:aside:job:bad:" in redis_server.command("KEYS", "ima:aside:*")
    await store.record(job("bad", minutes=3))  # and the id works again
    assert [j.task_id for j in await store.pending()] == ["bad", "good"]


# --- the follow-up memory -----------------------------------------------------------------------
async def test_the_last_job_is_kept_per_chat_and_person(store: Store) -> None:
    await store.remember(job(chat="c1", user="u1", prompt="一只猫"))
    await store.remember(job(chat="c1", user="u2", prompt="一只狗"))
    await store.remember(job(chat="c2", user="u1", prompt="一只鸟"))
    first = await store.last_job("c1", "u1")
    assert first is not None
    assert first.request.prompt == "一只猫"
    other_person = await store.last_job("c1", "u2")
    assert other_person is not None
    assert other_person.request.prompt == "一只狗"
    assert await store.last_job("c3", "u1") is None
    await store.remember(job(chat="c1", user="u1", prompt="一只兔子"))
    latest = await store.last_job("c1", "u1")
    assert latest is not None
    assert latest.request.prompt == "一只兔子"


async def test_the_memory_lasts_a_day(store: Store, request: pytest.FixtureRequest) -> None:
    await store.remember(job())
    assert catalog.FOLLOWUP_MEMORY_S == 24 * 3600
    if isinstance(store, RedisStore):
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        (key,) = redis_server.command("KEYS", "ima:memory:*").split(b"\r\n")[2:3]
        ttl_ms = int(redis_server.command("PTTL", key.decode())[1:].strip())
        assert (
            catalog.FOLLOWUP_MEMORY_S * 1000 - 60_000 < ttl_ms <= catalog.FOLLOWUP_MEMORY_S * 1000
        )
        body = json.loads(redis_server.command("GET", key.decode()).split(b"\r\n")[1])
        body["at"] = "2020-01-01T00:00:00+00:00"
        redis_server.command("SET", key.decode(), json.dumps(body))
    else:
        assert isinstance(store, FileStore)
        age_the_memory(store.journal.path.parent / "ima_chats")
    assert await store.last_job("c1", "u1") is None


def age_the_memory(folder: Path) -> None:
    (path,) = folder.glob("*.json")
    raw = json.loads(path.read_text("utf-8"))
    raw["at"] = "2020-01-01T00:00:00+00:00"
    path.write_text(json.dumps(raw), "utf-8")


# --- claims, seen marks, counters, notes ------------------------------------------------------
async def test_one_claim_a_chat_and_person_at_a_time(store: Store, other: Store) -> None:
    lease = await store.hold("c1", "u1")
    assert lease is not None
    assert await store.hold("c1", "u1") is None  # the same chat and person: busy
    assert await other.hold("c1", "u1") is None  # from another replica too
    someone_else = await other.hold("c1", "u2")
    assert someone_else is not None
    await lease.release()
    await lease.release()  # idempotent
    again = await other.hold("c1", "u1")
    assert again is not None
    await again.release()
    await someone_else.release()


async def test_holding_from_many_stores_at_once_gives_exactly_one_claim(opener: Opener) -> None:
    stores = [opener() for _ in range(8)]
    try:
        leases = await asyncio.gather(*(s.hold("c1", "u1") for s in stores))
        held = [lease for lease in leases if lease is not None]
        assert len(held) == 1
        await held[0].release()
    finally:
        for s in stores:
            await s.aclose()


async def test_an_event_is_new_only_the_first_time_within_its_ttl(store: Store) -> None:
    assert await store.first_time("feishu:evt-1", 0.3)
    assert not await store.first_time("feishu:evt-1", 0.3)
    assert await store.first_time("feishu:evt-2", 0.3)
    await asyncio.sleep(0.45)
    assert await store.first_time("feishu:evt-1", 0.3)  # past its ttl: seen anew
    assert not await store.first_time("feishu:evt-1", 0.3)


async def test_an_event_seen_by_many_stores_at_once_is_new_exactly_once(opener: Opener) -> None:
    stores = [opener() for _ in range(8)]
    try:
        answers = await asyncio.gather(*(s.first_time("evt-42", 60) for s in stores))
        assert sorted(answers) == [False] * 7 + [True]
    finally:
        for s in stores:
            await s.aclose()


async def test_a_tally_stays_within_its_limit_gives_back_and_expires(
    store: Store, other: Store
) -> None:
    assert await store.tally("budget:u1", 6, limit=10, ttl_s=0.4) == 6
    assert await other.tally("budget:u1", 6, limit=10, ttl_s=0.4) is None  # 12 > 10
    assert await other.tally("budget:u1", 4, limit=10, ttl_s=0.4) == 10
    assert await store.tally("budget:u1", -4, limit=10, ttl_s=0.4) == 6  # given back
    assert await store.tally("budget:u2", 6, limit=None, ttl_s=0.4) == 6  # no limit
    await asyncio.sleep(0.55)
    assert await store.tally("budget:u1", 10, limit=10, ttl_s=0.4) == 10  # a new day


async def test_a_tally_from_many_stores_at_once_never_goes_over(opener: Opener) -> None:
    stores = [opener() for _ in range(8)]
    try:
        totals = await asyncio.gather(*(s.tally("b", 4, limit=10, ttl_s=60) for s in stores))
        assert sorted(t for t in totals if t is not None) == [4, 8]
    finally:
        for s in stores:
            await s.aclose()


async def test_a_note_is_kept_for_its_ttl_and_seen_by_every_store(
    store: Store, other: Store
) -> None:
    assert await store.note("shown:t1") is None
    await store.put_note("shown:t1", {"message_id": "om_1", "state": "running"}, 0.3)
    assert await other.note("shown:t1") == {"message_id": "om_1", "state": "running"}
    await other.put_note("shown:t1", {"state": "ended"}, 0.3)
    assert await store.note("shown:t1") == {"state": "ended"}
    await asyncio.sleep(0.45)
    assert await store.note("shown:t1") is None


# --- preferences ------------------------------------------------------------------------------
async def test_a_saved_model_is_read_back_and_cleared(store: Store, other: Store) -> None:
    assert await store.saved_model("u1", "text_to_image") is None
    await store.save_model(
        "u1", "text_to_image", model_id="gemini-3-pro-image", model_name="Pro", credit=10
    )
    await store.save_model("u1", "image_to_image", model_id=NB2, model_name="NB2", credit=None)
    assert await other.saved_model("u1", "text_to_image") == "gemini-3-pro-image"
    assert await other.saved_model("u2", "text_to_image") is None
    with pytest.raises(ValueError, match="Nano Banana"):
        await store.save_model("u1", "text_to_image", model_id="mj", model_name="MJ", credit=1)
    assert await store.clear_model("u1", "text_to_image") == 1
    assert await store.saved_model("u1", "text_to_image") is None
    assert await store.clear_model("u1") == 1
    assert await store.clear_model("u1") == 0


# --- replicas ---------------------------------------------------------------------------------
async def test_two_stores_on_one_place_see_the_same_jobs_and_memory(
    store: Store, other: Store
) -> None:
    stored = await store.record(job("t-shared"))
    assert await other.job("t-shared") == stored
    assert await other.pending("u1") == [stored]
    await store.remember(stored)
    remembered = await other.last_job("c1", "u1")
    assert remembered is not None
    assert remembered.task_id == "t-shared"
    await other.record(stored.model_copy(update={"status": "delivered"}))
    assert await store.pending() == []


# --- Redis only: claims of a process that died, an unreachable server, the factory -----------
HOLD_SCRIPT = """
import asyncio, sys
from skill.store.redis_store import RedisStore

async def main():
    store = RedisStore(sys.argv[1], lease_ttl_s=float(sys.argv[2]))
    lease = await store.hold("c1", "u1")
    print("held" if lease else "busy", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_a_killed_holders_claim_expires_and_a_live_one_is_refreshed(
    redis_url: str,
) -> None:
    ttl = 0.6
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(  # noqa: ASYNC220 -- a second process is the point
        [sys.executable, "-c", HOLD_SCRIPT, redis_url, str(ttl)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    store = RedisStore(redis_url)
    try:
        assert holder.stdout is not None
        assert await asyncio.to_thread(holder.stdout.readline) == "held\n"
        await asyncio.sleep(ttl * 2.5)  # alive: it refreshes its claim
        assert await store.hold("c1", "u1") is None
        holder.kill()
        holder.wait(timeout=10)
        killed_at = time.monotonic()
        while (lease := await store.hold("c1", "u1")) is None:
            assert time.monotonic() - killed_at < ttl * 3, "the dead holder's claim never expired"
            await asyncio.sleep(0.05)
        await lease.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
        await store.aclose()


async def test_every_operation_of_an_unreachable_store_says_so_quickly() -> None:
    store = RedisStore(f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0")
    operations: list[Callable[[], Awaitable[object]]] = [
        lambda: store.saved_model("u1", "text_to_image"),
        lambda: store.save_model("u1", "text_to_image", model_id=NB2, model_name="x", credit=1),
        lambda: store.clear_model("u1"),
        lambda: store.record(job("t1")),
        lambda: store.job("t1"),
        lambda: store.pending(),
        lambda: store.remember(job("t1")),
        lambda: store.last_job("c1", "u1"),
        lambda: store.hold("c1", "u1"),
        lambda: store.first_time("e1", 60),
        lambda: store.tally("b", 1, limit=None, ttl_s=60),
        lambda: store.put_note("n", {}, 60),
        lambda: store.note("n"),
    ]
    try:
        for operation in operations:
            began = time.monotonic()
            with pytest.raises(StoreUnavailable) as caught:
                await operation()
            assert time.monotonic() - began < 1.5
            assert isinstance(caught.value, OSError)
            assert "s3cret" not in str(caught.value)
        assert not await store.ping()
    finally:
        await store.aclose()


async def test_a_store_that_went_away_and_came_back_is_used_again(
    redis_factory: Callable[[], RedisServer],
) -> None:
    server = redis_factory()
    store = RedisStore(server.url)
    try:
        assert await store.first_time("e1", 60)
        server.kill()
        with pytest.raises(StoreUnavailable):
            await store.first_time("e2", 60)
        server.start()
        assert await store.first_time("e2", 60)  # reconnected; the restarted server is empty
    finally:
        await store.aclose()


async def test_the_environment_chooses_the_store(tmp_path: Path, redis_url: str) -> None:
    files = open_store({"HOME": str(tmp_path)})
    assert isinstance(files, FileStore)
    assert files.journal.path.is_relative_to(tmp_path)
    shared = open_store({"HOME": str(tmp_path), "IMA_STORE_URL": redis_url})
    assert isinstance(shared, RedisStore)
    await shared.aclose()
    with pytest.raises(StoreURLRefused) as refused:
        open_store({"IMA_STORE_URL": "http://user:s3cret@example.com/"})
    assert "s3cret" not in str(refused.value)


async def test_a_burst_beyond_the_connections_waits_for_one_instead_of_failing(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More commands at once than connections (a burst of events): each waits its turn; none
    is told the store is unavailable while it is up."""
    monkeypatch.setattr(redis_store, "MAX_CONNECTIONS", 2)
    store = RedisStore(redis_url)
    try:
        fresh = await asyncio.gather(*(store.first_time(f"burst:{n}", 60.0) for n in range(50)))
    finally:
        await store.aclose()
    assert fresh == [True] * 50
