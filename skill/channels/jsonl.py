"""``run --format jsonl``: one JSON object a line, flushed as it happens (DESIGN.md)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from skill.events import Reply


class JsonLinesChannel:
    """Writes each reply as one line of JSON (UTF-8 text, not ``\\u`` escapes) and flushes,
    so an agent polling the process sees every event the moment it happens."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._given = stream

    @property
    def _stream(self) -> TextIO:
        # Looked up at each write, not at construction: ``run`` opens the channel before
        # protect_process() wraps sys.stdout in the key-redacting stream.
        return self._given if self._given is not None else sys.stdout

    async def send(self, reply: Reply) -> None:
        """Write and flush one line."""
        self.write(reply)

    def write(self, reply: Reply) -> None:
        """:meth:`send`, without an event loop (``run`` gives its first reply this way, before
        asyncio is even imported)."""
        self._stream.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
        self._stream.flush()

    async def aclose(self) -> None:
        """Nothing to release: the stream belongs to the caller."""
