"""Shared by the hardening tests: subprocesses of the command line, a loopback listener that
proves nothing connected, and the canary checks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.flow.runkit import RunResult as Events

SKILL = [sys.executable, "-m", "skill"]


def journal_files(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The task journal under ``env``'s HOME as stored (one job a file), by each of its task
    ids: every file of ``~/.openclaw/memory/ima_tasks/{pending,finished}/``, a finished one
    winning."""
    folder = Path(env["HOME"]) / ".openclaw" / "memory" / "ima_tasks"
    tasks: dict[str, dict[str, Any]] = {}
    for kind in ("pending", "finished"):
        for path in sorted((folder / kind).glob("*.json")):
            raw = json.loads(path.read_text("utf-8"))
            for task_id in raw["task_ids"]:
                tasks[task_id] = raw
    return tasks


def cli(
    env: Mapping[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m skill ARGS...`` with ``env``; text output captured."""
    return subprocess.run(
        [*SKILL, *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Listener:
    """A loopback TCP socket that accepts nothing by itself: after the code under test ran,
    :meth:`connections` drains the backlog, where the kernel queued any connection made."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"

    def connections(self, wait_s: float = 0.2) -> int:
        """How many connections arrived (the handshake completes in the kernel's backlog even
        though nobody called accept, so a connection attempt cannot go unseen)."""
        self._sock.settimeout(wait_s)
        count = 0
        while True:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                return count
            conn.close()
            count += 1


@contextmanager
def listener() -> Iterator[Listener]:
    """A :class:`Listener` on 127.0.0.1, closed afterwards."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=16)
    try:
        yield Listener(sock)
    finally:
        sock.close()


def files_under(folder: Path) -> dict[str, bytes]:
    """Every regular file below ``folder``, by path, with its bytes."""
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_absent(secret: str, where: Mapping[str, bytes | str]) -> None:
    """``secret`` (and its part after ``ima_``) appears in none of ``where``'s contents."""
    needles = {secret, secret.removeprefix("ima_")}
    for name, content in where.items():
        raw = content.encode() if isinstance(content, str) else content
        for needle in needles:
            assert needle.encode() not in raw, f"the key appears in {name}"


def events(env: Mapping[str, str], *args: str) -> Events:
    """``python -m skill ARGS...`` as :class:`Events` (the ``run`` tests' result type)."""
    proc = cli(env, *args)
    return Events(proc.returncode, proc.stdout, proc.stderr)
