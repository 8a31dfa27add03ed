"""``run --format jsonl`` as a subprocess: every failure the simulator can inject, and the
refusals that must create nothing. Each is checked for its reason, its translated words, the
exit code, and the absence of never-say words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.flow.runkit import run

ALTERNATIVES_ZH = ("Nano Banana Pro(高质量,10–18 积分)", "Nano Banana 2 512px(同款换尺寸,4 积分)")

# fault, reason, zh words, model-side (alternatives offered)
FAULTS = [
    ("unauthorized", "unauthorized", "API密钥无效或未授权", False),
    ("insufficient_points", "insufficient_points", "积分不足,无法创建任务", False),
    ("subscription_required", "subscription_required", "这个模型需要开通订阅后才能使用", False),
    ("credit_mismatch", "credit_mismatch", "积分计算异常,系统正在修复", True),
    ("no_rule", "invalid_attribute", "生成参数配置异常,请稍后重试", True),
    ("attribute_mismatch", "attribute_mismatch", "模型参数不匹配,请尝试其他模型", True),
    ("invalid_product_attribute", "invalid_attribute", "生成参数配置异常,请稍后重试", True),
    ("bad_request", "bad_request", "图片参数设置有误,请调整尺寸或比例", True),
    ("server_error", "server_error", "图片服务暂时不稳定", True),
    ("bad_gateway", "server_error", "图片服务暂时不稳定", True),
    ("unavailable", "server_error", "图片服务暂时不稳定", True),
    # The create left and no readable answer came back: it may exist, so nothing is offered
    # that would pay for a second picture.
    ("malformed_json", "unconfirmed", "请求发出后连接就断开了", False),
    ("drop_connection", "unconfirmed", "请求发出后连接就断开了", False),
    ("resource_failed", "generation_failed", "图片生成遇到问题,建议换个模型试试", True),
    ("resource_deleted", "generation_failed", "图片生成遇到问题,建议换个模型试试", True),
    ("status_failed", "task_failed", "这次生成没成功,要不换个模型试试?", True),
]


@pytest.mark.parametrize(("fault", "reason", "words", "model_side"), FAULTS)
def test_every_injected_fault(
    fast_sim_server: SimServer,
    sim_env: SimEnv,
    fault: str,
    reason: str,
    words: str,
    model_side: bool,
) -> None:
    fast_sim_server.sim.inject(fault)
    result = run(sim_env(fast_sim_server), "画一只猫", "--poll-interval", "2")
    assert result.code == 1, result.err
    result.assert_clean()
    failure = result.one("failure")
    assert failure["reason"] == reason
    assert failure["text"].startswith(
        ("❌ 图片生成失败" if reason != "unconfirmed" else "⚠️ 我没能确认图片是否已经开始生成")
        + "\n• 原因:"
        + words
    )
    if model_side:
        for alternative in ALTERNATIVES_ZH:
            assert alternative in failure["text"]
        assert failure["text"].endswith("需要我帮你用其他模型重试吗?")
    else:
        assert "建议改用" not in failure["text"]
    assert fast_sim_server.sim.stats()["creates"] == 1  # one create, never repeated
    assert "ima_test_key_123" not in result.out + result.err


def test_key_and_credit_failures_give_their_links_in_english(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server)
    fast_sim_server.sim.inject("unauthorized")
    key = run(env, "draw a cat").one("failure")
    assert "API key is invalid or unauthorized" in key["text"]
    assert "https://www.imaclaw.ai/imaclaw/apikey" in key["text"]
    fast_sim_server.sim.inject("insufficient_points")
    points = run(env, "draw a cat").one("failure")
    assert "Insufficient points to create this task" in points["text"]
    assert "https://www.imaclaw.ai/imaclaw/subscription" in points["text"]


def test_a_task_that_never_finishes_times_out_and_may_still_arrive(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    fast_sim_server.sim.inject("never_finishes")
    result = run(sim_env(fast_sim_server), "draw a bird", "--timeout", "50")
    assert result.code == 1
    result.assert_clean()
    failure = result.one("failure")
    assert failure["reason"] == "timeout"
    assert "Generation took too long and timed out" in failure["text"]
    assert 'ask me for "the last picture"' in failure["text"]
    # Nano Banana 2 is the fast one: no slower model is offered as "faster".
    assert "Nano Banana Pro" not in failure["text"]
    assert "faster" not in failure["text"]
    assert len(result.all("progress")) >= 2


def test_one_429_on_create_is_waited_out_and_tried_once_more(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    fast_sim_server.sim.inject("rate_limited")
    result = run(sim_env(fast_sim_server), "画一只猫", "--poll-interval", "2")
    assert result.code == 0, result.err
    result.assert_clean()
    assert fast_sim_server.sim.stats()["creates"] == 2
    assert fast_sim_server.sim.stats()["accepted_creates"] == 1


def test_a_lost_create_answer_is_told_and_resume_speaks_the_runs_language(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server)
    fast_sim_server.sim.inject("accepted_then_drop")
    result = run(env, "画一只猫", "--poll-interval", "2")
    assert result.code == 1
    failure = result.one("failure")
    assert failure["reason"] == "unconfirmed"
    assert "积分也可能已经扣除" in failure["text"]
    assert "需要我帮你用其他模型重试吗" not in failure["text"]  # no immediate retry offered
    assert result.kinds == ["ack", "failure", "done"]
    assert fast_sim_server.sim.stats()["accepted_creates"] == 1
    resumed = subprocess.run(
        [sys.executable, "-m", "skill", "resume", "--format", "jsonl"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    events = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert [e["event"] for e in events] == ["ack", "failure", "done"]
    assert events[1]["reason"] == "unconfirmed"
    assert "回复在途中丢失了" in events[1]["text"]  # in the run's language, not English
    assert fast_sim_server.sim.stats()["creates"] == 1  # and nothing was sent again


# text, images, reason, words (zh or en per the message's language)
REFUSALS = [
    ("", (), "bad_request", "What would you like me to draw?"),
    ("帮我画一张", (), "bad_request", "你想让我画点什么"),
    ("把这张图变成油画", (), "missing_image", "请把要修改的图片发给我"),
    ("turn this into a watercolor", ("/no/such/picture.png",), "missing_image", "can't find"),
    ("画一只猫,比例 1:9", (), "unsupported_aspect_ratio", "请使用支持的比例:1:1、"),
    ("用 Pro 画一只猫 512px", (), "bad_request", "这个模型支持的尺寸:1K、2K和4K"),
]


@pytest.mark.parametrize(("text", "images", "reason", "words"), REFUSALS)
def test_refusals_create_no_task(
    fast_sim_server: SimServer,
    sim_env: SimEnv,
    text: str,
    images: tuple[str, ...],
    reason: str,
    words: str,
) -> None:
    args = [text] + [a for image in images for a in ("--image", image)]
    result = run(sim_env(fast_sim_server), *args)
    assert result.code == 2, result.err
    result.assert_clean()
    assert result.kinds == ["ack", "failure", "done"]
    failure = result.one("failure")
    assert failure["reason"] == reason
    assert words in failure["text"]
    assert fast_sim_server.sim.stats()["creates"] == 0


def test_a_broken_image_file_is_refused_before_anything_is_sent(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    bogus = tmp_path / "photo.png"
    bogus.write_text("not a picture")
    result = run(sim_env(fast_sim_server), "把这张图变成水彩画", "--image", str(bogus))
    assert result.code == 2
    failure = result.one("failure")
    assert failure["reason"] == "invalid_image"
    assert "这个文件不是图片" in failure["text"]
    assert fast_sim_server.sim.requests == []
