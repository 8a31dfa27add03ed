"""The HTTP transport's gate and the command's refusals: a token where one is needed, a 401
for every request without it, and one plain line when something is missing."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from skill.commands.mcp import MIN_TOKEN_CHARS, TOKEN_ENV
from tests.mcp.mcpkit import SERVER, http_server

TOKEN = "s3cret-token-for-the-gate-0123456789"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def start(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SERVER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_off_loopback_the_server_refuses_to_start_without_a_token(
    server_env: dict[str, str],
) -> None:
    for token in (None, "short"):
        env = dict(server_env)
        env.pop(TOKEN_ENV, None)
        if token is not None:
            env[TOKEN_ENV] = token
        done = start(env, "--http", "--host", "0.0.0.0", "--port", "0")  # noqa: S104
        assert done.returncode == 2, done.stderr
        assert f"set {TOKEN_ENV} to a secret of at least {MIN_TOKEN_CHARS} characters" in (
            done.stderr
        )
        assert "mcp: serving" not in done.stderr  # nothing was bound
    assert len("short") < MIN_TOKEN_CHARS


async def test_with_a_token_every_request_needs_it(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**server_env, TOKEN_ENV: TOKEN}
    async with http_server(env, tmp_path) as (url, _, stderr_path):
        async with httpx.AsyncClient(timeout=30) as plain:
            for headers in (
                {},
                {"Authorization": "Bearer not-the-token"},
                {"Authorization": TOKEN},
            ):
                answer = await plain.post(url, json=INITIALIZE, headers={**ACCEPT, **headers})
                assert answer.status_code == 401, headers
                assert answer.headers["www-authenticate"].startswith("Bearer")
                assert TOKEN not in answer.text
            assert (await plain.get(url, headers=ACCEPT)).status_code == 401
        client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        async with (
            client,
            streamable_http_client(url, http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = (await session.list_tools()).tools
        logged = stderr_path.read_text("utf-8")
    assert len(tools) == 4
    assert TOKEN not in logged
    assert "401" in logged  # the refused requests were logged (without the token)


def test_a_missing_sdk_is_one_line_naming_the_extra(server_env: dict[str, str]) -> None:
    code = (
        "import sys; sys.modules['mcp'] = None\n"
        "from skill.cli import main\n"
        "raise SystemExit(main(['mcp']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "ima-nano-banana mcp: the MCP SDK is not installed; install the extra: "
        "pip install 'ima-nano-banana[mcp]'"
    ]


def test_a_whole_run_never_loads_the_sdk(server_env: dict[str, str]) -> None:
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('SDK LOADED' if any("
        "m == 'mcp' or m.startswith(('mcp.', 'skill.mcp')) for m in sys.modules) "
        "else 'SDK NOT LOADED', file=sys.stderr))\n"
        "from skill.cli import main\n"
        "raise SystemExit(main(['run', '--format', 'jsonl', 'draw a cat']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"event": "success"' in done.stdout
    assert done.stderr.strip().endswith("SDK NOT LOADED")


async def test_on_loopback_a_foreign_host_header_is_refused(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    async with (
        http_server(server_env, tmp_path) as (url, _, _),
        httpx.AsyncClient(timeout=30) as plain,
    ):
        # What a web page that rebinds its own name to 127.0.0.1 would send.
        foreign = await plain.post(
            url, json=INITIALIZE, headers={**ACCEPT, "Host": "attacker.example"}
        )
        local = await plain.post(url, json=INITIALIZE, headers=ACCEPT)
    assert foreign.status_code in (403, 421)
    assert local.status_code == 200


async def test_a_stopped_http_server_ends_as_interrupted(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    async with http_server(server_env, tmp_path) as (_, proc, stderr_path):
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.wait, 15)
    assert code == 130, stderr_path.read_text("utf-8")[-2000:]
