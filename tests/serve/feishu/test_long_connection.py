"""The default mode, through lark-oapi itself: its event dispatcher reading an encrypted,
signed event into the bot's handlers, and its WebSocket client on a long connection to a
fake Feishu endpoint on loopback, each event answered at once."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from skill.serve.feishu.longconn import LongConnection, event_handler
from skill.sim import SimServer
from tests.serve.conftest import until
from tests.serve.feishu.conftest import FeishuReplicas, config_for, outcome
from tests.serve.feishu.fake_open_platform import (
    FakeLongConnection,
    FakeOpenPlatform,
    card_action,
    signed,
)


@pytest.fixture
def far_end(platform: FakeOpenPlatform) -> Iterator[FakeLongConnection]:
    with FakeLongConnection() as fake:
        platform.ws_url = fake.url
        yield fake


async def test_the_sdks_dispatcher_reads_an_encrypted_event_into_the_bot(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    from lark_oapi.core.model import RawRequest

    bot = await feishu_bots()
    handler = event_handler(bot.door, config_for(platform))
    event = platform.deliver("画一只猫")
    body, headers = signed(event)
    request = RawRequest()
    request.uri, request.body, request.headers = "/feishu/events", body, headers
    answer = handler.do(request)
    assert answer.status_code == 200, answer.content
    card = await outcome(platform, event["event"]["message"]["message_id"])
    assert "✅" in platform.card_text(card)
    # The same dispatcher refuses a forged one before any handler runs.
    forged = RawRequest()
    forged.uri, forged.body = "/feishu/events", body
    forged.headers = {**headers, "X-Lark-Signature": "0" * 64}
    assert handler.do(forged).status_code != 200
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_the_long_connection_takes_events_and_answers_each_at_once(
    feishu_bots: FeishuReplicas,
    platform: FakeOpenPlatform,
    far_end: FakeLongConnection,
    fast_sim_server: SimServer,
) -> None:
    bot = await feishu_bots()
    connection = LongConnection(bot.door, config_for(platform))
    await connection.start()
    try:
        await until(lambda: far_end.connections == 1)
        (endpoint,) = platform.of("POST", "/callback/ws/endpoint")
        assert endpoint.json["AppID"] == platform.APP_ID
        event = platform.deliver("画一只猫")
        answer, took = far_end.push(event)
        assert answer["code"] == 200
        assert took < 1.0
        # Feishu resends an event it thinks unanswered: still one picture.
        again, _ = far_end.push(event)
        assert again["code"] == 200
        card = await outcome(platform, event["event"]["message"]["message_id"])
        assert "✅" in platform.card_text(card)
        # A card action's answer (a toast for someone else's press) goes back down the line.
        button = {"value": {"ima": "choose", "choice": 1, "user": "ou_asker", "lang": "en"}}
        pressed, _ = far_end.push(card_action(button, card=card, chat="oc_x", operator="ou_x"))
        toast = json.loads(base64.b64decode(pressed["data"]))["toast"]["content"]
        assert toast == "This button is for the person who asked for the picture."
    finally:
        await connection.stop()
    await until(lambda: far_end.connections == 0)
    assert fast_sim_server.sim.stats()["creates"] == 1
