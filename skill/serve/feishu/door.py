"""The Feishu bot: events in, from the webhook or the long connection, a :class:`Bot` behind.

:meth:`FeishuDoor.accept` takes one decrypted, authenticated payload and returns at once with
what to answer Feishu (``{}``, or a toast for a card action); the work goes on in a task of
the bot's loop. It may be called from another thread (the SDK's long connection runs in one):
only the scheduling crosses over.

- ``im.message.receive_v1``: a person's message in a private chat, or in a group with the bot
  @mentioned, becomes an :class:`~skill.serve.Incoming` deduplicated by event id and message
  id (``event:<id>``, ``message:<id>``): Feishu redelivers an event it thinks unanswered, to
  this replica or another, and it must never make a second picture. Its pictures (an image
  message, images in a post) are downloaded, sniffed and size-limited into a temporary folder
  for the core. A picture sent alone is kept for the same person's next words in that chat.
- ``card.action.trigger``: a button of a failure card, pressed by the person who asked,
  becomes the follow-up they would have typed ("第二个" / "the second one",
  :func:`skill.serve.choices.choice_text`), answered through the same path as a typed one and
  deduplicated per card (``action:<card>``): one alternative per failure, however many presses.
  Someone else's press gets a short toast and nothing more.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from skill import catalog, net
from skill.channels._http import ChannelError
from skill.channels.feishu_api import FeishuApi
from skill.job import Job
from skill.render import Control, lang_of
from skill.serve import Bot, Incoming, Receipt, ServeConfig
from skill.serve.choices import MAX_CHOICES, choice_text
from skill.serve.feishu import sink as sinks
from skill.serve.feishu.card import CHOOSE
from skill.serve.feishu.config import NAMESPACE, PENDING_IMAGE_TTL_S
from skill.serve.feishu.crypto import Refused
from skill.serve.feishu.events import (
    CARD_ACTION,
    MESSAGE_RECEIVE,
    CardAction,
    read_action,
    read_envelope,
    read_message,
)
from skill.serve.feishu.sink import FeishuSink
from skill.session import Session

log = logging.getLogger("skill.serve.feishu")

__all__ = ["FeishuDoor", "NotAccepting"]

#: At SIGTERM, events already taken get this long to reach the bot's line (seconds).
INTAKE_STOP_S = 2.0
#: The answer to an event that needs none.
NOTHING: dict[str, Any] = {}


class NotAccepting(RuntimeError):
    """The bot is stopping: Feishu is to deliver the event again (to another replica)."""


class FeishuDoor:
    """See the module docstring."""

    def __init__(
        self,
        session: Session,
        api: FeishuApi,
        *,
        config: ServeConfig | None = None,
        edit_interval_s: float | None = None,
    ) -> None:
        self.session = session
        self.api = api
        self.bot = Bot(session, namespace=NAMESPACE, config=config, resume_sink=self.resume_sink)
        self.bot_open_id: str | None = None
        self._edit_interval_s = edit_interval_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        #: Every sink made, newest last (the tests and the benchmark look at them).
        self.sinks: list[FeishuSink] = []

    @property
    def ready(self) -> bool:
        """Started, and not stopping."""
        return self._loop is not None and not self._closing and self.bot.ready

    async def start(self) -> None:
        """Learn the bot's own open id (for its mentions in groups), then start the bot."""
        self._loop = asyncio.get_running_loop()
        await self._learn_open_id()
        await self.bot.start()

    async def _learn_open_id(self) -> str | None:
        if self.bot_open_id is None:
            try:
                info = await self.api.bot_info()
                self.bot_open_id = str(info["open_id"])
            except ChannelError as exc:
                log.warning("the bot's own id is unknown (group messages wait for it): %s", exc)
        return self.bot_open_id

    # --- events in -----------------------------------------------------------------------------
    def accept(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Take one event; what to answer Feishu, at once. :class:`Refused` for a malformed
        one, :class:`NotAccepting` while stopping. Safe from any thread."""
        loop = self._loop
        if loop is None or not self.ready:
            raise NotAccepting("the bot is not taking events")
        envelope = read_envelope(payload)
        if envelope.event_type == MESSAGE_RECEIVE:
            # Read now (a malformed event is refused); the bot's id may still be learnt later.
            read_message(envelope, self.bot_open_id)
            self._schedule(loop, lambda: self._take_message(payload))
            return NOTHING
        if envelope.event_type == CARD_ACTION:
            action = read_action(envelope)
            choice = _choice(action)
            if choice is None:
                return NOTHING
            if action.operator != action.value.get("user"):
                lang = lang_of(str(action.value.get("lang", "en")))
                toast = self.session.renderer.render(Control("not_yours"), lang)
                return {"toast": {"type": "info", "content": toast}}
            self._schedule(loop, lambda: self._take_choice(action, choice))
            return NOTHING
        log.info("an event of type %r was ignored", envelope.event_type)
        return NOTHING

    def _schedule(
        self, loop: asyncio.AbstractEventLoop, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        def spawn() -> None:
            task = loop.create_task(work())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        loop.call_soon_threadsafe(spawn)

    async def _take_message(self, payload: Mapping[str, Any]) -> None:
        try:
            event = read_message(read_envelope(payload), await self._learn_open_id())
        except Refused:
            return
        if not event.for_bot:
            return
        pending_key = f"{NAMESPACE}:pending_image:{event.chat_id}:{event.user_id}"
        keys, source, text = event.image_keys, event.message_id, event.text
        if not text and not keys:
            return  # a sticker, a file, a voice note: nothing the bot can draw from
        took_pending = False
        if not keys:
            keys, source = await self._pending(pending_key)
            took_pending = bool(keys)
        temp_dir, paths = await self._download(source, keys)
        message = Incoming(
            dedup=(f"event:{event.event_id}", f"message:{event.message_id}"),
            text=text,
            user_id=event.user_id,
            chat_id=event.chat_id,
            images=paths,
        )
        sink = self._sink(event.chat_id, event.user_id, event.message_id, temp_dir=temp_dir)
        if await self.bot.receive(message, sink) != Receipt.ACCEPTED:
            return
        if not text:
            # A picture alone: the words that say what to do with it come next.
            keep = {"message_id": event.message_id, "image_keys": ",".join(event.image_keys)}
            await self._keep_pending(pending_key, keep)
        elif took_pending:
            await self._keep_pending(pending_key, {})

    async def _take_choice(self, action: CardAction, choice: int) -> None:
        lang = lang_of(str(action.value.get("lang", "en")))
        reply_to = action.value.get("reply_to")
        message = Incoming(
            dedup=(f"event:{action.event_id}", f"action:{action.card_message_id}"),
            text=choice_text(choice, lang),
            user_id=action.operator,
            chat_id=action.chat_id,
            lang=lang,
        )
        sink = self._sink(
            action.chat_id, action.operator, reply_to if isinstance(reply_to, str) else None
        )
        await self.bot.receive(message, sink)

    # --- pictures ------------------------------------------------------------------------------
    async def _pending(self, key: str) -> tuple[tuple[str, ...], str]:
        """The picture this person sent alone just before, if it waits for these words."""
        try:
            note = await self.bot.store.note(key)
        except OSError:
            return (), ""
        if not note or not note.get("message_id") or not note.get("image_keys"):
            return (), ""
        return tuple(note["image_keys"].split(",")), note["message_id"]

    async def _keep_pending(self, key: str, note: Mapping[str, str]) -> None:
        try:
            await self.bot.store.put_note(key, note, PENDING_IMAGE_TTL_S)
        except OSError:
            log.warning("could not keep a picture for the next message")

    async def _download(
        self, message_id: str, keys: tuple[str, ...]
    ) -> tuple[Path | None, tuple[str, ...]]:
        """The pictures of a message, checked and saved for the core; those that could not
        be had are left out (the core then asks for the picture if none came)."""
        if not keys:
            return None, ()
        folder = Path(tempfile.mkdtemp(prefix="ima-feishu-"))
        paths: list[str] = []
        for n, key in enumerate(keys):
            try:
                data = await self.api.download_resource(
                    message_id, key, max_bytes=catalog.MAX_UPLOAD_BYTES
                )
            except ChannelError as exc:
                log.warning("a picture of a message could not be downloaded: %s", exc)
                continue
            kind = net.sniff_image(data)
            if kind is None:
                log.warning("a picture of a message is not one we can read")
                continue
            path = folder / f"input-{n + 1}.{kind.suffix}"
            await asyncio.to_thread(path.write_bytes, data)
            paths.append(str(path))
        return folder, tuple(paths)

    # --- sinks ---------------------------------------------------------------------------------
    def _sink(
        self,
        chat_id: str,
        user_id: str,
        reply_to: str | None,
        *,
        card_id: str | None = None,
        lang: str = "auto",
        temp_dir: Path | None = None,
    ) -> FeishuSink:
        extra = {} if self._edit_interval_s is None else {"edit_interval_s": self._edit_interval_s}
        sink = FeishuSink(
            self.api,
            self.session.renderer,
            chat_id=chat_id,
            user_id=user_id,
            reply_to=reply_to,
            card_id=card_id,
            lang=lang,
            temp_dir=temp_dir,
            **extra,
        )
        self.sinks.append(sink)
        return sink

    async def resume_sink(self, job: Job, where: Mapping[str, str]) -> FeishuSink | None:
        """The card another replica left, to finish ``job`` on (see :class:`skill.serve.Bot`)."""
        chat = where.get(sinks.CHAT)
        if not chat:
            return None
        return self._sink(
            chat,
            where.get(sinks.USER, job.request.user_id),
            where.get(sinks.REPLY_TO),
            card_id=where.get(sinks.CARD),
            lang=where.get(sinks.LANG, job.language),
        )

    # --- the end -------------------------------------------------------------------------------
    async def close_intake(self) -> None:
        """Take no more events; let those already taken reach the bot's line (a moment)."""
        self._closing = True
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=INTAKE_STOP_S)

    async def stop(self) -> None:
        """SIGTERM: :meth:`close_intake`, then hand what runs to the journal
        (:meth:`Bot.stop`)."""
        await self.close_intake()
        await self.bot.stop()
        for task in list(self._tasks):
            task.cancel()

    async def aclose(self) -> None:
        await self.api.aclose()


def _choice(action: CardAction) -> int | None:
    """The alternative a pressed button takes, if it is one of ours."""
    value = action.value
    choice = value.get("choice")
    if value.get("ima") != CHOOSE or not isinstance(choice, int) or isinstance(choice, bool):
        return None
    return choice if 1 <= choice <= MAX_CHOICES else None
