"""Feishu calls whose connection fails, over real loopback HTTP against the fake open platform:
dropped before Feishu did anything, or after it did and only the answer was lost. Each call is
tried again, a short wait between; a send keeps its uuid, so it is never posted twice."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest

from skill.channels._http import ChannelError, Picture
from skill.channels.feishu import plain_card
from skill.channels.feishu_api import TRANSPORT_ATTEMPTS, FeishuApi
from skill.clock import FakeClock
from skill.serve.feishu.card import card as picture_card
from skill.sim import SimServer
from tests.channels.fake_platforms import PNG
from tests.rediskit import free_port
from tests.serve.conftest import NB2
from tests.serve.feishu.conftest import FeishuReplicas, outcome
from tests.serve.feishu.fake_open_platform import FakeOpenPlatform

CHAT = "oc_lossy"
#: The waits between attempts: about 0.25 s, then 0.5 s, never nothing, never long.
SHORTEST_WAIT_S, LONGEST_WAIT_S = 0.1, 0.5


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(platform: FakeOpenPlatform, clock: FakeClock) -> AsyncIterator[FeishuApi]:
    made = FeishuApi(
        app_id=platform.APP_ID, app_secret=platform.APP_SECRET, base_url=platform.url, clock=clock
    )
    yield made
    await made.aclose()


def waited_briefly(clock: FakeClock, times: int) -> bool:
    return len(clock.sleeps) == times and all(
        SHORTEST_WAIT_S <= s <= LONGEST_WAIT_S for s in clock.sleeps
    )


@pytest.mark.parametrize(
    ("processed", "reset"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["closed-unread", "reset-unread", "closed-after-the-edit", "reset-after-the-edit"],
)
async def test_an_edit_whose_connection_drops_once_is_tried_again_and_lands(
    api: FeishuApi,
    platform: FakeOpenPlatform,
    clock: FakeClock,
    processed: bool,
    reset: bool,
) -> None:
    card = await api.send_message(CHAT, "interactive", plain_card("⏳ 37%"))
    platform.drop("PATCH", card, processed=processed, reset=reset)
    await api.update_card(card, plain_card("✅ done"))
    lost, landed = platform.of("PATCH", card)
    assert (lost.dropped, landed.dropped) == (True, False)
    assert platform.card_text(card) == "✅ done"
    assert waited_briefly(clock, 1)


async def test_an_upload_whose_answer_is_lost_is_tried_again_for_a_key_that_works(
    api: FeishuApi, platform: FakeOpenPlatform, clock: FakeClock
) -> None:
    platform.drop("POST", "/im/v1/images", processed=True)
    key = await api.upload_image(Picture("cat.png", "image/png", PNG))
    assert [c.dropped for c in platform.of("POST", "/im/v1/images")] == [True, False]
    assert platform.images[key] == PNG  # another key than the lost one: harmless
    card = await api.send_message(CHAT, "interactive", plain_card("✅"))
    await api.update_card(card, picture_card("✅", image_key=key))
    assert platform.card_image(card) == PNG
    assert waited_briefly(clock, 1)


@pytest.mark.parametrize("how", ["reply", "send"])
async def test_a_message_whose_answer_is_lost_is_sent_again_with_its_uuid_and_posted_once(
    api: FeishuApi, platform: FakeOpenPlatform, clock: FakeClock, how: str
) -> None:
    person = platform.deliver("画一只猫", chat=CHAT)["event"]["message"]["message_id"]
    path = f"/{person}/reply" if how == "reply" else "/open-apis/im/v1/messages"
    platform.drop("POST", path, processed=True)
    if how == "reply":
        sent = await api.reply_message(person, "interactive", plain_card("好的"), chat_id=CHAT)
    else:
        sent = await api.send_message(CHAT, "interactive", plain_card("好的"))
    lost, again = platform.of("POST", path)
    assert (lost.dropped, lost.status, again.dropped) == (True, 200, False)
    assert json.loads(lost.body)["uuid"] == json.loads(again.body)["uuid"]
    # Feishu made the message the first time; the second request is answered with it.
    assert platform.cards() == [sent]
    assert waited_briefly(clock, 1)


async def test_the_token_and_a_download_are_tried_again_too(
    api: FeishuApi, platform: FakeOpenPlatform, clock: FakeClock
) -> None:
    event = platform.deliver("改成水彩", chat=CHAT, images=(PNG,))
    message = event["event"]["message"]
    key = json.loads(message["content"])["content"][1][0]["image_key"]
    platform.drop("POST", "/tenant_access_token/", reset=True)
    platform.drop("GET", "/resources/", processed=True)
    assert await api.download_resource(message["message_id"], key, max_bytes=1024) == PNG
    assert [c.dropped for c in platform.of("POST", "/tenant_access_token/")] == [True, False]
    assert [c.dropped for c in platform.of("GET", "/resources/")] == [True, False]
    assert waited_briefly(clock, 2)


@pytest.mark.parametrize("where", ["drops every answer", "nobody listens"])
async def test_a_call_failing_every_time_gives_up_after_its_attempts_and_tells_no_secret(
    platform: FakeOpenPlatform,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    where: str,
) -> None:
    caplog.set_level(logging.DEBUG)  # no redactor: what is logged must be clean as it is
    listening = where == "drops every answer"
    api = FeishuApi(
        app_id=platform.APP_ID,
        app_secret=platform.APP_SECRET,
        base_url=platform.url if listening else f"http://127.0.0.1:{free_port()}",
        clock=clock,
    )
    try:
        if listening:
            card = await api.send_message(CHAT, "interactive", plain_card("⏳"))
            platform.drop("PATCH", card, times=TRANSPORT_ATTEMPTS)
        else:
            card = "om_never_sent"  # the token is the call that fails
        with pytest.raises(ChannelError) as info:
            await api.update_card(card, plain_card("✅"))
    finally:
        await api.aclose()
    expected = "RemoteProtocolError" if listening else "ConnectError"
    assert str(info.value) == f"Feishu unreachable: {expected}"
    assert waited_briefly(clock, TRANSPORT_ATTEMPTS - 1)
    if listening:
        assert [c.dropped for c in platform.of("PATCH", card)] == [True] * TRANSPORT_ATTEMPTS
    tokens = {
        c.headers["authorization"][7:] for c in platform.calls if "authorization" in c.headers
    }
    for secret in {platform.APP_SECRET, *tokens}:
        assert secret not in str(info.value)
        assert secret not in caplog.text
    assert "again in" in caplog.text  # the retries are logged, and nothing secret with them


async def test_a_conversation_whose_edit_and_upload_drop_once_ends_with_the_picture(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, 200.0)  # a second of real time: edits to make
    bot = await feishu_bots()
    platform.drop("PATCH", "/open-apis/im/v1/messages/")
    platform.drop("POST", "/im/v1/images", processed=True)
    event = platform.deliver("画一只戴墨镜的柴犬")
    assert (await bot.post(event)).status_code == 200
    card = await outcome(platform, event["event"]["message"]["message_id"])
    assert "✅" in platform.card_text(card)
    assert platform.card_image(card) is not None
    assert any(c.dropped for c in platform.of("PATCH", card))
    assert any(c.dropped for c in platform.of("POST", "/im/v1/images"))
    assert platform.image_messages() == []  # the card took the picture: no fallback message
