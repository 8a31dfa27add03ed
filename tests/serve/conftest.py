"""Replicas of a bot on the fake platform: each its own Session (the simulator over loopback
HTTP, sped up), its own store on one shared Redis, its own HTTP server on a free port."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill import catalog
from skill.serve import Bot, ServeConfig
from skill.serve.http import HttpServer, make_app
from skill.session import Session
from skill.settings import Access, Endpoints
from skill.sim import SimServer
from tests.serve.fakeplatform import FakePlatform

NB2 = "gemini-3.1-flash-image"
PRO = catalog.PREMIUM_MODEL_ID
#: A key the simulator accepts (as tests/conftest.py's SIM_TEST_KEY).
SIM_TEST_KEY = "ima_test_key_123"
#: How long a test waits for the conversations it started (real seconds).
WAIT_S = 30.0


@dataclass
class Replica:
    bot: Bot
    server: HttpServer
    platform: FakePlatform
    http: httpx.AsyncClient
    answer_times: list[float] = field(default_factory=list)

    async def post(self, event_id: str, text: str, **fields: Any) -> str:
        """Deliver one event as the platform would; the receipt. Its answer time is kept."""
        body = {"event_id": event_id, "chat": "c1", "user": "u1", "text": text, **fields}
        began = time.monotonic()
        answer = await self.http.post(f"{self.server.url}/fake/events", json=body)
        self.answer_times.append(time.monotonic() - began)
        answer.raise_for_status()
        return str(answer.json()["receipt"])

    async def health(self) -> int:
        return (await self.http.get(f"{self.server.url}/healthz")).status_code


Replicas = Callable[..., Awaitable[Replica]]


def session_for(sim_server: SimServer, store_url: str, home: Path) -> Session:
    env = {
        "HOME": str(home),
        "IMA_STORE_URL": store_url,
        "IMA_TIME_SCALE": f"{sim_server.sim.speed:g}",
    }
    access = Access(SIM_TEST_KEY, Endpoints(sim_server.url, sim_server.url))
    return Session.open(access, env=env)


@pytest.fixture
async def replicas(
    fast_sim_server: SimServer, redis_url: str, tmp_path: Path
) -> AsyncIterator[Replicas]:
    """``await replicas(config=..., store_url=...)`` starts one more replica of the bot."""
    started: list[Replica] = []

    async def start(config: ServeConfig | None = None, store_url: str | None = None) -> Replica:
        session = session_for(fast_sim_server, store_url or redis_url, tmp_path / "home")
        platform = FakePlatform()
        bot = Bot(
            session,
            namespace="fake",
            config=config or ServeConfig(),
            resume_sink=platform.resume_sink,
        )
        server = HttpServer(make_app(bot, platform.routes(bot)))
        await bot.start()
        await server.start()
        replica = Replica(bot, server, platform, httpx.AsyncClient(timeout=10))
        started.append(replica)
        return replica

    yield start
    for replica in started:
        await replica.bot.stop()
        await replica.server.stop()
        await replica.http.aclose()
        await replica.bot.session.aclose()


async def until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Wait (real time) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
