"""``ima-nano-banana sim``: loopback only, prints how to point the skill at it, serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest
from simkit import AUTH, LIST_QUERY

START_TIMEOUT_S = 10


def _sim(*args: str) -> list[str]:
    return [sys.executable, "-m", "skill", "sim", *args]


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "8.8.8.8", "example.com", "::"],  # noqa: S104  # the point: they are refused
)
def test_refuses_a_public_host(host: str) -> None:
    result = subprocess.run(
        _sim("--host", host, "--port", "0"),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert result.stdout == ""


def test_refuses_a_bad_speed() -> None:
    result = subprocess.run(
        _sim("--speed", "0"), capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False
    )
    assert result.returncode == 2
    assert "--speed" in result.stderr


def test_serves_until_interrupted() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    proc = subprocess.Popen(
        _sim("--port", "0", "--speed", "20"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        hint = proc.stdout.readline()
        url = banner.split(" on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert f"IMA_BASE_URL={url}" in hint
        assert f"IMA_IM_BASE_URL={url}" in hint
        assert "IMA_API_KEY=ima_sim_demo_key" in hint
        assert "IMA_TIME_SCALE=20" in hint
        got = httpx.get(
            f"{url}/open/v1/product/list",
            params={**LIST_QUERY, "category": "image_to_image"},
            headers=AUTH,
        )
        assert got.json()["code"] == 0
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=START_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == 130  # the CLI's code for an interrupted command


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stops_on_a_signal_even_when_started_with_sigint_ignored(sig: signal.Signals) -> None:
    """A shell's background job inherits SIGINT ignored; the simulator must stop all the same."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    # `trap '' INT` then exec: the simulator starts with SIGINT ignored, as a background job.
    command = 'trap \'\' INT; exec "$0" "$@"'
    proc = subprocess.Popen(
        ["/bin/sh", "-c", command, *_sim("--port", "0")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert "IMA simulator on" in proc.stdout.readline()
        proc.stdout.readline()
        proc.send_signal(sig)
        assert proc.wait(timeout=START_TIMEOUT_S) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
