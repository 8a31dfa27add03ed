"""The card of one conversation against the fake open platform, event by event: the picture
over the image limit sent as a file, rate limits honoured, Feishu failing never ending the
conversation, five messages a second to one chat at most."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest

from skill.channels.feishu import plain_card
from skill.channels.feishu_api import FeishuApi
from skill.events import Reply
from skill.render import Renderer
from skill.serve.feishu.sink import FeishuSink
from tests.channels.fake_platforms import (
    ACK,
    DONE,
    PNG,
    START,
    Scripted,
    progress,
    rate_limited_feishu,
    success,
)
from tests.serve.feishu.fake_open_platform import FakeOpenPlatform


@pytest.fixture
async def api(platform: FakeOpenPlatform) -> AsyncIterator[FeishuApi]:
    made = FeishuApi(app_id=platform.APP_ID, app_secret=platform.APP_SECRET, base_url=platform.url)
    yield made
    await made.aclose()


def sink_for(api: FeishuApi, platform: FakeOpenPlatform) -> tuple[FeishuSink, str]:
    event = platform.deliver("画一只猫", chat="oc_sink")
    message_id = event["event"]["message"]["message_id"]
    sink = FeishuSink(
        api, Renderer(), chat_id="oc_sink", user_id="ou_1", reply_to=message_id, edit_interval_s=0
    )
    return sink, message_id


async def test_a_picture_over_the_image_limit_is_sent_as_a_file_and_its_link_kept(
    api: FeishuApi, platform: FakeOpenPlatform
) -> None:
    platform.media_bytes = PNG + b"\x00" * (11 * 1024 * 1024)
    sink, message_id = sink_for(api, platform)
    media = f"{platform.url}/media/big.png"
    for reply in (ACK, START, success(media), DONE):
        await sink.send(reply)
    await sink.aclose()
    (card,) = platform.replies_to(message_id)
    assert media in platform.card_text(card)
    assert platform.card_image(card) is None  # too large for an image
    (file_message,) = platform.replies_to(message_id, "file")
    key = json.loads(platform.messages[file_message]["content"])["file_key"]
    assert platform.files[key] == platform.media_bytes
    assert platform.images == {}


async def test_a_rate_limited_reply_waits_as_told_and_is_sent(
    api: FeishuApi, platform: FakeOpenPlatform
) -> None:
    platform.script(rate_limited_feishu("/reply", "POST", reset_s=0.3))
    sink, message_id = sink_for(api, platform)
    began = time.monotonic()
    await sink.send(ACK)
    assert time.monotonic() - began >= 0.3
    assert len(platform.replies_to(message_id)) == 1


async def test_a_card_feishu_refuses_is_posted_with_the_next_event_and_nothing_stops(
    api: FeishuApi, platform: FakeOpenPlatform
) -> None:
    platform.script(Scripted("POST", "/reply", 400, {"code": 230099, "msg": "try later"}))
    sink, message_id = sink_for(api, platform)
    await sink.send(ACK)  # refused: logged, no exception
    assert platform.replies_to(message_id) == []
    await sink.send(START)
    await sink.send(progress(40, 12))
    (card,) = platform.replies_to(message_id)
    assert "40%" in platform.card_text(card)


async def test_at_most_five_messages_a_second_go_to_one_chat(
    api: FeishuApi, platform: FakeOpenPlatform
) -> None:
    for n in range(7):
        await api.send_message("oc_busy", "interactive", plain_card(str(n)))
    await api.send_message("oc_quiet", "interactive", plain_card("elsewhere"))
    sends = [
        c
        for c in platform.of("POST", "/open-apis/im/v1/messages")
        if c.json["receive_id"] == "oc_busy"
    ]
    assert len(sends) == 7
    assert sends[5].at - sends[0].at >= 0.95  # the sixth waited for the window
    assert sends[4].at - sends[0].at < 0.9  # the first five went at once


async def test_a_queued_card_shows_the_place_then_the_conversation(
    api: FeishuApi, platform: FakeOpenPlatform
) -> None:
    sink, message_id = sink_for(api, platform)
    await sink.queued("⏳ You're number 2 in line", 2)
    await sink.queued("⏳ You're next in line", 1)
    await sink.send(Reply("ack", text="OK! Drawing a cat 🐱", lang="en"))
    (card,) = platform.replies_to(message_id)
    assert platform.card_text(card) == "OK! Drawing a cat 🐱"
    assert len(platform.messages[card]["edits"]) == 2
