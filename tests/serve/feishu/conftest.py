"""The Feishu bot's replicas on the fake open platform: each a FeishuDoor with its own Session
(the simulator over loopback HTTP, sped up) and its own store on one shared Redis, serving the
webhook on a free loopback port."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill.channels.feishu_api import FeishuApi
from skill.serve import ServeConfig
from skill.serve.feishu.config import FeishuConfig
from skill.serve.feishu.door import FeishuDoor
from skill.serve.feishu.webhook import PATH, webhook_server
from skill.serve.http import HttpServer
from skill.sim import SimServer
from tests.serve.conftest import session_for, until
from tests.serve.feishu.fake_open_platform import (
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FakeOpenPlatform,
    signed,
)

#: Card edits in these tests: as often as Feishu allows (5 a second), to keep them quick.
EDIT_INTERVAL_S = 0.2


def config_for(platform: FakeOpenPlatform) -> FeishuConfig:
    return FeishuConfig(
        app_id=platform.APP_ID,
        app_secret=platform.APP_SECRET,
        verification_token=VERIFICATION_TOKEN,
        encrypt_key=ENCRYPT_KEY,
        base_url=platform.url,
    )


@dataclass
class FeishuReplica:
    door: FeishuDoor
    server: HttpServer
    http: httpx.AsyncClient
    answer_times: list[float] = field(default_factory=list)

    async def post(self, payload: dict[str, Any], **signing: Any) -> httpx.Response:
        """Post one event as Feishu does (encrypted and signed); the answer, timed."""
        body, headers = signed(payload, **signing)
        return await self.post_raw(body, headers)

    async def post_raw(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        began = time.monotonic()
        answer = await self.http.post(f"{self.server.url}{PATH}", content=body, headers=headers)
        self.answer_times.append(time.monotonic() - began)
        return answer

    async def health(self) -> int:
        return (await self.http.get(f"{self.server.url}/healthz")).status_code


FeishuReplicas = Callable[..., Awaitable[FeishuReplica]]


@pytest.fixture
def platform() -> Iterator[FakeOpenPlatform]:
    with FakeOpenPlatform() as fake:
        yield fake
    assert fake.problems == []


@pytest.fixture
async def feishu_bots(
    fast_sim_server: SimServer, redis_url: str, tmp_path: Path, platform: FakeOpenPlatform
) -> AsyncIterator[FeishuReplicas]:
    """``await feishu_bots(config=..., store_url=...)`` starts one more replica."""
    started: list[FeishuReplica] = []

    async def start(
        config: ServeConfig | None = None, store_url: str | None = None
    ) -> FeishuReplica:
        session = session_for(fast_sim_server, store_url or redis_url, tmp_path / "home")
        feishu = config_for(platform)
        api = FeishuApi(
            app_id=feishu.app_id, app_secret=feishu.app_secret, base_url=feishu.base_url
        )
        door = FeishuDoor(session, api, config=config, edit_interval_s=EDIT_INTERVAL_S)
        server = webhook_server(door, feishu)
        await door.start()
        await server.start()
        replica = FeishuReplica(door, server, httpx.AsyncClient(timeout=10))
        started.append(replica)
        return replica

    yield start
    for replica in started:
        await replica.door.stop()
        await replica.server.stop()
        await replica.http.aclose()
        await replica.door.aclose()
        await replica.door.session.aclose()


#: What an outcome shows (the picture's caption, a failure, a refusal, a question).
OUTCOME_MARKS = ("✅", "❌", "⚠️", "What would you like me to draw", "你想让我画点什么")


def finished(platform: FakeOpenPlatform, card: str) -> bool:
    """Whether a card shows an outcome."""
    text = platform.card_text(card)
    return any(mark in text for mark in OUTCOME_MARKS)


async def card_for(platform: FakeOpenPlatform, message_id: str) -> str:
    """The one card that answers a person's message, once it is there."""
    await until(lambda: bool(platform.replies_to(message_id)))
    (card,) = platform.replies_to(message_id)
    return card


async def outcome(platform: FakeOpenPlatform, message_id: str) -> str:
    """The card answering ``message_id``, once it shows the outcome."""
    card = await card_for(platform, message_id)
    await until(lambda: finished(platform, card))
    return card
