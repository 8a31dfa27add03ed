"""Replicas of the Discord bot: each its own Session (the simulator, sped up), its own store on
one shared Redis and its own endpoint on a free port, all talking to one fake Discord."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill.serve import ServeConfig
from skill.serve.discord.config import DiscordConfig
from skill.serve.discord.door import PATH, DiscordDoor
from skill.serve.discord.rest import DiscordRest
from skill.serve.http import HttpServer, make_app
from skill.sim import SimServer
from tests.serve.conftest import session_for
from tests.serve.discord.fakediscord import FakeDiscordApi

#: How long a test waits for what it started (real seconds).
WAIT_S = 30.0
#: Edits as often as Discord allows in these tests (they run at the simulator's speed).
TEST_EDIT_INTERVAL_S = 0.2


@dataclass
class Replica:
    door: DiscordDoor
    server: HttpServer
    http: httpx.AsyncClient

    async def deliver(self, fake: FakeDiscordApi, payload: dict[str, Any]) -> httpx.Response:
        """Post ``payload`` signed, as Discord would (its 3 s start now)."""
        body = json.dumps(payload).encode()
        fake.delivered(payload)
        return await self.http.post(
            f"{self.server.url}{PATH}", content=body, headers=fake.signed(body)
        )

    def idle(self) -> bool:
        """Nothing is being handed over, run or waiting: every conversation has ended."""
        queue = self.door.bot.queue
        return not self.door._tasks and queue.running == 0 and queue.waiting == 0


Replicas = Callable[..., Awaitable[Replica]]


@pytest.fixture
def discord_api() -> Iterator[FakeDiscordApi]:
    with FakeDiscordApi() as fake:
        yield fake


def discord_config(fake: FakeDiscordApi, **changes: Any) -> DiscordConfig:
    config = DiscordConfig.from_env(
        {
            "DISCORD_APPLICATION_ID": fake.APPLICATION_ID,
            "DISCORD_PUBLIC_KEY": fake.public_key,
            "DISCORD_BOT_TOKEN": fake.BOT_TOKEN,
            "DISCORD_API_BASE_URL": fake.api_base_url,
        }
    )
    return replace(config, min_edit_interval_s=TEST_EDIT_INTERVAL_S, **changes)


@pytest.fixture
async def discord_replicas(
    fast_sim_server: SimServer, redis_url: str, tmp_path: Path, discord_api: FakeDiscordApi
) -> AsyncIterator[Replicas]:
    """``await discord_replicas(**config_changes)`` starts one more replica of the bot."""
    started: list[Replica] = []

    async def start(serve: ServeConfig | None = None, **changes: Any) -> Replica:
        session = session_for(fast_sim_server, redis_url, tmp_path / "home")
        config = discord_config(discord_api, **changes)
        rest = DiscordRest(config, httpx.AsyncClient(timeout=10))
        door = DiscordDoor(session, rest, config, serve_config=serve or ServeConfig())
        server = HttpServer(make_app(door.bot, door.routes()))
        await door.bot.start()
        await server.start()
        replica = Replica(door, server, httpx.AsyncClient(timeout=10))
        started.append(replica)
        return replica

    yield start
    for replica in started:
        await replica.door.bot.stop()
        await replica.door.aclose()
        await replica.server.stop()
        await replica.http.aclose()
        await replica.door.rest.http.aclose()
        await replica.door.bot.session.aclose()


async def until(condition: Callable[[], object], timeout_s: float = WAIT_S) -> None:
    """Wait (real time) until ``condition()`` holds."""
    import asyncio

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
