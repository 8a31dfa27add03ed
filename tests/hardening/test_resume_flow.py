"""The resume conversation in process: the simulator and resume share one FakeClock, so a
Pro task resumed half-way runs in milliseconds. No create is ever sent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from skill.clock import FakeClock
from skill.events import Reply
from skill.flow.resume import (
    Interrupted,
    ResumeRequest,
    Resumption,
    interrupted_reply,
    pick,
    render_extra,
    resume_exit_code,
    waited_so_far,
)
from skill.ima import ImaClient
from skill.journal import JournalEntry, TaskJournal
from skill.render import violations
from skill.settings import Endpoints
from skill.sim import SimTransport, Simulator

KEY = "ima_resume_flow_key"
LOOPBACK = Endpoints("http://127.0.0.1:9", "http://127.0.0.1:9")
PRO = "gemini-3-pro-image"


def entry(task_id: str, *, user: str = "u1", lang: str = "zh", ago_s: float = 0) -> JournalEntry:
    created = datetime.now(timezone.utc) - timedelta(seconds=ago_s)
    return JournalEntry(
        task_id=task_id,
        user_id=user,
        task_type="text_to_image",
        model_id=PRO,
        model_name="Nano Banana Pro",
        size="1K",
        aspect_ratio=None,
        prompt="a cat",
        credit=10,
        lang=lang,
        created_at=created.isoformat(),
    )


async def create_task(sim: Simulator, clock: FakeClock) -> str:
    async with ImaClient(KEY, endpoints=LOOPBACK, transport=SimTransport(sim), clock=clock) as c:
        plan = await c.plan("text_to_image", PRO)
        return await c.create(plan, "a cat")


async def resume(
    sim: Simulator, clock: FakeClock, journal: TaskJournal, request: ResumeRequest
) -> tuple[list[Reply], Resumption]:
    async with ImaClient(KEY, endpoints=LOOPBACK, transport=SimTransport(sim), clock=clock) as c:
        resumption = Resumption(request, client=c, clock=clock, journal=journal)
        return [reply async for reply in resumption], resumption


@pytest.fixture
def journal(tmp_path: Path) -> TaskJournal:
    return TaskJournal(tmp_path / "ima_tasks")


async def test_a_pending_pro_task_is_polled_with_progress_and_delivered(
    sim: Simulator, sim_clock: FakeClock, journal: TaskJournal
) -> None:
    sim.set_duration(PRO, 94)
    task_id = await create_task(sim, sim_clock)
    creates = sim.stats()["creates"]
    journal.record(entry(task_id, ago_s=10))
    sim_clock.advance(10)  # the run died 10 s in (on both clocks)

    replies, resumption = await resume(sim, sim_clock, journal, ResumeRequest())

    kinds = [r.event for r in replies]
    assert kinds[0] == "ack"
    assert kinds[-2:] == ["success", "done"], kinds
    progress = [r for r in replies if r.event == "progress"]
    # Every 30 s from the resume, counted from creation; done at 94 s, seen at the 95 s poll
    # (every 3 s from 5 s) before the next point at 100 s.
    assert [(p.elapsed_s, p.percent) for p in progress] == [(40, 33), (70, 58)]
    assert replies[-2].media is not None
    assert replies[-2].credits == 10
    assert replies[-2].elapsed_s == 95
    assert sim.stats()["creates"] == creates  # resume never creates
    assert {r.path for r in sim.requests} <= {
        "/open/v1/product/list",
        "/open/v1/tasks/create",
        "/open/v1/tasks/detail",
    }
    assert journal.get(task_id).status == "delivered"  # type: ignore[union-attr]
    assert resume_exit_code(resumption.outcome) == 0
    for reply in replies:
        assert violations(reply.text or "", allowed=(reply.media or "",)) == []


async def test_a_failed_task_is_marked_failed_and_not_polled_again(
    sim: Simulator, sim_clock: FakeClock, journal: TaskJournal
) -> None:
    sim.inject("resource_failed")
    task_id = await create_task(sim, sim_clock)
    journal.record(entry(task_id, lang="en"))
    sim_clock.advance(200)
    replies, resumption = await resume(sim, sim_clock, journal, ResumeRequest(task_id=task_id))
    assert [r.event for r in replies] == ["ack", "failure", "done"]
    assert replies[1].reason == "generation_failed"
    assert journal.get(task_id).status == "failed"  # type: ignore[union-attr]
    assert resume_exit_code(resumption.outcome) == 1
    polls = sim.tasks[task_id].polls
    again, _ = await resume(sim, sim_clock, journal, ResumeRequest(task_id=task_id))
    assert again[1].reason == "task_failed"
    assert sim.tasks[task_id].polls == polls


async def test_a_lost_connection_keeps_the_task_pending(
    sim: Simulator, sim_clock: FakeClock, journal: TaskJournal
) -> None:
    task_id = await create_task(sim, sim_clock)
    journal.record(entry(task_id, lang="en"))
    sim.inject("drop_connection", endpoint="detail", times=None)
    replies, resumption = await resume(sim, sim_clock, journal, ResumeRequest())
    assert replies[-2].reason == "network"
    assert "may still arrive" in (replies[-2].text or "")
    assert journal.get(task_id).status == "pending"  # type: ignore[union-attr]
    assert resume_exit_code(resumption.outcome) == 1


def test_pick_chooses_the_newest_pending_task_of_the_user_or_of_anyone(
    journal: TaskJournal,
) -> None:
    journal.record(entry("old-alice", user="alice", ago_s=300))
    journal.record(entry("new-alice", user="alice", ago_s=10))
    journal.record(entry("bob", user="bob", ago_s=100))
    journal.record(entry("newest-carol", user="carol", ago_s=1))
    journal.finish("newest-carol", status="delivered", url="https://x/y.png")
    assert pick(journal, ResumeRequest(user_id="alice")).task_id == "new-alice"  # type: ignore[union-attr]
    assert pick(journal, ResumeRequest(user_id="bob")).task_id == "bob"  # type: ignore[union-attr]
    assert pick(journal, ResumeRequest(user_id="carol")) is None  # delivered is not pending
    assert pick(journal, ResumeRequest()).task_id == "new-alice"  # type: ignore[union-attr]
    # An explicit id wins over the user, whatever its status.
    chosen = pick(journal, ResumeRequest(task_id="newest-carol", user_id="bob"))
    assert chosen is not None
    assert chosen.status == "delivered"
    assert pick(journal, ResumeRequest(task_id="nope")) is None


async def test_nothing_to_resume_asks_the_server_nothing(
    sim: Simulator, sim_clock: FakeClock, journal: TaskJournal
) -> None:
    journal.record(entry("alice-task", user="alice"))
    for request in (ResumeRequest(user_id="bob", lang="en"), ResumeRequest(task_id="x")):
        replies, resumption = await resume(sim, sim_clock, journal, request)
        assert [r.event for r in replies] == ["failure", "done"]
        assert resumption.outcome.nothing
        assert resume_exit_code(resumption.outcome) == 2
    assert sim.requests == []


def test_waited_so_far_follows_the_clock_scale() -> None:
    e = entry("t", ago_s=30)
    now = datetime.fromisoformat(e.created_at) + timedelta(seconds=30)
    assert waited_so_far(e, 1.0, now) == pytest.approx(30)
    assert waited_so_far(e, 200.0, now) == pytest.approx(6000)
    broken = JournalEntry(**{**e.__dict__, "created_at": "yesterday"})
    assert waited_so_far(broken, 1.0) == 0.0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_interrupted_message_says_whether_the_picture_may_come(lang: str) -> None:
    started = interrupted_reply("t1", False, lang)
    starting = interrupted_reply(None, True, lang)
    early = interrupted_reply(None, False, lang)
    assert (started.reason, starting.reason, early.reason) == ("timeout", "timeout", "unknown")
    texts = [r.text or "" for r in (started, starting, early)]
    assert len(set(texts)) == 3
    for stage in ("started", "starting", "not_started"):
        text = render_extra(Interrupted(stage), lang)  # type: ignore[arg-type]
        assert violations(text) == []
    may = "图片可能稍后仍会生成好" if lang == "zh" else "may still arrive"
    assert may in texts[0]
    assert may not in texts[2]


async def test_a_task_the_service_no_longer_knows_is_said_plainly_and_dropped(
    sim: Simulator, sim_clock: FakeClock, journal: TaskJournal
) -> None:
    journal.record(entry("sim_gone_1"))  # e.g. the simulator restarted since the run
    replies, resumption = await resume(sim, sim_clock, journal, ResumeRequest())
    assert [r.event for r in replies] == ["ack", "failure", "done"]
    assert replies[1].reason == "task_failed"
    assert replies[1].text == "🤔 图片服务上已经找不到那张图了。要我重新画一张吗?"
    assert journal.get("sim_gone_1").status == "failed"  # type: ignore[union-attr]
    assert journal.pending() == []
    assert resume_exit_code(resumption.outcome) == 1
