"""``run --channel feishu|discord``: the channel from the command-line flags.

Kept apart from the channels themselves so ``run`` imports httpx-based delivery code only when
a remote channel is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

from skill.channels._http import ChannelConfigError, ChannelError
from skill.channels.base import Channel

REMOTE_CHANNELS = ("feishu", "discord")

__all__ = ["REMOTE_CHANNELS", "ChannelConfigError", "ChannelError", "open_channel"]


def open_channel(
    name: str,
    *,
    chat_id: str | None = None,
    webhook_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Channel:
    """The Feishu or Discord channel for ``run``'s flags.

    Raises :class:`ChannelConfigError` (a ``ValueError``; its message is one line for the
    person at the terminal, and never repeats a secret) when something is missing or refused.
    Nothing is sent before the first reply.
    """
    if name == "feishu":
        from skill.channels.feishu import FeishuChannel

        return FeishuChannel.from_env(chat_id, env)
    if name == "discord":
        from skill.channels.discord import DiscordChannel

        return DiscordChannel(webhook_url or "")
    raise ChannelConfigError(f"unknown channel {name!r}: use one of {', '.join(REMOTE_CHANNELS)}")
