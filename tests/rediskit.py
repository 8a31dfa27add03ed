"""A real Redis for the tests: Debian's ``redis-server`` on a free loopback port, in a temporary
folder, with no persistence. ``.ci/run`` installs it; CI (``CI=true``) fails loudly without it,
elsewhere the tests that need it are skipped with the reason."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

#: How long a server may take to answer its first PING (seconds).
START_TIMEOUT_S = 10.0


def redis_server_binary() -> str:
    """The path of ``redis-server``; fails (CI) or skips (elsewhere) when it is missing."""
    found = shutil.which("redis-server")
    if found is not None:
        return found
    if os.environ.get("CI"):
        pytest.fail(
            "redis-server is not installed, and CI must run the Redis tests: "
            "apt-get install -y redis-server (.ci/run does this)"
        )
    pytest.skip("redis-server is not installed (apt-get install -y redis-server)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; :meth:`kill` and :meth:`start` again keep its port."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "redis.log").read_text("utf-8", "replace")
                raise RuntimeError(f"redis-server exited at start:\n{log}")
            if self.ping():
                return self
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer in time")

    def ping(self) -> bool:
        """A PING over a plain socket (no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *words: str) -> bytes:
        """One command over a plain socket (FLUSHALL between tests); its raw answer."""
        body = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(body.encode())
            return sock.recv(65536)

    def kill(self) -> None:
        """Gone at once, as a crashed or unreachable server is."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        self.kill()
