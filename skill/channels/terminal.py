"""``run --format text``: each message as the person would see it in the chat.

Messages are separated by a blank line; a success ends with the picture itself, which a
terminal can only point at: the saved file, or else the image link.
"""

from __future__ import annotations

from typing import TextIO

from skill.channels.base import StreamChannel
from skill.events import Reply

#: Marks the line that stands for the picture a chat would show.
PICTURE_MARK = "🖼️ "


class TerminalChannel(StreamChannel):
    """Prints each reply's text once, flushed; ``done`` prints nothing."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._first = True

    def write(self, reply: Reply) -> None:
        """Print one message (and, for a success, the picture's path or link at the end)."""
        if reply.event == "done" or not reply.text:
            return
        parts = [reply.text]
        if reply.event == "success":
            picture = reply.path or reply.media
            if picture:
                parts.append(PICTURE_MARK + picture)
        block = "\n".join(parts)
        self._stream.write(block + "\n" if self._first else "\n" + block + "\n")
        self._first = False
        self._stream.flush()
