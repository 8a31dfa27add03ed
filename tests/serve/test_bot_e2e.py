"""The bot foundation end to end: the fake platform over loopback HTTP, the simulator over
loopback HTTP (sped up), a real Redis shared by the replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from skill.job import JobRequest, resolve
from skill.reasons import Reason
from skill.serve import ServeConfig
from skill.sim import SimServer
from tests.rediskit import RedisServer
from tests.serve.conftest import NB2, PRO, Replicas, until

#: Simulated seconds an NB2 picture takes in these tests (1 s of real time at 200x).
SLOW_TASK_S = 200.0


async def test_at_most_n_generations_run_at_once_and_the_rest_are_told_their_place(
    replicas: Replicas, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, SLOW_TASK_S)
    one = await replicas(ServeConfig(concurrency=2))
    receipts = [
        await one.post(f"ev{i}", f"画一只猫 {i}", chat=f"chat{i}", user=f"u{i}") for i in range(5)
    ]
    assert receipts == ["accepted"] * 5
    assert max(one.answer_times) < 1.0  # every callback answered at once
    cards = [one.platform.card(f"ev{i}") for i in range(5)]
    await until(lambda: all(card.finished for card in cards))
    assert one.bot.queue.peak == 2
    for card in cards:
        assert card.events[-2:] == ["success", "done"], card.events
    # The first two started at once; the others were told their place, counting down.
    assert cards[0].places == cards[1].places == []
    assert [card.places[0] for card in cards[2:]] == [1, 2, 3]
    for card in cards[2:]:
        # Counting down; a place can be skipped when two generations end at the same moment.
        assert card.places == sorted(card.places, reverse=True)
    assert "number 3 in line" in cards[4].queued_texts[0] or "第 3 位" in cards[4].queued_texts[0]
    assert fast_sim_server.sim.stats()["creates"] == 5


async def test_one_person_in_one_chat_gets_one_picture_at_a_time(
    replicas: Replicas, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, SLOW_TASK_S / 2)
    one, two = await replicas(), await replicas()
    assert await one.post("ev1", "画一只猫") == "accepted"
    assert await two.post("ev2", "画一只狗") == "accepted"  # the same chat and person
    first, second = one.platform.card("ev1"), two.platform.card("ev2")
    await until(lambda: first.finished and second.finished)
    assert first.events[-2:] == second.events[-2:] == ["success", "done"]
    # On two replicas, still one after the other: the second started once the first ended.
    assert second.when("ack") > first.when("done")
    assert fast_sim_server.sim.stats()["creates"] == 2


async def test_a_redelivered_event_creates_once_across_two_replicas(
    replicas: Replicas, fast_sim_server: SimServer
) -> None:
    one, two = await replicas(), await replicas()
    receipts = await asyncio.gather(
        one.post("ev-same", "画一只猫", message_id="om-1"),
        two.post("ev-same", "画一只猫", message_id="om-1"),
        one.post("ev-same", "画一只猫", message_id="om-1"),
    )
    assert sorted(receipts) == ["accepted", "duplicate", "duplicate"]
    # The same message under another event id (Feishu redelivers so too) is still known.
    assert await two.post("ev-other", "画一只猫", message_id="om-1") == "duplicate"
    taken = [card for r in (one, two) for cards in r.platform.sinks.values() for card in cards]
    answering = [card for card in taken if card.replies]
    await until(lambda: len(answering) == 1 and answering[0].finished)
    assert answering[0].events[-2:] == ["success", "done"]
    assert all(card.closed for card in taken)
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_the_daily_budget_is_shared_by_the_replicas_and_said_plainly(
    replicas: Replicas, fast_sim_server: SimServer
) -> None:
    probe = await replicas()
    tree = await probe.bot.session.client.product_list("text_to_image")
    price = resolve(JobRequest(prompt="一只猫"), None, tree).credits
    assert price is not None
    config = ServeConfig(budget_user_credits=price, budget_chat_credits=price)
    one, two = await replicas(config), await replicas(config)
    assert await one.post("ev1", "画一只猫", chat="c1", user="u1") == "accepted"
    await until(lambda: one.platform.card("ev1").finished)
    assert one.platform.card("ev1").events[-2:] == ["success", "done"]
    # The same person in another chat, on the other replica: their day's budget is spent.
    assert await two.post("ev2", "画一只狗", chat="c2", user="u1") == "accepted"
    # Someone else in the first chat: that chat's budget is spent.
    assert await two.post("ev3", "draw a dog", chat="c1", user="u2") == "accepted"
    # Someone else elsewhere: free to go.
    assert await two.post("ev4", "画一只鸟", chat="c3", user="u3") == "accepted"
    cards = [two.platform.card(e) for e in ("ev2", "ev3", "ev4")]
    await until(lambda: all(card.finished for card in cards))
    for card, lang_word in ((cards[0], "额度"), (cards[1], "budget")):
        failure = card.one("failure")
        assert failure.reason == Reason.BUDGET_REACHED
        assert failure.text is not None
        assert lang_word in failure.text
        assert "start" not in card.events
    assert cards[2].events[-2:] == ["success", "done"]
    assert fast_sim_server.sim.stats()["creates"] == 2


async def test_credits_of_a_picture_the_service_refused_are_given_back(
    replicas: Replicas, fast_sim_server: SimServer
) -> None:
    probe = await replicas()
    tree = await probe.bot.session.client.product_list("text_to_image")
    price = resolve(JobRequest(prompt="一只猫"), None, tree).credits
    assert price is not None
    one = await replicas(ServeConfig(budget_user_credits=price))
    fast_sim_server.sim.inject("insufficient_points", endpoint="create")
    assert await one.post("ev1", "画一只猫") == "accepted"
    await until(lambda: one.platform.card("ev1").finished)
    assert one.platform.card("ev1").one("failure").reason == Reason.INSUFFICIENT_POINTS
    assert await one.post("ev2", "画一只猫") == "accepted"
    await until(lambda: one.platform.card("ev2").finished)
    assert one.platform.card("ev2").events[-2:] == ["success", "done"]


async def test_redis_gone_mid_run_says_busy_creates_nothing_and_the_bot_keeps_serving(
    replicas: Replicas, fast_sim_server: SimServer, redis_factory: Callable[[], RedisServer]
) -> None:
    fast_sim_server.sim.set_duration(NB2, SLOW_TASK_S)
    redis = redis_factory()
    one = await replicas(store_url=redis.url)
    assert await one.post("ev1", "画一只猫") == "accepted"
    first = one.platform.card("ev1")
    await until(lambda: "start" in first.events)
    redis.kill()
    # A new message while the store is gone: told plainly, nothing created.
    assert await one.post("ev2", "draw a dog", chat="c2", user="u2") == "busy"
    busy = one.platform.card("ev2")
    await until(lambda: busy.finished)
    assert busy.events == ["failure", "done"]
    assert busy.replies[0].reason == Reason.SERVICE_BUSY
    assert busy.replies[0].text is not None
    assert "busy" in busy.replies[0].text
    # The picture already made still arrives; the bot still answers.
    await until(lambda: first.finished)
    assert first.events[-2:] == ["success", "done"]
    assert await one.health() == 200
    assert fast_sim_server.sim.stats()["creates"] == 1
    # The store is back: the next message is served as usual.
    redis.start()
    assert await one.post("ev3", "画一只鸟", chat="c3", user="u3") == "accepted"
    third = one.platform.card("ev3")
    await until(lambda: third.finished)
    assert third.events[-2:] == ["success", "done"]
    assert fast_sim_server.sim.stats()["creates"] == 2


async def test_healthz_says_ready_then_stopping(replicas: Replicas) -> None:
    one = await replicas()
    assert await one.health() == 200
    await one.bot.stop()
    assert await one.health() == 503
    assert await one.post("ev1", "画一只猫") == "closed"


async def test_two_yeses_at_once_after_a_failure_make_one_retry_across_replicas(
    replicas: Replicas, fast_sim_server: SimServer
) -> None:
    one, two = await replicas(), await replicas()
    fast_sim_server.sim.inject("resource_failed")
    assert await one.post("ev1", "画一只猫") == "accepted"
    failed = one.platform.card("ev1")
    await until(lambda: failed.finished)
    assert failed.one("failure").reason is not None
    fast_sim_server.sim.set_duration(NB2, SLOW_TASK_S)
    fast_sim_server.sim.set_duration(PRO, SLOW_TASK_S)
    receipts = await asyncio.gather(one.post("ev2", "好的"), two.post("ev3", "好的"))
    assert receipts == ["accepted", "accepted"]
    cards = [one.platform.card("ev2"), two.platform.card("ev3")]
    await until(lambda: all(card.finished for card in cards))
    made = [card for card in cards if "success" in card.events]
    told = [card for card in cards if "success" not in card.events]
    assert len(made) == len(told) == 1
    assert made[0].one("start").model == "Nano Banana Pro"  # the alternative that was offered
    assert "上一张还在画" in (told[0].one("ack").text or "")
    assert "start" not in told[0].events
    assert fast_sim_server.sim.stats()["creates"] == 2  # the failed one and one retry
