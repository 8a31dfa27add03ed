"""The conversation on the shared store: a whole picture with Redis as the journal, a resume
from it, and a store out of reach, which starts nothing and says the service is busy."""

from __future__ import annotations

from pathlib import Path

from skill.clock import FakeClock
from skill.flow import Request, Services, follow
from skill.flow.message import answer
from skill.ima import ImaClient
from skill.job import Job
from skill.reasons import Reason
from skill.render import Renderer
from skill.settings import Endpoints
from skill.sim import SimTransport, Simulator
from skill.store.redis_store import RedisStore
from tests.flow.conftest import KEY, LOOPBACK
from tests.rediskit import free_port


def client_for(sim: Simulator, clock: FakeClock) -> ImaClient:
    return ImaClient(
        KEY, endpoints=Endpoints(LOOPBACK, LOOPBACK), transport=SimTransport(sim), clock=clock
    )


async def test_a_picture_is_made_and_resumed_with_redis_as_the_journal(
    sim: Simulator, sim_clock: FakeClock, redis_url: str
) -> None:
    store = RedisStore(redis_url)
    async with client_for(sim, sim_clock) as client:
        services = Services(client, sim_clock, store, Renderer())
        conversation = answer(Request("画一只猫", user_id="u1", chat_id="c1"), services)
        events = [reply.event async for reply in conversation]
        assert events[0] == "ack"
        assert events[-2:] == ["success", "done"]
        made = conversation.job
        assert made is not None
        assert made.task_id is not None
        stored = await store.job(made.task_id)
        assert stored is not None
        assert stored.status == "delivered"
        # Another replica's resume of it sends it again from the journal: no second create.
        again = follow(stored, services, resume=True)
        assert [r.event async for r in again][-2:] == ["success", "done"]
    assert sim.stats()["creates"] == 1
    await store.aclose()


async def test_a_store_out_of_reach_starts_nothing_and_says_the_service_is_busy(
    sim: Simulator, sim_clock: FakeClock, tmp_path: Path
) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    async with client_for(sim, sim_clock) as client:
        services = Services(client, sim_clock, store, Renderer())
        conversation = answer(Request("draw a cat", user_id="u1", chat_id="c1"), services)
        replies = [reply async for reply in conversation]
    assert [r.event for r in replies] == ["ack", "failure", "done"]
    failure = replies[1]
    assert failure.reason == Reason.SERVICE_BUSY
    assert failure.text is not None
    assert "busy" in failure.text
    assert sim.stats()["creates"] == 0
    assert conversation.exit_code == 1  # turned away for now, not bad input
    await store.aclose()


async def test_a_job_the_front_door_does_not_admit_is_not_created(
    sim: Simulator, sim_clock: FakeClock, tmp_path: Path
) -> None:
    from skill.store import FileStore

    seen: list[Job] = []

    async def admit(job: Job) -> Reason | None:
        seen.append(job)
        return Reason.BUDGET_REACHED

    async with client_for(sim, sim_clock) as client:
        services = Services(client, sim_clock, FileStore.at(tmp_path), Renderer(), admit=admit)
        conversation = answer(Request("画一只猫", lang="zh"), services)
        replies = [reply async for reply in conversation]
    assert [r.event for r in replies] == ["ack", "failure", "done"]
    assert replies[1].reason == Reason.BUDGET_REACHED
    assert replies[1].text is not None
    assert "额度" in replies[1].text
    # It saw the job priced from the live list, before anything was sent.
    (job,) = seen
    assert job.plan is not None
    assert job.plan.credit > 0
    assert not job.started
    assert sim.stats()["creates"] == 0
