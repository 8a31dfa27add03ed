"""``run --format jsonl``: one JSON object a line, flushed as it happens (docs/contracts.md)."""

from __future__ import annotations

import json

from skill.channels.base import StreamChannel
from skill.events import Reply


class JsonLinesChannel(StreamChannel):
    """Writes each reply as one line of JSON (UTF-8 text, not ``\\u`` escapes) and flushes,
    so an agent polling the process sees every event the moment it happens."""

    def write(self, reply: Reply) -> None:
        """Write and flush one line."""
        self._stream.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
        self._stream.flush()
