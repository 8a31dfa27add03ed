"""``ima-nano-banana run`` as a subprocess against the simulator served on loopback.

The simulator runs sped up and the child gets the same IMA_TIME_SCALE, so a 120-second Pro
job takes a fraction of a second; durations are fixed per test so progress counts are exact.
"""

from __future__ import annotations

from pathlib import Path

from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.flow.runkit import NB2, PRO, run

#: Slower than the fixture's default speed where a test counts progress messages, so
#: scheduling hiccups of a busy test machine cannot shift a poll past a progress point: with
#: a 1 s poll a 22 s task is seen 7 simulated seconds (0.35 s real) away from any point.
COUNTING_SPEED = 20.0


def slow_down(server: SimServer, env: dict[str, str]) -> dict[str, str]:
    server.sim.speed = COUNTING_SPEED
    return {**env, "IMA_TIME_SCALE": f"{COUNTING_SPEED:g}"}


def test_zh_success_with_exactly_one_progress(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    env = slow_down(fast_sim_server, sim_env(fast_sim_server))
    fast_sim_server.sim.set_duration(NB2, 22)
    out_dir = tmp_path / "pictures"
    result = run(env, "画一张16:9的风景照", "--out-dir", str(out_dir), "--poll-interval", "1")
    assert result.code == 0, result.err
    result.assert_clean()
    assert result.kinds == ["ack", "start", "progress", "success", "done"]
    assert result.one("ack") == {
        "event": "ack",
        "text": "收到!马上为你生成一张 16:9 的风景照 🏔️",
        "lang": "zh",
    }
    start = result.one("start")
    assert (start["model"], start["credits"], start["eta_s"]) == ("Nano Banana 2", 6, [20, 40])
    assert "预计耗时:20~40 秒" in start["text"]
    progress = result.one("progress")
    assert (progress["percent"], progress["elapsed_s"]) == (37, 15)
    assert progress["text"] == "⏳ 正在生成中… 37%\n已等待 15s,预计最长 40s"
    success = result.one("success")
    assert success["media"].startswith(fast_sim_server.url)
    saved = Path(success["path"])
    assert saved.parent == out_dir
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "图片生成成功" in success["text"]
    assert success["credits"] == 6
    assert fast_sim_server.sim.stats()["accepted_creates"] == 1


def test_en_success_with_exactly_one_progress(fast_sim_server: SimServer, sim_env: SimEnv) -> None:
    env = slow_down(fast_sim_server, sim_env(fast_sim_server))
    fast_sim_server.sim.set_duration(NB2, 22)
    result = run(env, "draw a cat wearing sunglasses", "--poll-interval", "1")
    assert result.code == 0, result.err
    result.assert_clean()
    assert result.kinds == ["ack", "start", "progress", "success", "done"]
    assert result.one("ack")["text"] == "OK! Drawing a cute cat for you 🐱"
    assert result.one("progress")["text"] == "⏳ Generating… 37%\nWaited 15s, up to 40s expected"
    assert "Image generated!" in result.one("success")["text"]


def test_pro_long_enough_for_three_progress_and_almost_there(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    # Past the 120 s estimate progress thins to every other point: 205 s leaves the 180 s
    # point 25 simulated seconds before the picture is ready: at ×60 that is 0.4 s of real
    # time, enough on a loaded machine.
    fast_sim_server.sim.speed = 60
    env = {**sim_env(fast_sim_server), "IMA_TIME_SCALE": "60"}
    fast_sim_server.sim.set_duration(PRO, 205)
    result = run(env, "use Nano Banana Pro: a castle in the clouds", "--poll-interval", "2")
    assert result.code == 0, result.err
    result.assert_clean()
    progress = result.all("progress")
    assert len(progress) >= 3
    assert [p["percent"] for p in progress[:3]] == [25, 50, 75]
    assert progress[-1]["percent"] == 95
    assert progress[-1]["text"].endswith("Almost there…")
    assert not progress[0]["text"].endswith("Almost there…")
    assert result.one("start")["model"] == "Nano Banana Pro"


def test_image_to_image_with_a_local_file(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    picture = tmp_path / "me.jpg"
    data = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    picture.write_bytes(data)
    result = run(sim_env(fast_sim_server), "把这张图变成油画风格", "--image", str(picture))
    assert result.code == 0, result.err
    result.assert_clean()
    assert result.one("ack")["text"] == "收到!马上按你的要求改图 🎨"
    assert list(fast_sim_server.sim.uploads.values()) == [data]


def test_text_env_keeps_user_text_out_of_the_command_line(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server, MESSAGE='draw a dog; rm -rf "$HOME" `id`')
    result = run(env, "--text-env", "MESSAGE")
    assert result.code == 0, result.err
    assert result.one("ack")["text"] == "OK! Drawing a lovely dog for you 🐶"


def test_text_format_reads_like_the_chat(fast_sim_server: SimServer, sim_env: SimEnv) -> None:
    result = run(sim_env(fast_sim_server), "画一只猫", fmt="text")
    assert result.code == 0, result.err
    blocks = result.out.strip().split("\n\n")
    assert blocks[0] == "好的!来帮你画一只萌萌的猫咪 🐱"
    assert blocks[1].startswith("🎨 开始生成图片,请稍候…")
    assert blocks[-1].startswith("✅ 图片生成成功!")
    assert blocks[-1].splitlines()[-1].startswith("🖼️ " + fast_sim_server.url)
    assert "{" not in result.out


def test_a_saved_preference_is_used_on_the_next_run(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server)
    first = run(env, "以后都用 Pro 画一只猫", "--user-id", "amy", "--poll-interval", "2")
    assert first.code == 0, first.err
    assert "已记住" in first.one("start")["text"]
    second = run(env, "画一只狗", "--user-id", "amy", "--poll-interval", "2")
    assert second.one("start")["model"] == "Nano Banana Pro"


def test_no_key_is_a_failure_event_in_the_persons_language(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    # The agent relays what it reads: without a key it must still have something to say.
    result = run(sim_env(fast_sim_server, key=None), "画一只猫")
    assert result.code == 2
    result.assert_clean()
    assert result.kinds == ["ack", "failure", "done"]
    failure = result.one("failure")
    assert failure["reason"] == "unauthorized"
    assert "还没有设置 API 密钥" in failure["text"]
    assert "IMA_API_KEY" in failure["text"]
    assert "https://www.imaclaw.ai/imaclaw/apikey" in failure["text"]
    english = run(sim_env(fast_sim_server, key=None), "draw a cat")
    assert "No API key is set up yet" in english.one("failure")["text"]
    assert result.err == ""
    assert fast_sim_server.sim.requests == []


def test_an_unset_text_variable_is_bad_usage(fast_sim_server: SimServer, sim_env: SimEnv) -> None:
    result = run(sim_env(fast_sim_server), "--text-env", "NOT_SET_ANYWHERE_42")
    assert result.code == 2
    assert "NOT_SET_ANYWHERE_42" in result.err
    assert fast_sim_server.sim.requests == []


def test_an_endpoint_off_the_allowlist_is_refused(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    env = sim_env(fast_sim_server, IMA_BASE_URL="https://example.com")
    result = run(env, "画一只猫")
    assert result.code == 2
    assert "IMA_BASE_URL" in result.err
    assert fast_sim_server.sim.requests == []
