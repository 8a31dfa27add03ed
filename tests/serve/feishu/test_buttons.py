"""A failure card's alternatives as buttons: a press is the follow-up the person would type,
answered once however often it is pressed or redelivered; someone else's press does nothing."""

from __future__ import annotations

import asyncio

from skill.sim import SimServer
from tests.serve.conftest import until
from tests.serve.feishu.conftest import FeishuReplicas, finished, outcome
from tests.serve.feishu.fake_open_platform import FakeOpenPlatform, card_action

CREATE = "/open/v1/tasks/create"


async def failed_card(
    bot_posts: FeishuReplicas, platform: FakeOpenPlatform, sim: SimServer
) -> tuple[object, dict, str]:
    bot = await bot_posts()
    sim.sim.inject("resource_failed")
    event = platform.deliver("画一只猫", chat="oc_retry", user="ou_asker")
    assert (await bot.post(event)).status_code == 200
    message_id = event["event"]["message"]["message_id"]
    card = await outcome(platform, message_id)
    return bot, event, card


async def test_the_failure_card_offers_its_alternatives_and_one_press_answers_once(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    bot, event, card = await failed_card(feishu_bots, platform, fast_sim_server)
    assert "❌" in platform.card_text(card)
    buttons = platform.buttons(card)
    labels = [b["text"]["content"] for b in buttons]
    assert labels[0] == "换 Nano Banana Pro 试试"
    assert len(buttons) == 2
    assert buttons[0]["type"] == "primary"
    message_id = event["event"]["message"]["message_id"]

    # Someone else in the chat presses it: a short note, nothing else.
    other = await bot.post(card_action(buttons[0], card=card, chat="oc_retry", operator="ou_x"))
    assert other.status_code == 200
    assert "只给发起这张图的人" in other.json()["toast"]["content"]
    # The person presses it twice, then the other button, and Feishu redelivers a press.
    press = card_action(buttons[0], card=card, chat="oc_retry", operator="ou_asker")
    answers = await asyncio.gather(
        bot.post(press),
        bot.post(card_action(buttons[0], card=card, chat="oc_retry", operator="ou_asker")),
        bot.post(card_action(buttons[1], card=card, chat="oc_retry", operator="ou_asker")),
        bot.post(press),
    )
    assert [a.json() for a in answers] == [{}] * 4
    assert max(bot.answer_times) < 1.0
    # One follow-up, in the thread of the person's first message.
    await until(lambda: len(platform.replies_to(message_id)) == 2)
    follow_up = platform.replies_to(message_id)[1]
    await until(lambda: finished(platform, follow_up))
    await asyncio.sleep(0.3)
    assert len(platform.replies_to(message_id)) == 2
    assert fast_sim_server.sim.stats()["creates"] == 2


async def test_a_press_makes_the_alternative_it_names_with_the_same_prompt(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    bot, event, card = await failed_card(feishu_bots, platform, fast_sim_server)
    (first, _) = platform.buttons(card)
    press = card_action(first, card=card, chat="oc_retry", operator="ou_asker")
    assert (await bot.post(press)).status_code == 200
    message_id = event["event"]["message"]["message_id"]
    await until(lambda: len(platform.replies_to(message_id)) == 2)
    await until(lambda: fast_sim_server.sim.stats()["creates"] == 2)
    second = [r.json for r in fast_sim_server.sim.requests if r.path == CREATE][1]
    assert second["parameters"][0]["model_id"] == "gemini-3-pro-image"
    assert second["parameters"][0]["parameters"]["prompt"] == "一只猫"
