"""In-process fixtures for ``follow``: the simulator and the core share one FakeClock, so a
120-second Nano Banana Pro job runs in milliseconds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from skill.clock import FakeClock
from skill.events import Reply
from skill.flow import Follow, Options, Request, Services, follow
from skill.flow.ack import acknowledge
from skill.flow.download import download_image
from skill.flow.message import job_for
from skill.ima import ImaClient
from skill.job import Job
from skill.render import Renderer
from skill.settings import Endpoints
from skill.sim import SimTransport, Simulator
from skill.store import FileStore, PreferenceStore, TaskJournal

KEY = "ima_flow_test_key"
LOOPBACK = "http://127.0.0.1:9"


@dataclass
class Run:
    replies: list[Reply]
    following: Follow

    @property
    def events(self) -> list[str]:
        return [r.event for r in self.replies]

    @property
    def job(self) -> Job:
        return self.following.job

    @property
    def task_id(self) -> str | None:
        return self.following.job.task_id

    def one(self, event: str) -> Reply:
        found = [r for r in self.replies if r.event == event]
        assert len(found) == 1, self.events
        return found[0]

    def all(self, event: str) -> list[Reply]:
        return [r for r in self.replies if r.event == event]


Talk = Callable[..., Awaitable[Run]]


@dataclass
class World:
    sim: Simulator
    clock: FakeClock
    store: FileStore
    tmp: Path

    @property
    def prefs(self) -> PreferenceStore:
        return self.store.prefs

    @property
    def journal(self) -> TaskJournal:
        return self.store.journal


@pytest.fixture
def world(sim: Simulator, sim_clock: FakeClock, tmp_path: Path) -> World:
    return World(sim=sim, clock=sim_clock, store=FileStore.at(tmp_path / "memory"), tmp=tmp_path)


@pytest.fixture
async def client(world: World) -> AsyncIterator[ImaClient]:
    async with ImaClient(
        KEY,
        endpoints=Endpoints(LOOPBACK, LOOPBACK),
        transport=SimTransport(world.sim),
        clock=world.clock,
    ) as c:
        yield c


def services_for(world: World, client: ImaClient) -> Services:
    """The services of a test job: the simulator's client, the world's clock and store, and
    a downloader that fetches through the simulator's transport."""
    transport = SimTransport(world.sim)

    async def downloader(url: str, out_dir: Path, stem: str) -> Path:
        return await download_image(url, out_dir, stem, transport=transport)

    return Services(client, world.clock, world.store, Renderer(), downloader)


def start(
    world: World, client: ImaClient, text: str, *, options: Options | None = None, **fields: object
) -> Follow:
    """The followed job of one chat message, with its acknowledgement (as a front door does)."""
    request = Request(text, **fields)  # type: ignore[arg-type]
    step0 = acknowledge(request, prefs=lambda: world.prefs, renderer=Renderer())
    return follow(job_for(request, step0), services_for(world, client), options, ack=step0.message)


@pytest.fixture
def talk(world: World, client: ImaClient) -> Talk:
    """``await talk("画一只猫", images=..., timeout_s=..., ...)`` -> the whole :class:`Run`.

    ``timeout_s``, ``poll_interval_s`` and ``out_dir`` become the job's options; the other
    fields are the message's (``images``, ``user_id``, ``chat_id``, ``lang``).
    """

    async def run(text: str, **fields: object) -> Run:
        options = Options(
            timeout_s=fields.pop("timeout_s", None),  # type: ignore[arg-type]
            poll_interval_s=fields.pop("poll_interval_s", None),  # type: ignore[arg-type]
            out_dir=fields.pop("out_dir", None),  # type: ignore[arg-type]
        )
        following = start(world, client, text, options=options, **fields)
        replies = [reply async for reply in following]
        return Run(replies, following)

    return run
