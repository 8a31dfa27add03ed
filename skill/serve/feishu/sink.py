"""One conversation on Feishu: a card in the thread of the person's message, edited in place.

The first thing to show (the place in line, else the acknowledgement) is a reply to the
person's message (``POST .../messages/:id/reply``): an interactive card. Everything after
edits that card (``PATCH``), at most once every :data:`~.config.CARD_EDIT_INTERVAL_S`, newest
text winning (:class:`skill.channels._board.EditThrottle`); the outcome is never held back.

On success the picture is uploaded and shown in the card. A picture over Feishu's 10 MB image
limit is sent as a file in the same thread instead (up to 30 MB), the card keeping its link;
one that cannot be uploaded at all is still there by the link in the caption: never dropped.
On a failure the card shows the alternatives as buttons (the job's offers, :meth:`follows`).

Feishu failing never ends the conversation: the job goes on to its end in the journal, and
the next event tries again to show it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from skill.channels._board import Board, EditThrottle
from skill.channels._http import ChannelError, Picture, load_picture
from skill.channels.feishu_api import FILE_MAX_BYTES, IMAGE_MAX_BYTES, FeishuApi
from skill.events import Reply
from skill.flow.offers import as_alternative
from skill.job import Job
from skill.render import Control, Renderer, lang_of
from skill.serve.choices import MAX_CHOICES
from skill.serve.feishu.card import CHOOSE, Button, card
from skill.serve.feishu.config import CARD_EDIT_INTERVAL_S

log = logging.getLogger("skill.serve.feishu")

__all__ = ["FeishuSink"]

#: The keys of :meth:`FeishuSink.where` (kept in the store while a job runs).
CARD, CHAT, REPLY_TO, USER, LANG = "card", "chat", "reply_to", "user", "lang"


class FeishuSink:
    """See the module docstring. ``card_id`` given: go on editing that card (a job taken up
    from another replica); ``temp_dir`` (the downloaded pictures) is removed at the end."""

    def __init__(
        self,
        api: FeishuApi,
        renderer: Renderer,
        *,
        chat_id: str,
        user_id: str,
        reply_to: str | None,
        card_id: str | None = None,
        lang: str = "auto",
        temp_dir: Path | None = None,
        edit_interval_s: float = CARD_EDIT_INTERVAL_S,
    ) -> None:
        self._api = api
        self._renderer = renderer
        self.chat_id = chat_id
        self.user_id = user_id
        self.reply_to = reply_to
        self.card_id = card_id
        self._lang = lang
        self._temp_dir = temp_dir
        self._board = Board()
        self._queued: str | None = None
        self._job: Job | None = None
        self._throttle = EditThrottle(self._edit, clock=api.clock, min_interval_s=edit_interval_s)
        if card_id is not None:
            self._throttle.created("")
        #: Every card shown, last one last (what the tests and the benchmark look at).
        self.shown: list[dict[str, Any]] = []

    # --- the Sink protocol ---------------------------------------------------------------------
    def follows(self, job: Job) -> None:
        """The job behind the next event: its offers become the failure card's buttons."""
        self._job = job

    async def queued(self, text: str, place: int) -> None:
        self._queued = text
        await self._show()

    async def send(self, reply: Reply) -> None:
        self._board.apply(reply)
        if reply.event == "ack":
            self._queued = None
            if reply.lang:
                self._lang = reply.lang
        if reply.event == "done":
            return
        if reply.event == "success":
            await self._success(reply)
        elif reply.event == "failure":
            await self._final(self._text(), card(self._text(), buttons=self._buttons()))
        else:
            await self._show()

    def where(self) -> Mapping[str, str]:
        where = {CHAT: self.chat_id, USER: self.user_id, LANG: self._lang}
        if self.card_id:
            where[CARD] = self.card_id
        if self.reply_to:
            where[REPLY_TO] = self.reply_to
        return where

    async def aclose(self) -> None:
        await self._throttle.aclose()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    # --- showing -------------------------------------------------------------------------------
    def _text(self) -> str:
        return self._board.text() or self._queued or ""

    async def _show(self) -> None:
        text = self._text()
        if not text:
            return
        if self.card_id is None:
            await self._create(card(text), text)
            return
        await self._throttle.update(text)

    async def _create(self, content: dict[str, Any], text: str) -> bool:
        """Post the card (a reply in the person's thread); False (logged) when refused."""
        try:
            if self.reply_to:
                self.card_id = await self._api.reply_message(
                    self.reply_to, "interactive", content, chat_id=self.chat_id
                )
            else:
                self.card_id = await self._api.send_message(self.chat_id, "interactive", content)
        except ChannelError as exc:
            log.warning("the card could not be posted: %s", exc)
            return False
        self.shown.append(content)
        self._throttle.created(text)
        return True

    async def _edit(self, text: str) -> None:
        await self._patch(card(text))

    async def _patch(self, content: dict[str, Any]) -> None:
        if self.card_id is None:
            raise ChannelError("no card to update")
        await self._api.update_card(self.card_id, content)
        self.shown.append(content)

    async def _final(self, text: str, content: dict[str, Any]) -> bool:
        """Show the outcome now; False (logged) when Feishu refused it."""
        if self.card_id is None:
            return await self._create(content, text)
        try:
            await self._throttle.final_with(text, lambda: self._patch(content))
        except ChannelError as exc:
            log.warning("the card could not show the outcome: %s", exc)
            return False
        return True

    def _buttons(self) -> list[Button]:
        job = self._job
        if job is None or not job.offers:
            return []
        lang = lang_of(self._lang if self._lang in ("zh", "en") else job.language)
        buttons = []
        for choice, offer in enumerate(job.offers[:MAX_CHOICES], start=1):
            label = self._renderer.render(Control("choice", as_alternative(offer)), lang)
            value = {"ima": CHOOSE, "choice": choice, "user": self.user_id, "lang": lang}
            if self.reply_to:
                value["reply_to"] = self.reply_to
            buttons.append(Button(label, value, primary=choice == 1))
        return buttons

    # --- the picture ---------------------------------------------------------------------------
    async def _success(self, reply: Reply) -> None:
        text = self._text()
        picture = await load_picture(reply, self._api.http, max_bytes=FILE_MAX_BYTES)
        image_key: str | None = None
        if picture is not None and len(picture.data) <= IMAGE_MAX_BYTES:
            image_key = await self._upload_image(picture)
        elif picture is not None:
            await self._send_file(picture)
        shown = await self._final(text, card(text, image_key=image_key))
        if image_key is not None and not shown:
            # The card could not take the picture: it still arrives, as a message of its own.
            await self._reply("image", {"image_key": image_key})

    async def _upload_image(self, picture: Picture) -> str | None:
        try:
            return await self._api.upload_image(picture)
        except ChannelError as exc:
            log.warning("the picture could not be uploaded (its link is in the card): %s", exc)
            return None

    async def _send_file(self, picture: Picture) -> None:
        """Over the image limit: the picture as a file in the thread (the card has its link)."""
        try:
            file_key = await self._api.upload_file(picture)
        except ChannelError as exc:
            log.warning(
                "the picture could not be sent as a file (its link is in the card): %s", exc
            )
            return
        await self._reply("file", {"file_key": file_key})

    async def _reply(self, msg_type: str, content: dict[str, Any]) -> None:
        try:
            if self.reply_to:
                await self._api.reply_message(
                    self.reply_to, msg_type, content, chat_id=self.chat_id
                )
            else:
                await self._api.send_message(self.chat_id, msg_type, content)
        except ChannelError as exc:
            log.warning("the %s message could not be sent: %s", msg_type, exc)
