"""A run stopped mid-poll (SIGTERM, SIGINT, SIGKILL) or timed out on our side is resumed
without a second create, and the picture is delivered; every process is a real subprocess
against the simulator on a loopback port."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Any

import pytest

from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.hardening.helpers import SKILL, Events, cli, events, journal_files

PRO = "gemini-3-pro-image"
#: Simulated seconds a Pro task takes here: one real second at the fixture's speed (200x),
#: long enough to stop the run mid-poll, short enough to keep the test fast.
PRO_DURATION_S = 200
ZH_PRO = "用 Nano Banana Pro 画一只猫"
MAY_STILL_ARRIVE_ZH = "图片可能稍后仍会生成好"
MAY_STILL_ARRIVE_EN = "The picture may still arrive"


def journal(env: dict[str, str]) -> dict[str, Any]:
    return journal_files(env)


def resume(env: dict[str, str], *args: str) -> Events:
    return events(env, "resume", "--format", "jsonl", *args)


def stopped_run(env: dict[str, str], signum: int, *args: str) -> Events:
    """Start ``run --format jsonl``, wait for its start notice, send ``signum``."""
    proc = subprocess.Popen(
        [*SKILL, "run", "--format", "jsonl", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if json.loads(line)["event"] == "start":
            break
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    return Events(proc.returncode, "".join(lines) + out, err)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_run_stopped_mid_poll_is_resumed_without_a_second_create(
    fast_sim_server: SimServer, sim_env: SimEnv, signum: int
) -> None:
    sim = fast_sim_server.sim
    sim.set_duration(PRO, PRO_DURATION_S)
    env = sim_env(fast_sim_server)

    stopped = stopped_run(env, signum, ZH_PRO)
    (task_id,) = journal(env)
    assert journal(env)[task_id]["status"] == "pending"
    assert sim.tasks[task_id].order.model_id == PRO
    if signum == signal.SIGKILL:
        assert stopped.code == -signal.SIGKILL  # nothing can be said; the journal still knows
        assert stopped.kinds[-1] == "start"
    else:
        assert stopped.code == 130, stopped.err
        stopped.assert_clean()
        failure = stopped.one("failure")
        assert failure["reason"] == "timeout"
        assert failure["text"].startswith("⏹️ 已停止等待你的图片。")
        assert MAY_STILL_ARRIVE_ZH in failure["text"]
        assert "Traceback" not in stopped.err

    resumed = resume(env)
    assert resumed.code == 0, resumed.err
    resumed.assert_clean()
    assert resumed.one("ack")["text"].startswith("🔍 找到你之前的那张图了(Nano Banana Pro)")
    success = resumed.one("success")
    assert success["media"].endswith(".png")
    assert success["credits"] == sim.tasks[task_id].order.credit
    assert success["text"].startswith("✅ 图片生成成功!")
    assert sim.stats()["creates"] == 1  # the whole point: no second charge
    entry = journal(env)[task_id]
    assert (entry["status"], entry["media"]) == ("delivered", [success["media"]])

    if signum != signal.SIGTERM:
        return
    # Nothing is pending any more: a clear message, exit 2, nothing asked of the server.
    requests_before = len(sim.requests)
    nothing = resume(env, "--lang", "zh")
    assert nothing.code == 2
    assert nothing.kinds == ["failure", "done"]
    assert nothing.one("failure")["reason"] == "bad_request"
    assert "没有还没送到的图片" in nothing.one("failure")["text"]
    assert len(sim.requests) == requests_before


def test_after_a_client_side_timeout_resume_delivers_once_done(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    sim = fast_sim_server.sim
    sim.set_duration(PRO, PRO_DURATION_S)
    env = sim_env(fast_sim_server)
    proc = cli(
        env, "run", "--format", "jsonl", "--timeout", "20", "draw a cat with nano banana pro"
    )
    timed_out = Events(proc.returncode, proc.stdout, proc.stderr)
    assert timed_out.code == 1, timed_out.err
    timed_out.assert_clean()
    failure = timed_out.one("failure")
    assert failure["reason"] == "timeout"
    assert MAY_STILL_ARRIVE_EN in failure["text"]
    (task_id,) = journal(env)
    assert journal(env)[task_id]["status"] == "pending"

    resumed = resume(env, task_id, "--user-id", "default")
    assert resumed.code == 0, resumed.err
    resumed.assert_clean()
    assert resumed.one("ack")["lang"] == "en"  # the language the task was asked in
    assert [resumed.one("success")["media"]] == journal(env)[task_id]["media"]
    assert sim.stats()["creates"] == 1

    # Asked for again by id: sent from the journal, the server is not asked.
    polls = sim.tasks[task_id].polls
    again = resume(env, task_id, "--lang", "zh")
    assert again.code == 0, again.err
    again.assert_clean()
    assert again.one("ack")["text"].startswith("🖼️ 这是你之前的那张图")
    assert [again.one("success")["media"]] == journal(env)[task_id]["media"]
    assert sim.tasks[task_id].polls == polls
    assert sim.stats()["creates"] == 1


def test_a_task_that_never_finishes_stays_pending_through_resume(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    sim = fast_sim_server.sim
    sim.inject("never_finishes")
    env = sim_env(fast_sim_server)
    first = cli(env, "run", "--format", "jsonl", "--timeout", "20", "画一只猫")
    assert first.returncode == 1
    (task_id,) = journal(env)
    started = time.monotonic()
    later = resume(env, "--timeout", "30")
    assert time.monotonic() - started < 10
    assert later.code == 1, later.err
    later.assert_clean()
    failure = later.one("failure")
    assert failure["reason"] == "timeout"
    assert MAY_STILL_ARRIVE_ZH in failure["text"]
    assert journal(env)[task_id]["status"] == "pending"  # still there for the next try
    assert sim.stats()["creates"] == 1


def test_resume_in_text_with_nothing_pending(fast_sim_server: SimServer, sim_env: SimEnv) -> None:
    text = cli(sim_env(fast_sim_server), "resume", "--user-id", "bob", "--lang", "en")
    assert text.returncode == 2
    assert (
        text.stdout
        == "🤔 There's no unfinished picture to fetch right now. Want me to make a new one?\n"
    )
    assert fast_sim_server.sim.requests == []


def test_resume_without_a_key_says_how_to_get_one(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    result = cli(sim_env(fast_sim_server, key=None), "resume")
    assert result.returncode == 2
    assert "IMA_API_KEY" in result.stderr
    assert fast_sim_server.sim.requests == []
