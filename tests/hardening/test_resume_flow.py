"""Resuming a job from the journal through ``follow``: in process, the simulator and the core
share one FakeClock, so a Pro task resumed half-way runs in milliseconds; the choice of job and
the nothing-to-resume answer through the real ``resume`` command. No create is ever sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from skill.clock import FakeClock
from skill.events import Reply
from skill.flow import Follow, Options, follow
from skill.ima import ImaClient, Plan
from skill.job import Job, JobRequest
from skill.reasons import Reason
from skill.render import violations
from skill.settings import Endpoints, journal_path
from skill.sim import SimServer, SimTransport, Simulator
from skill.store import FileStore, TaskJournal
from tests.conftest import SIM_TEST_KEY, SimEnv
from tests.flow.conftest import World, services_for
from tests.hardening.helpers import Events, events

KEY = "ima_resume_flow_key"
LOOPBACK = Endpoints("http://127.0.0.1:9", "http://127.0.0.1:9")
PRO = "gemini-3-pro-image"
NB2 = "gemini-3.1-flash-image"
MAY_STILL_ARRIVE = {"zh": "图片可能稍后仍会生成好", "en": "may still arrive"}


@pytest.fixture
def world(sim: Simulator, sim_clock: FakeClock, tmp_path: Path) -> World:
    return World(sim=sim, clock=sim_clock, store=FileStore.at(tmp_path / "memory"), tmp=tmp_path)


@pytest.fixture
async def client(world: World) -> AsyncIterator[ImaClient]:
    async with ImaClient(
        KEY, endpoints=LOOPBACK, transport=SimTransport(world.sim), clock=world.clock
    ) as c:
        yield c


@pytest.fixture
def journal(world: World) -> TaskJournal:
    return world.journal


def pro_plan(credit: int = 10) -> Plan:
    return Plan(
        task_type="text_to_image",
        model_id=PRO,
        model_name="Nano Banana Pro",
        model_version="v1",
        attribute_id=1,
        credit=credit,
        size="1K",
    )


def started(
    task_id: str | None,
    *,
    user: str = "u1",
    lang: str = "zh",
    ago_s: float = 0,
    plan: Plan | None = None,
    **changes: object,
) -> Job:
    """A job whose create was sent ``ago_s`` seconds ago (real time), with its task if any."""
    created = datetime.now(timezone.utc) - timedelta(seconds=ago_s)
    fields: dict[str, object] = {
        "request": JobRequest(model_id=PRO, size="1K", prompt="a cat", language=lang, user_id=user),
        "plan": plan or pro_plan(),
        "task_ids": [task_id] if task_id else [],
        "created_at": created.isoformat(),
        **changes,
    }
    return Job.model_validate(fields)


async def create_task(client: ImaClient, prompt: str = "a cat") -> tuple[str, Plan]:
    plan = await client.plan("text_to_image", PRO)
    return await client.create(plan, prompt), plan


@dataclass
class Resumed:
    replies: list[Reply]
    following: Follow

    @property
    def events(self) -> list[str]:
        return [r.event for r in self.replies]

    @property
    def exit_code(self) -> int:
        return self.following.outcome.exit_code

    def one(self, event: str) -> Reply:
        found = [r for r in self.replies if r.event == event]
        assert len(found) == 1, self.events
        return found[0]


async def resume(
    world: World, client: ImaClient, key: str | None = None, *, scale: float = 1.0
) -> Resumed:
    """What ``resume [KEY]`` follows: the job of ``key``, else the newest pending one."""
    if key is not None:
        job = await world.store.job(key)
    else:
        pending = await world.store.pending()
        job = pending[0] if pending else None
    assert job is not None, key
    following = follow(job, services_for(world, client), Options(scale=scale))
    return Resumed([reply async for reply in following], following)


def assert_clean(resumed: Resumed) -> None:
    events = resumed.events
    assert events[0] == "ack"
    assert events[-1] == "done"
    assert events.count("success") + events.count("failure") == 1
    for reply in resumed.replies:
        assert violations(reply.text or "", allowed=(reply.media or "",)) == []


async def test_a_pending_pro_task_is_polled_with_progress_and_delivered(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    world.sim.set_duration(PRO, 94)
    task_id, plan = await create_task(client)
    creates = world.sim.stats()["creates"]
    journal.record(started(task_id, ago_s=10, plan=plan))
    world.clock.advance(10)  # the run died 10 s in (on both clocks)

    resumed = await resume(world, client)

    assert_clean(resumed)
    assert resumed.one("ack").text == "🔍 找到你之前的那张图了(Nano Banana Pro),正在取回…"
    assert resumed.one("ack").lang == "zh"
    assert "start" not in resumed.events  # nothing is started again
    progress = [r for r in resumed.replies if r.event == "progress"]
    # On the task's own 30 s cadence, counted from its creation (10 s before the resume);
    # done at 94 s, seen at the 95 s poll (every 3 s from 5 s).
    assert [(p.elapsed_s, p.percent) for p in progress] == [(30, 25), (60, 50), (90, 75)]
    success = resumed.replies[-2]
    assert success.event == "success"
    assert success.media is not None
    assert success.credits == 10
    assert success.elapsed_s == 95
    assert world.sim.stats()["creates"] == creates  # resume never creates
    assert {r.path for r in world.sim.requests} <= {
        "/open/v1/product/list",
        "/open/v1/tasks/create",
        "/open/v1/tasks/detail",
    }
    done = journal.get(task_id)
    assert done is not None
    assert (done.status, done.media) == ("delivered", [success.media])
    assert done.finished_at is not None
    assert journal.pending() == []
    assert resumed.exit_code == 0


async def test_a_failed_task_is_marked_failed_and_not_polled_again(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    world.sim.inject("resource_failed")
    task_id, plan = await create_task(client)
    journal.record(started(task_id, lang="en", plan=plan))
    world.clock.advance(200)
    resumed = await resume(world, client, task_id)
    assert resumed.events == ["ack", "failure", "done"]
    assert resumed.replies[1].reason == "generation_failed"
    failed = journal.get(task_id)
    assert failed is not None
    assert (failed.status, failed.reason) == ("failed", Reason.GENERATION_FAILED)
    assert resumed.exit_code == 1
    polls = world.sim.tasks[task_id].polls
    requests = len(world.sim.requests)

    again = await resume(world, client, task_id)
    assert again.events == ["ack", "failure", "done"]
    assert again.replies[1].reason == "generation_failed"  # told as it ended, from the journal
    assert again.replies[1].text == resumed.replies[1].text
    assert world.sim.tasks[task_id].polls == polls
    assert len(world.sim.requests) == requests


async def test_a_lost_connection_keeps_the_task_pending(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    task_id, plan = await create_task(client)
    journal.record(started(task_id, lang="en", plan=plan))
    world.sim.inject("drop_connection", endpoint="detail", times=None)
    resumed = await resume(world, client)
    assert_clean(resumed)
    assert resumed.replies[-2].reason == "network"
    assert MAY_STILL_ARRIVE["en"] in (resumed.replies[-2].text or "")
    still = journal.get(task_id)
    assert still is not None
    assert still.status == "pending"
    assert [j.task_id for j in journal.pending()] == [task_id]
    assert resumed.exit_code == 1


async def test_a_delivered_job_is_sent_again_from_its_link_without_asking(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    delivered = started(
        "sim_done_1",
        ago_s=60,
        status="delivered",
        media=["https://cdn.example/sim_done_1.png"],
        finished_at=datetime.now(timezone.utc).isoformat(),
    )
    journal.record(delivered)
    resumed = await resume(world, client, "sim_done_1")
    assert resumed.events == ["ack", "success", "done"]
    assert resumed.one("ack").text == "🖼️ 这是你之前的那张图,再发你一次(Nano Banana Pro)"
    assert resumed.one("success").media == "https://cdn.example/sim_done_1.png"
    assert resumed.one("success").credits == 10
    assert world.sim.requests == []  # not a poll, not a list, not a create
    assert resumed.exit_code == 0
    again = journal.get("sim_done_1")
    assert again is not None
    assert (again.status, again.media) == ("delivered", ["https://cdn.example/sim_done_1.png"])


async def test_a_create_whose_answer_was_lost_is_told_once_and_never_sent_again(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    lost = journal.record(started(None, lang="en", ago_s=5))
    assert lost.job_id is not None
    assert [j.job_id for j in journal.pending()] == [lost.job_id]
    resumed = await resume(world, client)
    assert resumed.events == ["ack", "failure", "done"]
    failure = resumed.replies[1]
    assert failure.reason == "unconfirmed"
    assert "the answer was lost on the way" in (failure.text or "")
    assert "check your IMA account" in (failure.text or "")
    assert world.sim.requests == []
    assert world.sim.stats()["creates"] == 0
    ended = journal.get(lost.job_id)
    assert ended is not None
    assert (ended.status, ended.reason) == ("failed", Reason.UNCONFIRMED)
    assert journal.pending() == []  # said once: the next resume has nothing to fetch
    assert resumed.exit_code == 1


async def test_the_store_gives_the_newest_pending_job_of_the_user_or_of_anyone(
    world: World, journal: TaskJournal
) -> None:
    store = world.store
    journal.record(started("old-alice", user="alice", ago_s=300))
    journal.record(started("new-alice", user="alice", ago_s=10))
    journal.record(started("bob", user="bob", ago_s=100))
    carol = journal.record(started("newest-carol", user="carol", ago_s=1))
    journal.record(carol.model_copy(update={"status": "delivered", "media": ["https://x/y.png"]}))
    assert [j.task_id for j in await store.pending("alice")] == ["new-alice", "old-alice"]
    assert [j.task_id for j in await store.pending("bob")] == ["bob"]
    assert await store.pending("carol") == []  # delivered is not pending
    assert [j.task_id for j in await store.pending()] == ["new-alice", "bob", "old-alice"]
    # An explicit id finds its job whatever its status.
    chosen = await store.job("newest-carol")
    assert chosen is not None
    assert chosen.status == "delivered"
    assert await store.job("nope") is None


async def test_waited_so_far_follows_the_clock_scale(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    world.sim.set_duration(PRO, 1)
    task_id, plan = await create_task(client)
    world.clock.advance(5)  # done on the simulator; the resume polls at once
    for scale in (1.0, 200.0):
        before = datetime.now(timezone.utc)
        journal.record(started(task_id, ago_s=30, plan=plan))  # a job of its own each time
        resumed = await resume(world, client, task_id, scale=scale)
        real_s = (datetime.now(timezone.utc) - before).total_seconds() + 30
        elapsed = resumed.one("success").elapsed_s
        assert elapsed is not None
        assert 30 * scale - 1 <= elapsed <= real_s * scale + 1
    broken = journal.record(started(task_id, plan=plan, created_at="yesterday"))
    resumed = await resume(world, client, task_id)
    assert resumed.one("success").elapsed_s == 0
    assert broken.started


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_interrupted_message_says_whether_the_picture_may_come(
    world: World, client: ImaClient, lang: str
) -> None:
    services = services_for(world, client)

    def farewell(job: Job) -> Reply:
        return follow(job, services).farewell()

    with_task = farewell(started("t1", lang=lang))
    sent = farewell(started(None, lang=lang))  # the create went out, its answer did not come
    not_sent = farewell(started(None, lang=lang).model_copy(update={"created_at": None}))
    assert (with_task.reason, sent.reason, not_sent.reason) == ("timeout", "timeout", "unknown")
    texts = [r.text or "" for r in (with_task, sent, not_sent)]
    assert len(set(texts)) == 3
    for text in texts:
        assert violations(text) == []
    assert MAY_STILL_ARRIVE[lang] in texts[0]
    assert MAY_STILL_ARRIVE[lang] not in texts[2]


async def test_a_task_the_service_no_longer_knows_is_said_plainly_and_dropped(
    world: World, client: ImaClient, journal: TaskJournal
) -> None:
    journal.record(started("sim_gone_1"))  # e.g. the simulator restarted since the run
    resumed = await resume(world, client)
    assert resumed.events == ["ack", "failure", "done"]
    assert resumed.replies[1].reason == "task_failed"
    assert resumed.replies[1].text == "🤔 图片服务上已经找不到那张图了。要我重新画一张吗?"
    gone = journal.get("sim_gone_1")
    assert gone is not None
    assert gone.status == "failed"
    assert journal.pending() == []
    assert resumed.exit_code == 1


# -- through the command ------------------------------------------------------------------------


def command(env: dict[str, str], *args: str) -> Events:
    return events(env, "resume", "--format", "jsonl", *args)


async def create_jobs(sim: Simulator, journal: TaskJournal, users: list[str]) -> list[str]:
    """A real NB2 task for each of ``users``, written down as ``run`` would; their task ids."""
    sim.set_duration(NB2, 1)
    task_ids: list[str] = []
    async with ImaClient(SIM_TEST_KEY, endpoints=LOOPBACK, transport=SimTransport(sim)) as c:
        for user in users:
            plan = await c.plan("text_to_image", NB2)
            task_id = await c.create(plan, f"a cat for {user}")
            job = Job(
                request=JobRequest(prompt="a cat", language="en", user_id=user),
                plan=plan,
                task_ids=[task_id],
                created_at=datetime.now(timezone.utc).isoformat(timespec="microseconds"),
            )
            journal.record(job)
            task_ids.append(task_id)
    return task_ids


def test_the_command_resumes_the_newest_pending_job_of_the_user(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    sim = fast_sim_server.sim
    env = sim_env(fast_sim_server)
    journal = TaskJournal(journal_path(env))
    old_alice, new_alice, bob = asyncio.run(create_jobs(sim, journal, ["alice", "alice", "bob"]))
    creates = sim.stats()["creates"]

    resumed = command(env, "--user-id", "alice")
    assert resumed.code == 0, resumed.err
    resumed.assert_clean()
    assert [j.task_id for j in journal.pending()] == [bob, old_alice]  # the newest of alice
    delivered = journal.get(new_alice)
    assert delivered is not None
    assert resumed.one("success")["media"] == delivered.media[0]
    # By id, whatever the user; without a user, the newest of anyone.
    by_id = command(env, old_alice, "--user-id", "bob")
    assert by_id.code == 0, by_id.err
    assert [j.task_id for j in journal.pending()] == [bob]
    anyone = command(env)
    assert anyone.code == 0, anyone.err
    assert journal.pending() == []
    # A delivered job asked for by id is sent again, in the language asked for.
    again = command(env, new_alice, "--lang", "zh")
    assert again.code == 0, again.err
    assert again.one("ack")["text"].startswith("🖼️ 这是你之前的那张图")
    assert again.one("success")["media"] == delivered.media[0]
    assert sim.stats()["creates"] == creates


def test_nothing_to_resume_asks_the_server_nothing(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server)
    TaskJournal(journal_path(env)).record(started("alice-task", user="alice"))
    for args, text in (
        (["--user-id", "bob", "--lang", "en"], "There's no unfinished picture to fetch"),
        (["x"], "I can't find that picture in my records"),
    ):
        nothing = command(env, *args)
        assert nothing.code == 2, nothing.err
        assert nothing.kinds == ["failure", "done"]
        assert nothing.one("failure")["reason"] == "bad_request"
        assert text in nothing.one("failure")["text"]
    assert fast_sim_server.sim.requests == []


def test_resume_never_creates_even_for_a_job_that_was_never_started(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server)
    journal = TaskJournal(journal_path(env))
    unstarted = journal.record(Job(request=JobRequest(prompt="a cat", user_id="u1")))
    assert not unstarted.started
    resumed = command(env)
    assert fast_sim_server.sim.stats()["creates"] == 0
    assert resumed.code == 2, resumed.err
