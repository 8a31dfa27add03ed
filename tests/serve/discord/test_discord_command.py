"""``ima-nano-banana serve discord`` as a process: registering /imagine, serving a conversation
until SIGTERM, and the bot token and the key in no output, log, message or request body."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from skill.sim import SimServer
from tests.serve.discord.fakediscord import FakeDiscordApi

ROOT = Path(__file__).resolve().parents[3]
#: A key the simulator takes, easy to look for.
CANARY_KEY = "ima_CANARYkey_0123456789abcdef"
#: How long the process may take to start, answer and stop (seconds).
PROCESS_WAIT_S = 30.0


def discord_env(fake: FakeDiscordApi, base: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith("DISCORD_")}
    env.update(
        DISCORD_APPLICATION_ID=fake.APPLICATION_ID,
        DISCORD_PUBLIC_KEY=fake.public_key,
        DISCORD_BOT_TOKEN=fake.BOT_TOKEN,
        DISCORD_API_BASE_URL=fake.api_base_url,
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def command(*words: str) -> list[str]:
    return [sys.executable, "-m", "skill", "serve", "discord", *words]


def leaks(text: str, fake: FakeDiscordApi) -> list[str]:
    return [
        name
        for name, secret in (("key", CANARY_KEY), ("bot token", fake.BOT_TOKEN))
        if secret in text
    ]


def has_picture(fake: FakeDiscordApi, payload: dict[str, object]) -> bool:
    message = fake.answer_to(payload)
    return message is not None and bool(message.attachments)


async def run(words: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *words, env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), PROCESS_WAIT_S)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_register_creates_the_imagine_command_with_both_languages(
    discord_api: FakeDiscordApi, sim_env: Callable[..., dict[str, str]], fast_sim_server: SimServer
) -> None:
    env = discord_env(discord_api, sim_env(fast_sim_server, key=None))
    code, out, err = await run(command("--register"), env)
    assert code == 0, err
    assert discord_api.problems == []
    (put,) = discord_api.of("PUT", "/commands")
    assert put.headers["authorization"] == f"Bot {discord_api.BOT_TOKEN}"
    (imagine,) = discord_api.commands
    assert f"/imagine registered (id {imagine['id']})" in err
    options = {o["name"]: o for o in imagine["options"]}
    assert list(options) == ["prompt", "model", "size", "ratio", "image"]
    assert options["prompt"]["required"] is True
    assert [c["name"] for c in options["model"]["choices"]] == ["Nano Banana 2", "Nano Banana Pro"]
    assert [c["value"] for c in options["size"]["choices"]] == ["512px", "1K", "2K", "4K"]
    assert options["image"]["type"] == 11
    assert "16:9" in [c["value"] for c in options["ratio"]["choices"]]
    assert imagine["description_localizations"]["zh-CN"].startswith("用 Nano Banana")
    # Registering again updates the one command rather than adding another.
    assert (await run(command("--register"), env))[0] == 0
    assert len(discord_api.commands) == 1
    assert leaks(out + err, discord_api) == []


async def test_a_refused_bot_token_or_a_missing_setting_is_one_plain_line(
    discord_api: FakeDiscordApi, sim_env: Callable[..., dict[str, str]], fast_sim_server: SimServer
) -> None:
    base = sim_env(fast_sim_server, key=None)
    wrong = "MTEy.a-wrong-bot-token-0123456789"
    code, out, err = await run(
        command("--register"), discord_env(discord_api, base, DISCORD_BOT_TOKEN=wrong)
    )
    assert code == 2
    assert "401" in err
    assert wrong not in out + err
    assert "Traceback" not in err
    env = discord_env(discord_api, base)
    del env["DISCORD_PUBLIC_KEY"]
    code, _, err = await run(command(), env)
    assert code == 2
    assert "DISCORD_PUBLIC_KEY" in err
    env = discord_env(discord_api, base, DISCORD_API_BASE_URL="https://discord.example.com/api")
    code, _, err = await run(command("--register"), env)
    assert code == 2
    assert "DISCORD_API_BASE_URL" in err
    assert [c.status for c in discord_api.of("PUT")] == [401]  # the wrong token's, alone
    # Without the IMA key, said in the machine's language.
    for lang, words in (("zh_CN.UTF-8", "还没有设置 API 密钥"), ("en_US.UTF-8", "No API key")):
        code, _, err = await run(command(), discord_env(discord_api, base, LANG=lang))
        assert code == 2
        assert words in err


async def test_the_process_serves_a_conversation_and_stops_on_sigterm_without_a_leak(
    discord_api: FakeDiscordApi,
    sim_env: Callable[..., dict[str, str]],
    fast_sim_server: SimServer,
    redis_url: str,
) -> None:
    env = discord_env(
        discord_api, sim_env(fast_sim_server, key=CANARY_KEY), IMA_STORE_URL=redis_url
    )
    process = await asyncio.create_subprocess_exec(
        *command("--port", "0"),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    assert process.stdout is not None
    seen: list[str] = []
    try:
        url = ""
        while not url:
            line = (await asyncio.wait_for(process.stderr.readline(), PROCESS_WAIT_S)).decode()
            assert line, "".join(seen)
            seen.append(line)
            if "serving " in line:
                url = line.rsplit("serving ", 1)[1].strip()
        assert url.endswith("/discord/interactions")
        payload = discord_api.command("a cat")
        body = json.dumps(payload).encode()
        async with httpx.AsyncClient(timeout=10) as http:
            health = await http.get(url.replace("/discord/interactions", "/healthz"))
            assert health.status_code == 200
            discord_api.delivered(payload)
            answer = await http.post(url, content=body, headers=discord_api.signed(body))
            assert answer.status_code == 202
            deadline = asyncio.get_running_loop().time() + PROCESS_WAIT_S
            while not has_picture(discord_api, payload):
                assert asyncio.get_running_loop().time() < deadline, "no picture came"
                await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        rest, out = await asyncio.wait_for(
            asyncio.gather(process.stderr.read(), process.stdout.read()), PROCESS_WAIT_S
        )
        code = await asyncio.wait_for(process.wait(), PROCESS_WAIT_S)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == 0
    err = "".join(seen) + rest.decode()
    message = discord_api.answer_to(payload)
    assert message is not None
    logs = Path(env["HOME"]) / ".openclaw" / "logs"
    logged = "".join(p.read_text("utf-8", "replace") for p in logs.rglob("*") if p.is_file())
    sent = b"".join(c.body for c in discord_api.calls).decode("utf-8", "replace")
    sent += json.dumps([m.content for m in discord_api.messages.values()], ensure_ascii=False)
    for where, text in (
        ("stdout", out.decode()),
        ("stderr", err),
        ("logs", logged),
        ("Discord", sent),
    ):
        assert leaks(text, discord_api) == [], where
    assert payload["token"] not in err + logged  # nor the interaction's token
    assert "Traceback" not in err
