"""The Feishu bot end to end over its webhook: signed, encrypted events posted to POST
/feishu/events on loopback, the fake open platform, the simulator, a real Redis."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

import httpx

from skill.serve.feishu.webhook import PATH
from skill.sim import SimServer
from tests.serve.conftest import NB2, until
from tests.serve.feishu.conftest import FeishuReplicas, card_for, outcome
from tests.serve.feishu.fake_open_platform import FakeOpenPlatform, signed, url_verification

CREATE = "/open/v1/tasks/create"


def prompts(sim: SimServer) -> list[str]:
    return [
        r.json["parameters"][0]["parameters"]["prompt"]
        for r in sim.sim.requests
        if r.path == CREATE
    ]


async def test_a_private_message_gets_one_card_in_its_thread_edited_to_the_picture(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, 200.0)  # a second of real time: progress to show
    bot = await feishu_bots()
    event = platform.deliver("画一只戴墨镜的柴犬")
    answer = await bot.post(event)
    assert answer.status_code == 200
    assert answer.json() == {}
    assert bot.answer_times[-1] < 1.0
    message_id = event["event"]["message"]["message_id"]
    card = await outcome(platform, message_id)
    text = platform.card_text(card)
    assert "✅" in text
    assert text.startswith("好的")  # the acknowledgement stays on the card, above the outcome
    # The picture is uploaded and shown in the card itself.
    assert platform.card_image(card) is not None
    assert platform.image_messages() == []
    # One card, edited in place (start, progress, outcome), never more than 5 edits a second.
    assert platform.replies_to(message_id) == [card]
    edits = platform.messages[card]["edits"]
    assert len(edits) >= 3  # the start notice, progress, the outcome
    assert "⏳" in str(platform.of("PATCH", card)[1].json)  # progress was shown on the way
    assert all(later - first >= 1.0 for first, later in zip(edits, edits[5:], strict=False))
    assert prompts(fast_sim_server) == ["一只戴墨镜的柴犬"]


async def test_the_url_check_is_answered_and_a_wrong_token_refused(
    feishu_bots: FeishuReplicas,
) -> None:
    bot = await feishu_bots()
    check = url_verification()
    answer = await bot.post(check, sign=False)  # Feishu does not sign the URL check
    assert answer.status_code == 200
    assert answer.json() == {"challenge": check["challenge"]}
    refused = await bot.post(url_verification(token="another-apps-token"), sign=False)
    assert refused.status_code == 401


async def test_unsigned_forged_stale_and_malformed_requests_get_4xx_and_do_nothing(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    bot = await feishu_bots()
    event = platform.deliver("画一只猫")
    body, headers = signed(event)
    forged = {**headers, "X-Lark-Signature": "0" * 64}
    attempts = [
        ((await bot.post(event, sign=False)).status_code, "unsigned"),
        ((await bot.post_raw(body, forged)).status_code, "forged"),
        ((await bot.post_raw(body + b" ", headers)).status_code, "body changed after signing"),
        ((await bot.post(event, timestamp=0)).status_code, "stale"),
        ((await bot.post(event, key="another-key-entirely")).status_code, "another app's key"),
        ((await bot.post_raw(b"not json", {})).status_code, "not JSON"),
        ((await bot.post_raw(b'{"encrypt": "%%%"}', {})).status_code, "not base64"),
        ((await bot.post_raw(b'{"schema": "2.0"}', {})).status_code, "not encrypted"),
    ]
    wrong_token = {**event, "header": {**event["header"], "token": "another-apps-token"}}
    attempts.append(((await bot.post(wrong_token)).status_code, "wrong token"))
    headless = {"schema": "2.0", "event": event["event"]}
    attempts.append(((await bot.post(headless)).status_code, "no header"))
    for status, what in attempts:
        assert 400 <= status < 500, what
    await asyncio.sleep(0.3)
    assert platform.cards() == []
    assert fast_sim_server.sim.stats()["creates"] == 0
    # The same event, properly sent, is still taken: nothing was spent on the refused ones.
    assert (await bot.post(event)).status_code == 200
    await outcome(platform, event["event"]["message"]["message_id"])


async def test_the_callback_is_answered_while_the_bots_loop_is_held_busy(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    """A burst of events comes when the generations keep the bot's loop busiest: the webhook
    answers from a thread of its own, so Feishu's second does not wait for that loop."""
    bot = await feishu_bots()
    event = platform.deliver("画一只猫")
    body, headers = signed(event)
    answered: Future[httpx.Response] = Future()

    def post() -> None:  # Feishu, from outside the bot's loop
        try:
            answered.set_result(
                httpx.post(f"{bot.server.url}{PATH}", content=body, headers=headers, timeout=10)
            )
        except httpx.HTTPError as exc:
            answered.set_exception(exc)

    threading.Thread(target=post, daemon=True).start()
    # This blocks the bot's loop (the test's own) until the answer is in: served on that loop,
    # the callback could not be answered at all, and this would time out.
    answer = answered.result(timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {}
    # The work was scheduled, not done, by the answer: it goes on once the loop is free.
    assert "✅" in platform.card_text(
        await outcome(platform, event["event"]["message"]["message_id"])
    )


async def test_a_redelivered_event_creates_once(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    bot = await feishu_bots()
    event = platform.deliver("画一只猫")
    message_id = event["event"]["message"]["message_id"]
    again = {**event, "header": {**event["header"], "event_id": "ev_redelivered_other_id"}}
    answers = await asyncio.gather(bot.post(event), bot.post(event), bot.post(again))
    assert [a.status_code for a in answers] == [200, 200, 200]
    await outcome(platform, message_id)
    await asyncio.sleep(0.3)
    assert len(platform.replies_to(message_id)) == 1
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_in_a_group_only_a_mention_is_answered_and_the_mention_left_out(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    bot = await feishu_bots()
    chatter = platform.deliver("画一只猫 lol", chat="oc_group", chat_type="group")
    asked = platform.deliver("画一只熊猫", chat="oc_group", chat_type="group", mention_bot=True)
    assert (await bot.post(chatter)).status_code == 200
    assert (await bot.post(asked)).status_code == 200
    await outcome(platform, asked["event"]["message"]["message_id"])
    assert platform.replies_to(chatter["event"]["message"]["message_id"]) == []
    assert prompts(fast_sim_server) == ["一只熊猫"]


async def test_pictures_in_a_post_or_sent_alone_are_the_image_to_image_input(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    from tests.channels.fake_platforms import PNG

    bot = await feishu_bots()
    photo = PNG + b"\x00" * 64  # a picture of the person's own (sniffed as PNG)
    post = platform.deliver("改成水彩风格", images=(photo,), chat="oc_a")
    assert (await bot.post(post)).status_code == 200
    await outcome(platform, post["event"]["message"]["message_id"])
    # A picture alone, then the words in the next message.
    alone = platform.deliver(images=(photo + b"\x01",), kind="image", chat="oc_b")
    assert (await bot.post(alone)).status_code == 200
    first = await outcome(platform, alone["event"]["message"]["message_id"])
    assert fast_sim_server.sim.stats()["creates"] == 1  # nothing made of a picture alone
    assert platform.buttons(first) == []
    words = platform.deliver("改成油画风格", chat="oc_b")
    assert (await bot.post(words)).status_code == 200
    await outcome(platform, words["event"]["message"]["message_id"])
    creates = [r.json for r in fast_sim_server.sim.requests if r.path == CREATE]
    assert [c["task_type"] for c in creates] == ["image_to_image", "image_to_image"]
    uploaded = list(fast_sim_server.sim.uploads.values())
    assert uploaded == [photo, photo + b"\x01"]  # the downloaded pictures, byte for byte


async def test_the_place_in_line_is_shown_on_the_card(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    from skill.serve import ServeConfig

    fast_sim_server.sim.set_duration(NB2, 200.0)
    bot = await feishu_bots(ServeConfig(concurrency=1))
    first = platform.deliver("画一只猫", chat="oc_1", user="ou_1")
    second = platform.deliver("draw a dog", chat="oc_2", user="ou_2")
    await bot.post(first)
    await until(lambda: bool(platform.replies_to(first["event"]["message"]["message_id"])))
    await bot.post(second)
    waiting = await card_for(platform, second["event"]["message"]["message_id"])
    assert "next in line" in platform.card_text(waiting)
    await outcome(platform, second["event"]["message"]["message_id"])
    assert "next in line" not in platform.card_text(waiting)
