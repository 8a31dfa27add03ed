"""Replicas of the Feishu bot on one Redis: an event delivered to two creates once; Redis gone
is a plain "busy" card and nothing created; a replica stopped (SIGTERM) or killed mid-task
leaves its job to another, which delivers it on the same card without a second create. The
secrets never show: not in the process's output, its log, nor any card."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from skill.serve import ServeConfig
from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.rediskit import RedisServer
from tests.serve.conftest import NB2, SIM_TEST_KEY, until
from tests.serve.feishu.conftest import FeishuReplicas, card_for, finished, outcome
from tests.serve.feishu.fake_open_platform import (
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FakeOpenPlatform,
    signed,
)

ROOT = Path(__file__).resolve().parents[3]
#: The stopping replica's bound from SIGTERM to exit, and the margin a loaded machine gets.
STOP_S = 4
MARGIN_S = 3.0
SPEED = 50.0
#: Simulated seconds the picture takes: 4 s of real time at SPEED, outliving the stop.
SLOW_S = 200.0


async def test_the_same_event_delivered_to_two_replicas_creates_once(
    feishu_bots: FeishuReplicas, platform: FakeOpenPlatform, fast_sim_server: SimServer
) -> None:
    one, two = await feishu_bots(), await feishu_bots()
    event = platform.deliver("画一只猫")
    answers = await asyncio.gather(one.post(event), two.post(event), one.post(event))
    assert [a.status_code for a in answers] == [200] * 3
    await outcome(platform, event["event"]["message"]["message_id"])
    await asyncio.sleep(0.3)
    assert len(platform.cards()) == 1
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_redis_unreachable_is_a_busy_card_nothing_created_and_the_bot_goes_on(
    feishu_bots: FeishuReplicas,
    platform: FakeOpenPlatform,
    fast_sim_server: SimServer,
    redis_factory: Callable[[], RedisServer],
) -> None:
    redis = redis_factory()
    bot = await feishu_bots(store_url=redis.url)
    redis.kill()
    event = platform.deliver("画一只猫")
    assert (await bot.post(event)).status_code == 200
    card = await outcome(platform, event["event"]["message"]["message_id"])
    assert "服务现在有点忙" in platform.card_text(card)
    assert platform.buttons(card) == []
    assert fast_sim_server.sim.stats()["creates"] == 0
    assert await bot.health() == 200
    redis.start()
    again = platform.deliver("画一只狗")
    assert (await bot.post(again)).status_code == 200
    card = await outcome(platform, again["event"]["message"]["message_id"])
    assert "✅" in platform.card_text(card)
    assert fast_sim_server.sim.stats()["creates"] == 1


def start_replica(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "skill", "serve", "feishu", "--webhook", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"(http://\S+/feishu/events)", line)
    assert found, line + (process.stderr.read() if process.stderr else "")
    return process, found.group(1)


def replica_env(
    sim_env: SimEnv, sim: SimServer, platform: FakeOpenPlatform, redis_url: str
) -> dict[str, str]:
    return sim_env(
        sim,
        IMA_STORE_URL=redis_url,
        IMA_SERVE_STOP_S=str(STOP_S),
        FEISHU_APP_ID=platform.APP_ID,
        FEISHU_APP_SECRET=platform.APP_SECRET,
        FEISHU_VERIFICATION_TOKEN=VERIFICATION_TOKEN,
        FEISHU_ENCRYPT_KEY=ENCRYPT_KEY,
        FEISHU_BASE_URL=platform.url,
    )


def read_logs(home: Path) -> str:
    return "".join(p.read_text("utf-8") for p in home.rglob("*.log"))


async def post(url: str, event: dict) -> int:
    body, headers = signed(event)
    async with httpx.AsyncClient(timeout=5) as http:
        return (await http.post(url, content=body, headers=headers)).status_code


async def test_sigterm_hands_the_job_over_and_no_secret_ever_shows(
    feishu_bots: FeishuReplicas,
    platform: FakeOpenPlatform,
    fast_sim_server: SimServer,
    sim_env: SimEnv,
    redis_url: str,
    tmp_path: Path,
) -> None:
    fast_sim_server.sim.speed = SPEED
    fast_sim_server.sim.set_duration(NB2, SLOW_S)
    env = replica_env(sim_env, fast_sim_server, platform, redis_url)
    stopping, url = start_replica(env)
    try:
        event = platform.deliver("画一只猫")
        message_id = event["event"]["message"]["message_id"]
        assert await post(url, event) == 200
        card = await card_for(platform, message_id)
        await until(lambda: "Nano Banana" in platform.card_text(card))  # the start notice
        began = time.monotonic()
        stopping.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(stopping.wait, STOP_S + MARGIN_S + 5)
        took = time.monotonic() - began
        out, err = stopping.communicate()
    finally:
        if stopping.poll() is None:
            stopping.kill()
            stopping.wait()
    assert code == 0, err
    assert took < STOP_S + MARGIN_S
    assert not finished(platform, card)  # handed over in silence
    # Another replica takes it up and finishes it on the same card, with no second create.
    other = await feishu_bots(ServeConfig(take_up_interval_s=0.2))
    await until(lambda: finished(platform, card))
    assert "✅" in platform.card_text(card)
    assert platform.card_image(card) is not None
    assert platform.replies_to(message_id) == [card]
    assert fast_sim_server.sim.stats()["creates"] == 1
    assert other.door.sinks[-1].card_id == card
    # The canary: no secret in what the process said, wrote in its log, or showed anyone.
    logs = read_logs(Path(env["HOME"]))
    assert "stopping" in logs
    shown = "".join(str(m["content"]) for m in platform.messages.values())
    for secret in (SIM_TEST_KEY, platform.APP_SECRET, ENCRYPT_KEY, VERIFICATION_TOKEN):
        for where, text in (("stdout", out), ("stderr", err), ("log", logs), ("cards", shown)):
            assert secret not in text, f"a secret in {where}"
    assert "handing what runs to the journal" in err  # the log was there to look at


async def test_a_killed_replica_leaves_its_job_to_another_which_delivers_it_once(
    feishu_bots: FeishuReplicas,
    platform: FakeOpenPlatform,
    fast_sim_server: SimServer,
    sim_env: SimEnv,
    redis_url: str,
    redis_server: RedisServer,
) -> None:
    fast_sim_server.sim.speed = SPEED
    fast_sim_server.sim.set_duration(NB2, SLOW_S)
    dying, url = start_replica(replica_env(sim_env, fast_sim_server, platform, redis_url))
    try:
        event = platform.deliver("画一只猫")
        message_id = event["event"]["message"]["message_id"]
        assert await post(url, event) == 200
        card = await card_for(platform, message_id)
        await until(lambda: "Nano Banana" in platform.card_text(card))
    finally:
        dying.kill()  # SIGKILL: no hand-off at all
        dying.communicate()
    # Its claim on the chat would expire within the lease's 30 s; drop it now instead.
    keys = re.findall(rb"\$\d+\r\n([^\r]*hold:[^\r]*)\r\n", redis_server.command("KEYS", "*hold:*"))
    for key in keys:
        redis_server.command("DEL", key.decode())
    await feishu_bots(ServeConfig(take_up_interval_s=0.2))
    await until(lambda: finished(platform, card))
    assert "✅" in platform.card_text(card)
    assert platform.replies_to(message_id) == [card]
    assert fast_sim_server.sim.stats()["creates"] == 1
