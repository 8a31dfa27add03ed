"""Feed a conversation's replies to a channel, and turn its outcome into an exit code."""

from __future__ import annotations

from skill.channels.base import Channel
from skill.flow.driver import Conversation, Outcome

#: DESIGN.md exit codes (the same numbers as skill.cli, which imports nothing heavy).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def exit_code(outcome: Outcome) -> int:
    """0 the image was made; 2 refused as bad input; 1 any other failure (the person was told)."""
    if outcome.succeeded:
        return EXIT_OK
    return EXIT_BAD_INPUT if outcome.refused else EXIT_FAILED


async def deliver(conversation: Conversation, channel: Channel) -> int:
    """Send every reply of ``conversation`` through ``channel``, in order, each once; close the
    channel; return the exit code."""
    try:
        async for reply in conversation:
            await channel.send(reply)
    finally:
        await channel.aclose()
    return exit_code(conversation.outcome)
