"""In-process conversation fixtures: the simulator and the driver share one FakeClock, so a
120-second Nano Banana Pro job runs in milliseconds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from skill.clock import FakeClock
from skill.events import Reply
from skill.flow import Conversation, Request, converse
from skill.flow.download import download_image
from skill.ima import ImaClient
from skill.journal import TaskJournal
from skill.prefs import PreferenceStore
from skill.settings import Endpoints
from skill.sim import SimTransport, Simulator

KEY = "ima_flow_test_key"
LOOPBACK = "http://127.0.0.1:9"


@dataclass
class Run:
    replies: list[Reply]
    conversation: Conversation

    @property
    def events(self) -> list[str]:
        return [r.event for r in self.replies]

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
    prefs: PreferenceStore
    journal: TaskJournal
    tmp: Path


@pytest.fixture
def world(sim: Simulator, sim_clock: FakeClock, tmp_path: Path) -> World:
    return World(
        sim=sim,
        clock=sim_clock,
        prefs=PreferenceStore(tmp_path / "prefs.json"),
        journal=TaskJournal(tmp_path / "ima_tasks"),
        tmp=tmp_path,
    )


@pytest.fixture
async def client(world: World) -> AsyncIterator[ImaClient]:
    async with ImaClient(
        KEY,
        endpoints=Endpoints(LOOPBACK, LOOPBACK),
        transport=SimTransport(world.sim),
        clock=world.clock,
    ) as c:
        yield c


@pytest.fixture
def talk(world: World, client: ImaClient) -> Talk:
    """``await talk("画一只猫", images=..., out_dir=..., ...)`` -> the whole :class:`Run`."""

    async def run(text: str, **fields: object) -> Run:
        transport = SimTransport(world.sim)

        async def downloader(url: str, out_dir: Path, stem: str) -> Path:
            return await download_image(url, out_dir, stem, transport=transport)

        conversation = converse(
            Request(text, **fields),  # type: ignore[arg-type]
            client=client,
            clock=world.clock,
            prefs=world.prefs,
            journal=world.journal,
            downloader=downloader,
        )
        replies = [reply async for reply in conversation]
        return Run(replies, conversation)

    return run
