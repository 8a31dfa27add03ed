"""`run --channel feishu|discord` as a subprocess: the IMA simulator and the platform fakes.

The simulator runs 20x faster than real time, so a 35-second Nano Banana 2 job takes under two
real seconds: long enough for the channel's real-time edit throttle to show up, short enough
for the suite.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fake_platforms import FakeDiscord, FakeFeishu

from skill import catalog
from skill.channels import discord as discord_channel
from skill.channels import feishu as feishu_channel
from skill.sim import SimServer, Simulator

SPEED = 20.0
DURATION_S = 35  # simulated: progress at 15 s and 30 s
SHORT_S = 10  # simulated: where progress does not matter


@pytest.fixture
def sim20() -> Iterator[SimServer]:
    sim = Simulator(speed=SPEED, seed=7)
    sim.set_duration(catalog.NANO_BANANA_2.model_id, DURATION_S)
    with SimServer(sim) as server:
        yield server


def run_skill(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(env, IMA_CHAT_TEXT="画一只戴墨镜的柴犬")
    return subprocess.run(
        [sys.executable, "-m", "skill", "run", "--text-env", "IMA_CHAT_TEXT", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sim_picture(server: SimServer) -> bytes:
    (task_id,) = server.sim.tasks
    return httpx.get(f"{server.url}/_sim/media/{task_id}.png").content


def spaced(calls: list[float], interval: float) -> bool:
    return all(b - a >= interval * 0.9 for a, b in itertools.pairwise(calls))


def test_run_to_discord_success(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], discord: FakeDiscord
) -> None:
    result = run_skill(sim_env(sim20), "--channel", "discord", "--webhook-url", discord.webhook_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert discord.TOKEN not in result.stdout + result.stderr

    (post,) = discord.of("POST")
    assert post.query == {"wait": ["true"]}
    (message,) = discord.messages.values()
    edits = discord.of("PATCH")
    assert 1 <= len(edits) <= 3
    assert spaced([post.at] + [e.at for e in edits[:-1]], discord_channel.MIN_EDIT_INTERVAL_S)
    assert message["content"].startswith(post.json["content"])  # the ack stays on top
    assert "Nano Banana 2" in message["content"]
    assert f"{sim20.url}/_sim/media/" in message["content"]  # the caption's original link
    (attachment,) = message["attachments"]
    assert attachment[1] == sim_picture(sim20)


def test_run_to_discord_failure(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], discord: FakeDiscord
) -> None:
    sim20.sim.set_duration(catalog.NANO_BANANA_2.model_id, SHORT_S)
    sim20.sim.inject("resource_failed")
    result = run_skill(sim_env(sim20), "--channel", "discord", "--webhook-url", discord.webhook_url)
    assert result.returncode == 1, result.stderr[-2000:]
    (message,) = discord.messages.values()
    assert "Nano Banana Pro" in message["content"]  # the alternative offered
    assert message["attachments"] == []


def feishu_env(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], feishu: FakeFeishu
) -> dict[str, str]:
    return sim_env(
        sim20,
        FEISHU_APP_ID=feishu.APP_ID,
        FEISHU_APP_SECRET=feishu.APP_SECRET,
        FEISHU_BASE_URL=feishu.url,
    )


def test_run_to_feishu_success(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], feishu: FakeFeishu
) -> None:
    env = feishu_env(sim20, sim_env, feishu)
    result = run_skill(env, "--channel", "feishu", "--chat-id", "oc_e2e")
    assert result.returncode == 0, result.stderr[-2000:]
    assert feishu.APP_SECRET not in result.stdout + result.stderr

    (card,) = feishu.cards()
    patches = feishu.of("PATCH", card)
    assert 1 <= len(patches) <= 2
    (create,) = feishu.of("POST", "/im/v1/messages")[:1]
    assert spaced([create.at] + [p.at for p in patches[:-1]], feishu_channel.MIN_EDIT_INTERVAL_S)
    text = feishu.card_text(card)
    assert "Nano Banana 2" in text
    assert f"{sim20.url}/_sim/media/" in text
    (key,) = feishu.image_messages()
    assert feishu.images[key] == sim_picture(sim20)
    assert len(feishu.of("POST", "/tenant_access_token/")) == 1


def test_run_to_feishu_failure_and_bad_config(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], feishu: FakeFeishu
) -> None:
    sim20.sim.set_duration(catalog.NANO_BANANA_2.model_id, SHORT_S)
    sim20.sim.inject("resource_failed")
    env = feishu_env(sim20, sim_env, feishu)
    result = run_skill(env, "--channel", "feishu", "--chat-id", "oc_e2e")
    assert result.returncode == 1, result.stderr[-2000:]
    (card,) = feishu.cards()
    assert "Nano Banana Pro" in feishu.card_text(card)
    assert feishu.image_messages() == []

    # No app secret: refused with one line before anything is created or sent.
    before = sim20.sim.stats()["creates"]
    env.pop("FEISHU_APP_SECRET")
    result = run_skill(env, "--channel", "feishu", "--chat-id", "oc_e2e")
    assert result.returncode == 2
    assert "FEISHU_APP_SECRET" in result.stderr
    assert sim20.sim.stats()["creates"] == before


def test_the_picture_path_is_used_when_saved(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], discord: FakeDiscord, tmp_path: Path
) -> None:
    sim20.sim.set_duration(catalog.NANO_BANANA_2.model_id, SHORT_S)
    out = tmp_path / "out"
    args = ("--channel", "discord", "--webhook-url", discord.webhook_url, "--out-dir", str(out))
    result = run_skill(sim_env(sim20), *args)
    assert result.returncode == 0, result.stderr[-2000:]
    (saved,) = out.iterdir()
    (message,) = discord.messages.values()
    assert message["attachments"][0][1] == saved.read_bytes()
    assert os.fspath(saved.name) == message["attachments"][0][0]


def test_a_chat_that_refuses_is_one_line_and_nothing_is_created(
    sim20: SimServer, sim_env: Callable[..., dict[str, str]], feishu: FakeFeishu
) -> None:
    env = feishu_env(sim20, sim_env, feishu)
    env["FEISHU_APP_SECRET"] = "not-the-secret-0123456789"
    result = run_skill(env, "--channel", "feishu", "--chat-id", "oc_e2e")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the chat could not be reached" in result.stderr
    assert "not-the-secret" not in result.stderr
    # The acknowledgement is sent before any IMA request: nothing was created or charged.
    assert sim20.sim.stats()["creates"] == 0
