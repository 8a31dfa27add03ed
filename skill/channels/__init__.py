"""Where replies go. A channel consumes :class:`skill.events.Reply` and knows nothing of IMA."""

from skill.channels.base import Channel

__all__ = ["Channel"]
