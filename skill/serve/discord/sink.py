"""One interaction's answer, edited in place as the conversation goes: a bot's sink on Discord.

The answer is the interaction's "thinking…" message (its first answer, type 5): every event
edits it (``PATCH …/messages/@original``) at most once every
:data:`~skill.serve.discord.config.MIN_EDIT_INTERVAL_S`, the newest text winning
(:class:`skill.channels._board.EditThrottle`, the webhook channel's). The outcome edit adds:

* the picture as a file with its caption (``attachments`` listing it, API v10), or, when it is
  larger than the upload limit (or cannot be read), an embed showing it by its link;
* the buttons under it (:mod:`skill.serve.discord.buttons`): follow-ups, or the alternatives a
  failure offered.

The interaction's token works for 15 minutes. Past that (by the interaction's own time, less a
margin, or when Discord says the token is spent), the conversation goes on in a channel
message of the bot's (``Authorization: Bot``), posted as a reply to the answer and naming the
person, then edited in its turn. A sink built from :meth:`where` on another replica (a job
taken up) does the same.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from skill.channels._board import Board, EditThrottle
from skill.channels._http import ChannelError, Picture, load_picture
from skill.channels.discord import DiscordRefused, fit_content
from skill.clock import Clock, RealClock
from skill.events import Reply
from skill.job import Job
from skill.render import BotNote, Lang, Renderer, lang_of
from skill.serve.discord.buttons import components_for
from skill.serve.discord.config import ACK_WAIT_S, MIN_EDIT_INTERVAL_S
from skill.serve.discord.rest import NO_MENTIONS, DiscordRest, MessageBody

log = logging.getLogger("skill.serve.discord")

__all__ = ["InteractionSink", "Place"]

#: Discord's answers that mean the interaction's token no longer works: 401 (invalid webhook
#: token) and 404 (unknown webhook or interaction).
_TOKEN_SPENT = frozenset({401, 404})
#: Discord's answers to an upload it will not take (too large, refused): the picture is then
#: shown by its link instead.
_UPLOAD_REFUSED = frozenset({400, 413})
WEBHOOK = "webhook"
CHANNEL = "channel"


@dataclass(frozen=True)
class Place:
    """Where one conversation is shown, and for whom: what :meth:`InteractionSink.where`
    keeps in the store for another replica (every value a string there)."""

    token: str
    channel_id: str
    #: The Discord user id of the person who asked (the buttons' owner, the one named).
    owner: str
    lang: Lang
    #: When the interaction's token stops working, less the margin (epoch seconds).
    spent_at: float
    upload_limit: int
    mode: str = WEBHOOK
    #: The answer's own message id, once an edit told it; the bot's channel message's.
    original_id: str = ""
    channel_message_id: str = ""

    def to_note(self) -> dict[str, str]:
        return {
            "token": self.token,
            "channel_id": self.channel_id,
            "owner": self.owner,
            "lang": self.lang,
            "spent_at": f"{self.spent_at:.3f}",
            "upload_limit": str(self.upload_limit),
            "mode": self.mode,
            "original_id": self.original_id,
            "channel_message_id": self.channel_message_id,
        }

    @classmethod
    def from_note(cls, note: Mapping[str, str]) -> Place | None:
        """The place a note kept, or None when it is not one of ours."""
        try:
            return cls(
                token=note["token"],
                channel_id=note["channel_id"],
                owner=note["owner"],
                lang=lang_of(note.get("lang")),
                spent_at=float(note["spent_at"]),
                upload_limit=int(note["upload_limit"]),
                mode=note.get("mode") or WEBHOOK,
                original_id=note.get("original_id", ""),
                channel_message_id=note.get("channel_message_id", ""),
            )
        except (KeyError, ValueError):
            return None


class InteractionSink:
    """See the module docstring. ``acknowledged``: the first answer already landed (a sink
    taken up from another replica); otherwise :meth:`acknowledge` says when it did."""

    def __init__(
        self,
        rest: DiscordRest,
        place: Place,
        *,
        renderer: Renderer,
        acknowledged: bool = False,
        clock: Clock | None = None,
        min_edit_interval_s: float = MIN_EDIT_INTERVAL_S,
        leftovers: tuple[Path, ...] = (),
    ) -> None:
        self._rest = rest
        self._place = place
        self._renderer = renderer
        self._clock: Clock = clock or RealClock()
        self._acked = asyncio.Event()
        if acknowledged:
            self._acked.set()
        self._board = Board()
        self._queued: str | None = None
        self._job: Job | None = None
        self._throttle = EditThrottle(
            self._edit_text, clock=self._clock, min_interval_s=min_edit_interval_s
        )
        self._leftovers = list(leftovers)
        self.closed = False

    # --- set-up -------------------------------------------------------------------------------
    def acknowledge(self, landed: bool) -> None:
        """The first answer landed (edits go to it), or could not be given (the conversation
        is shown in a channel message instead)."""
        if not landed:
            self._place = replace(self._place, mode=CHANNEL)
        self._acked.set()

    def keep_until_closed(self, path: Path) -> None:
        """A file (the person's downloaded picture) removed once the conversation ends."""
        self._leftovers.append(path)

    # --- the Sink protocol ----------------------------------------------------------------------
    def follows(self, job: Job) -> None:
        self._job = job

    async def send(self, reply: Reply) -> None:
        """Show one event (see the module docstring)."""
        await self._ready()
        self._board.apply(reply)
        if reply.event != "done":
            self._queued = None
        match reply.event:
            case "done":
                return
            case "ack" | "start" | "progress":
                await self._throttle.update(self._text())
            case "success" | "failure":
                await self._outcome(reply)

    async def queued(self, text: str, place: int) -> None:
        await self._ready()
        self._queued = text
        await self._throttle.update(self._text())

    def where(self) -> Mapping[str, str]:
        return self._place.to_note()

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self._throttle.aclose()
        finally:
            for path in self._leftovers:
                shutil.rmtree(path, ignore_errors=True)

    # --- what is shown ------------------------------------------------------------------------
    async def _ready(self) -> None:
        if self._acked.is_set():
            return
        try:
            await asyncio.wait_for(self._acked.wait(), ACK_WAIT_S)
        except asyncio.TimeoutError:
            log.warning("the first answer did not land in time: going on in a channel message")
            self.acknowledge(False)

    def _text(self) -> str:
        parts = self._board.parts()
        if self._queued and self._board.start is None and self._board.outcome is None:
            parts.append(self._queued)
        return "\n\n".join(parts)

    async def _outcome(self, reply: Reply) -> None:
        text = self._text()
        components = components_for(
            self._job,
            reply.event,
            owner=self._place.owner,
            lang=self._place.lang,
            renderer=self._renderer,
        )
        picture: Picture | None = None
        embeds: list[dict[str, Any]] = []
        if reply.event == "success":
            picture = await load_picture(reply, self._rest.http, max_bytes=self._place.upload_limit)
            if picture is None and reply.media:
                embeds = self._link_embed(reply.media)

        async def show() -> None:
            try:
                await self._show(text, components=components, embeds=embeds, picture=picture)
            except DiscordRefused as exc:
                if picture is None or exc.status not in _UPLOAD_REFUSED or not reply.media:
                    raise
                log.warning("the picture was not taken as a file: shown by its link")
                linked = self._link_embed(reply.media)
                await self._show(text, components=components, embeds=linked)

        await self._throttle.final_with(text, show)

    def _link_embed(self, url: str) -> list[dict[str, Any]]:
        title = self._renderer.render(BotNote("full_picture"), self._place.lang)
        return [{"title": title, "url": url, "image": {"url": url}}]

    async def _edit_text(self, text: str) -> None:
        await self._show(text)

    async def _show(
        self,
        text: str,
        *,
        components: list[dict[str, Any]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
        picture: Picture | None = None,
    ) -> None:
        """One edit: of the answer while its token works, else of the bot's channel message."""
        body: MessageBody = {"content": fit_content(text), "allowed_mentions": NO_MENTIONS}
        if components is not None:
            body["components"] = components
        if embeds:
            body["embeds"] = embeds
        place = self._place
        if place.mode == WEBHOOK and time.time() >= place.spent_at:
            log.info("the interaction's token is spent: going on in a channel message")
            self._place = place = replace(place, mode=CHANNEL)
        if place.mode == WEBHOOK:
            try:
                message = await self._rest.edit_original(place.token, body, picture)
            except DiscordRefused as exc:
                if exc.status not in _TOKEN_SPENT:
                    raise
                log.info("Discord says the interaction's token is spent: a channel message")
                self._place = replace(self._place, mode=CHANNEL)
            else:
                message_id = message.get("id")
                if isinstance(message_id, str) and message_id != place.original_id:
                    self._place = replace(place, original_id=message_id)
                return
        await self._show_in_channel(body, picture)

    async def _show_in_channel(self, body: MessageBody, picture: Picture | None) -> None:
        place = self._place
        owner = place.owner
        body = {
            **body,
            # A new message the person did not ask for: it names them, so they see it came.
            "content": fit_content(f"<@{owner}> {body['content']}"),
            "allowed_mentions": {"parse": [], "users": [owner]},
        }
        if place.channel_message_id:
            await self._rest.edit_message(place.channel_id, place.channel_message_id, body, picture)
            return
        if place.original_id:
            body["message_reference"] = {
                "message_id": place.original_id,
                "fail_if_not_exists": False,
            }
        message = await self._rest.post_message(place.channel_id, body, picture)
        message_id = message.get("id")
        if not isinstance(message_id, str) or not message_id:
            raise ChannelError("Discord answered without a message id")
        self._place = replace(place, channel_message_id=message_id)
