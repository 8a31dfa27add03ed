"""Run ``ima-nano-banana`` and write down which modules were loaded when its first reply left.

    python first_reply_probe.py RECORD stdout|feishu|discord ARGS...

``stdout``: the moment of the first write to stdout (``run --format text|jsonl``).
``feishu`` / ``discord``: the moment that channel's ``send`` is first called (importing the
channel first, which loads httpx, is the probe's doing; the IMA client is not).
RECORD gets a JSON object: ``modules`` (sorted names) and ``first`` (what was sent first).
Used by ``test_cold_start.py``; not a test itself.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any


def _record(path: str, first: Any) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"modules": sorted(sys.modules), "first": first}, out)


class _FirstWrite:
    """sys.stdout, which records at its first write."""

    def __init__(self, inner: Any, path: str) -> None:
        self._inner = inner
        self._path: str | None = path

    def write(self, text: str) -> int:
        if self._path is not None and text:
            _record(self._path, text)
            self._path = None
        return int(self._inner.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _probe_channel(where: str, path: str) -> None:
    module = importlib.import_module(f"skill.channels.{where}")
    cls = getattr(module, f"{where.capitalize()}Channel")
    original = cls.send
    pending = [path]

    async def send(self: Any, reply: Any) -> None:
        if pending:
            _record(pending.pop(), reply.to_json())
        await original(self, reply)

    cls.send = send


def main() -> int:
    path, where, *argv = sys.argv[1:]
    if where == "stdout":
        sys.stdout = _FirstWrite(sys.stdout, path)
    else:
        _probe_channel(where, path)
    from skill.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
