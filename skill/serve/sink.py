"""What a platform plugs into a bot: the message it received, and where to show the answer.

A platform (Feishu, Discord, the tests' fake) turns its event into an :class:`Incoming` and
makes a :class:`Sink` for it: the one card or message that shows the conversation. The bot
sends every event of the conversation to the sink, in order (``ack``, ``start``,
``progress``..., ``success`` or ``failure``, ``done``: a :class:`skill.channels.base.Channel`
does exactly that), plus the place in line while the message waits. Every text is already
localized; a sink only lays it out (a card, buttons from ``failure``'s alternatives).

A job left by a replica that stopped or died is finished by another one: the bot keeps
:meth:`Sink.where` (what the platform needs to go on showing the same conversation: a card's
message id, a channel) in the store, and asks the platform's :data:`ResumeSink` for a sink
there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from skill.events import Reply
from skill.job import Job

__all__ = ["FollowsJob", "Incoming", "ResumeSink", "Sink"]


@dataclass(frozen=True)
class Incoming:
    """One chat message, as the platform read it."""

    #: Ids whose redelivery must never run twice (an event id, a message id...): the message
    #: is taken only if every one is new. The platform names them (``"event:ev_1"``), always
    #: in the same order, the one shared by every delivery of a message (its message id) last.
    dedup: tuple[str, ...]
    text: str
    #: The person and the chat, as the store keeps them (prefs, memory, budgets, claims).
    user_id: str
    chat_id: str
    #: Pictures that came with it (URLs or local paths, already checked by the platform).
    images: tuple[str, ...] = ()
    #: "auto" (the message's own language), "zh" or "en" (a locale the platform knows).
    lang: str = "auto"
    #: Choices made apart from the words (a slash command's options): each one given wins
    #: over what the words say (:class:`skill.flow.ack.Request`).
    model_id: str | None = None
    size: str | None = None
    aspect_ratio: str | None = None


class Sink(Protocol):
    """Where one conversation is shown on a platform (see the module docstring)."""

    async def send(self, reply: Reply) -> None:
        """Show one event of the conversation (edit the card, attach the picture...)."""
        ...

    async def queued(self, text: str, place: int) -> None:
        """Show that the message waits in line: ``text`` says it, ``place`` 1 is next."""
        ...

    def where(self) -> Mapping[str, str]:
        """What another process needs to go on showing this conversation (empty: nothing)."""
        ...

    async def aclose(self) -> None:
        """Release what the sink holds; called once, after its last event."""
        ...


@runtime_checkable
class FollowsJob(Protocol):
    """A sink that also wants the job behind the events (its offers, to show them as buttons).

    Optional: the bot calls :meth:`follows` before each event it sends, when there is a job,
    on a sink that has it. The job is as it stands then: after a failure, ``job.offers`` holds
    the alternatives the failure's text names, in the same order (the first is what a plain
    "yes" makes, the second what "the second one" makes).
    """

    def follows(self, job: Job) -> None:
        """The job the next event is about."""
        ...


#: ``resume_sink(job, where) -> sink`` (or ``None``: it cannot be shown any more): a sink to
#: finish ``job``, taken up from another replica, where :meth:`Sink.where` said it was shown.
ResumeSink = Callable[[Job, Mapping[str, str]], Awaitable["Sink | None"]]
