"""``serve feishu --check`` and the command's refusals: what is missing or refused, said in
plain words, against the fake open platform; nothing is sent to any chat."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skill.render import Renderer
from skill.serve.feishu.check import check
from tests.rediskit import free_port
from tests.serve.feishu.fake_open_platform import (
    APP_NAME,
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FakeOpenPlatform,
)

ROOT = Path(__file__).resolve().parents[3]


def env_for(platform: FakeOpenPlatform, **changes: str) -> dict[str, str]:
    env = {
        "HOME": "/nonexistent-home",
        "IMA_API_KEY": "ima_test_key_123",
        "FEISHU_APP_ID": platform.APP_ID,
        "FEISHU_APP_SECRET": platform.APP_SECRET,
        "FEISHU_VERIFICATION_TOKEN": VERIFICATION_TOKEN,
        "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
        "FEISHU_BASE_URL": platform.url,
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v}


async def lines(env: dict[str, str], *, webhook: bool = False) -> tuple[list[str], bool]:
    found, ready = await check(env, webhook=webhook)
    return [Renderer().render(line, "en") for line in found], ready


async def test_a_ready_app_says_so_with_the_bots_name(platform: FakeOpenPlatform) -> None:
    said, ready = await lines(env_for(platform), webhook=True)
    assert ready
    assert said == [f'✓ Feishu accepted the app\'s credentials; the bot "{APP_NAME}" is ready']
    assert platform.messages == {}


async def test_what_is_missing_is_named_for_the_mode(platform: FakeOpenPlatform) -> None:
    env = env_for(platform, FEISHU_ENCRYPT_KEY="", IMA_API_KEY="")
    said, ready = await lines(env, webhook=True)
    assert not ready
    assert said[0].startswith("✗ FEISHU_ENCRYPT_KEY is not set: the webhook needs it")
    assert said[1].startswith("✗ IMA_API_KEY is not set")
    # The long connection needs no encrypt key.
    said, _ = await lines(env)
    assert not any("FEISHU_ENCRYPT_KEY" in line for line in said)


async def test_refused_credentials_a_missing_bot_and_no_network_are_told_apart(
    platform: FakeOpenPlatform,
) -> None:
    said, ready = await lines(env_for(platform, FEISHU_APP_SECRET="a-wrong-secret"))
    assert not ready
    assert said == [
        "✗ Feishu refused the app's credentials: check FEISHU_APP_ID and FEISHU_APP_SECRET "
        "(the secret may have been reset)"
    ]
    platform.bot_info_refused = True
    said, _ = await lines(env_for(platform))
    assert said[0].startswith("✗ The app has no bot: enable the Bot ability")
    said, _ = await lines(env_for(platform, FEISHU_BASE_URL=f"http://127.0.0.1:{free_port()}"))
    assert said[0].startswith("✗ Feishu could not be reached from this machine")
    said, _ = await lines(env_for(platform, FEISHU_BASE_URL="https://feishu.example.com"))
    assert said[0].startswith("✗ FEISHU_BASE_URL is refused")


async def test_a_store_out_of_reach_is_said(platform: FakeOpenPlatform) -> None:
    env = env_for(platform, IMA_STORE_URL=f"redis://127.0.0.1:{free_port()}/0")
    said, ready = await lines(env)
    assert not ready
    assert said == [
        "✗ The store in IMA_STORE_URL could not be reached: start Redis or fix the address"
    ]


def test_the_command_checks_and_refuses_to_start_without_what_it_needs(
    platform: FakeOpenPlatform, tmp_path: Path
) -> None:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "skill", "serve", "feishu"]
    ready = subprocess.run(
        [*command, "--check"],
        env={**base, **env_for(platform, HOME=str(tmp_path))},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert ready.returncode == 0, ready.stderr
    assert "is ready" in ready.stdout
    missing = subprocess.run(
        [*command, "--webhook"],
        env=base,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert "FEISHU_APP_ID is not set" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert platform.APP_SECRET not in ready.stdout + ready.stderr


def command_run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )


def test_the_check_speaks_the_machines_language(platform: FakeOpenPlatform, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "skill", "serve", "feishu", "--check"]
    said = {}
    for lang in ("zh_CN.UTF-8", "en_US.UTF-8"):
        env = {"PATH": "/usr/bin:/bin", "LANG": lang, **env_for(platform, HOME=str(tmp_path))}
        done = command_run(command, env)
        assert done.returncode == 0, done.stderr
        said[lang] = done.stdout
    assert said["zh_CN.UTF-8"] != said["en_US.UTF-8"]
    assert APP_NAME in said["zh_CN.UTF-8"]
    assert "ready" not in said["zh_CN.UTF-8"]
    assert "is ready" in said["en_US.UTF-8"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "zh_CN.UTF-8"}
    refused = command_run([*command[:-1], "--webhook"], env)
    assert refused.returncode == 2
    assert "FEISHU_APP_ID 没有设置" in refused.stderr
