"""``POST /discord/interactions``: Discord's interactions in, conversations out, on any replica.

Each request, in order:

1. its Ed25519 signature checked (:mod:`~skill.serve.discord.verify`): anything unsigned or
   forged is answered 401 and nothing else is done;
2. ``PING``: answered ``PONG`` (Discord checks an endpoint so before it takes it);
3. a button pressed by someone other than the person who asked for its picture, a button
   that no longer works, a command the bot does not know: a short line only the presser sees
   (type 4, flag 64, in the HTTP answer itself); nothing is spent;
4. ``/imagine``, or a button pressed by its requester: the first answer, "thinking…" (type
   5), sent at once through the callback endpoint, and the HTTP request answered 202 (as
   Discord asks of an app that answers through the callback). Knowing the callback landed is
   what makes the edits that follow safe. Discord refuses a second first answer (40060): an
   interaction that reaches two replicas goes on in one, and the bot's deduplication
   (:attr:`Incoming.dedup`, the interaction id, in the shared store) keeps it so whatever
   happens. Then, off the request: the ``image`` option's picture downloaded (Discord's CDN,
   sniffed, size-limited), and the message handed to the :class:`~skill.serve.bot.Bot`, whose
   sink edits the answer (:mod:`~skill.serve.discord.sink`).

A press is the follow-up it stands for (:mod:`~skill.serve.discord.buttons`), in the person's
language (the interaction's ``locale``), keyed by the same chat (the channel) and person.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill import catalog, net
from skill.channels._http import ChannelError
from skill.channels.discord import DiscordRefused
from skill.events import Reply
from skill.job import Job
from skill.reasons import Reason
from skill.render import BotNote, BotNoteKind, Failure, Renderer
from skill.serve.bot import Bot, Receipt
from skill.serve.config import ServeConfig
from skill.serve.discord.buttons import read_custom_id
from skill.serve.discord.command import COMMAND_NAME, RATIOS, SIZES
from skill.serve.discord.config import DiscordConfig
from skill.serve.discord.rest import NO_MENTIONS, DiscordRest
from skill.serve.discord.sink import InteractionSink, Place
from skill.serve.discord.verify import SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier
from skill.serve.discord.wire import (
    ALREADY_ACKNOWLEDGED,
    APPLICATION_COMMAND,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    EPHEMERAL,
    MESSAGE_COMPONENT,
    PING,
    PONG,
    Attachment,
    Interaction,
)
from skill.serve.sink import Incoming
from skill.session import Session

log = logging.getLogger("skill.serve.discord")

__all__ = ["NAMESPACE", "PATH", "DiscordDoor"]

PATH = "/discord/interactions"
#: The bot's name in the shared store (seen interactions, notes, budgets).
NAMESPACE = "discord"
#: Where Discord keeps the files people attach (https only; loopback for the tests' fake).
ATTACHMENT_HOSTS = frozenset({"cdn.discordapp.com", "media.discordapp.net", "cdn.discord.com"})
#: The HTTP answer once the first answer went through the callback endpoint (Discord's rule).
ACCEPTED = 202
#: An interaction is a few kilobytes; a body larger than this is refused before it is read.
MAX_BODY_BYTES = 1024 * 1024
#: How long stopping waits for the hand-overs still downloading a picture (seconds).
HAND_OVER_STOP_S = 5.0


class _ImageRefused(Exception):
    """The person's picture cannot be used; ``why`` is an :class:`InvalidImage` problem."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


async def _body(request: Request) -> bytes | None:
    """The raw body (the signature is over its exact bytes), or None past MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class DiscordDoor:
    """The endpoint, its bot, and the sinks of its conversations (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        rest: DiscordRest,
        config: DiscordConfig,
        *,
        serve_config: ServeConfig | None = None,
        verifier: Verifier | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.rest = rest
        self.config = config
        self.verifier = verifier or Verifier(config.public_key)
        self.renderer = renderer or session.renderer
        self.bot = Bot(
            session, namespace=NAMESPACE, config=serve_config, resume_sink=self.resume_sink
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def routes(self) -> list[Route]:
        """The endpoint's route, for :func:`skill.serve.http.make_app`."""
        return [Route(PATH, self._interactions, methods=["POST"])]

    async def aclose(self) -> None:
        """Wait a little for the hand-overs still under way, then stop them."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=HAND_OVER_STOP_S)
            for task in late:
                task.cancel()

    # --- one request ---------------------------------------------------------------------------
    async def _interactions(self, request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return Response("too large for an interaction", status_code=413)
        signature = request.headers.get(SIGNATURE_HEADER)
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        if not self.verifier.verify(signature, timestamp, body):
            return Response("invalid request signature", status_code=401)
        try:
            interaction = Interaction.model_validate_json(body)
        except ValidationError:
            return Response("not an interaction", status_code=400)
        if interaction.application_id != self.config.application_id:
            return Response("not this application's interaction", status_code=400)
        if interaction.type == PING:
            return JSONResponse({"type": PONG})
        if interaction.type == APPLICATION_COMMAND:
            return await self._command(interaction)
        if interaction.type == MESSAGE_COMPONENT:
            return await self._press(interaction)
        return Response("not an interaction this bot takes", status_code=400)

    async def _command(self, interaction: Interaction) -> Response:
        if interaction.data is None or interaction.data.name != COMMAND_NAME:
            return self._note(interaction, "unknown_command")
        model = interaction.option("model")
        size = interaction.option("size")
        ratio = interaction.option("ratio")
        return await self._take(
            interaction,
            text=str(interaction.option("prompt") or ""),
            model_id=model if model in catalog.MODELS else None,
            size=size if size in SIZES else None,
            aspect_ratio=ratio if ratio in RATIOS else None,
            attachment=interaction.attachment("image"),
        )

    async def _press(self, interaction: Interaction) -> Response:
        press = read_custom_id(interaction.data.custom_id if interaction.data else None)
        if press is None:
            return self._note(interaction, "stale_button")
        if interaction.user_id != press.owner:
            return self._note(interaction, "not_yours")
        return await self._take(interaction, text=press.said(interaction.lang))

    def _note(self, interaction: Interaction, kind: BotNoteKind) -> Response:
        """A line only the presser sees, as the HTTP answer itself (nothing else is done)."""
        text = self.renderer.render(BotNote(kind), interaction.lang)
        data = {"content": text, "flags": EPHEMERAL, "allowed_mentions": NO_MENTIONS}
        return JSONResponse({"type": CHANNEL_MESSAGE_WITH_SOURCE, "data": data})

    async def _take(
        self,
        interaction: Interaction,
        *,
        text: str,
        model_id: str | None = None,
        size: str | None = None,
        aspect_ratio: str | None = None,
        attachment: Attachment | None = None,
    ) -> Response:
        user, channel = interaction.user_id, interaction.where
        if not user or not channel or not interaction.token:
            return Response("an interaction without its person, channel or token", 400)
        sink = self._sink_for(interaction, channel, user)
        try:
            await self.rest.callback(
                interaction.id, interaction.token, {"type": DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE}
            )
        except DiscordRefused as exc:
            if exc.code == ALREADY_ACKNOWLEDGED:
                log.info("an interaction answered already (delivered twice): dropped")
                await sink.aclose()
                return Response(status_code=ACCEPTED)
            log.warning("the first answer was refused (%s): a channel message instead", exc)
            sink.acknowledge(False)
        except ChannelError as exc:
            log.warning("the first answer failed (%s): a channel message instead", exc)
            sink.acknowledge(False)
        else:
            sink.acknowledge(True)
        message = {
            "dedup": (f"interaction:{interaction.id}",),
            "text": text,
            "user_id": f"{NAMESPACE}:{user}",
            "chat_id": f"{NAMESPACE}:{channel}",
            "lang": interaction.lang,
            "model_id": model_id,
            "size": size,
            "aspect_ratio": aspect_ratio,
        }
        self._spawn(self._hand_over(message, sink, attachment, interaction))
        return Response(status_code=ACCEPTED)

    def _sink_for(self, interaction: Interaction, channel: str, user: str) -> InteractionSink:
        config = self.config
        place = Place(
            token=interaction.token,
            channel_id=channel,
            owner=user,
            lang=interaction.lang,
            spent_at=interaction.created_at() + config.token_lifetime_s - config.token_margin_s,
            upload_limit=interaction.attachment_size_limit or config.upload_limit_bytes,
        )
        return InteractionSink(
            self.rest,
            place,
            renderer=self.renderer,
            min_edit_interval_s=config.min_edit_interval_s,
        )

    # --- off the request ------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hand_over(
        self,
        message: dict[str, Any],
        sink: InteractionSink,
        attachment: Attachment | None,
        interaction: Interaction,
    ) -> None:
        """The person's picture fetched, then the message given to the bot."""
        try:
            if attachment is not None:
                try:
                    path = await self._fetch(attachment)
                except _ImageRefused as exc:
                    refused = Failure(Reason.INVALID_IMAGE, image_problem=exc.why, not_started=True)
                    await self._tell(sink, refused, interaction.lang)
                    return
                sink.keep_until_closed(path.parent)
                message["images"] = (str(path),)
            receipt = await self.bot.receive(Incoming(**message), sink)
            if receipt is Receipt.CLOSED:
                busy = Failure(Reason.SERVICE_BUSY, not_started=True)
                await self._tell(sink, busy, interaction.lang)
            elif receipt is Receipt.DUPLICATE:
                log.info("an interaction seen before by another replica: dropped")
        except Exception:
            log.exception("an interaction could not be handed over")
            with contextlib.suppress(Exception):
                await sink.aclose()

    async def _tell(self, sink: InteractionSink, failure: Failure, lang: str) -> None:
        """A conversation that ends before it starts: its failure, then done."""
        text = self.renderer.render(failure, lang)
        try:
            await sink.send(Reply("failure", text=text, reason=failure.reason))
            await sink.send(Reply("done"))
        finally:
            await sink.aclose()

    async def _fetch(self, attachment: Attachment) -> Path:
        """The attachment's bytes in a private temporary folder: Discord's CDN only, at most
        :data:`skill.catalog.MAX_UPLOAD_BYTES`, a picture by its first bytes."""
        try:
            url = net.check_url(attachment.url, hosts=ATTACHMENT_HOSTS, variable="the attachment")
        except net.URLRefused:
            raise _ImageRefused("not_https") from None
        limit = catalog.MAX_UPLOAD_BYTES
        if attachment.size > limit:
            raise _ImageRefused("too_large")
        chunks: list[bytes] = []
        size = 0
        try:
            async with self.rest.http.stream("GET", url) as resp:
                if resp.status_code != httpx.codes.OK:
                    raise _ImageRefused("missing")
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _ImageRefused("too_large")
                    chunks.append(chunk)
        except httpx.HTTPError:
            raise _ImageRefused("missing") from None
        data = b"".join(chunks)
        kind = net.sniff_image(data)
        if kind is None:
            raise _ImageRefused("not_image")
        folder = Path(tempfile.mkdtemp(prefix="ima-discord-"))
        path = folder / f"picture.{kind.suffix}"
        await asyncio.to_thread(path.write_bytes, data)
        return path

    # --- a job another replica left -----------------------------------------------------------
    async def resume_sink(self, job: Job, where: Mapping[str, str]) -> InteractionSink | None:
        """A sink showing ``job`` where its replica showed it (see :class:`Place`)."""
        place = Place.from_note(where)
        if place is None:
            return None
        return InteractionSink(
            self.rest,
            place,
            renderer=self.renderer,
            acknowledged=True,
            min_edit_interval_s=self.config.min_edit_interval_s,
        )
