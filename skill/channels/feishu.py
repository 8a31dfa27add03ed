"""Feishu (Lark): a bot posts the conversation straight into a chat, no agent in between.

One interactive card is sent with the acknowledgement and edited in place for the start notice,
progress and the outcome; on success the picture follows as an image message. The calls, their
shapes, the token and the rate limits are :mod:`skill.channels.feishu_api`'s (shared with the
Feishu bot, ``serve feishu``). The app secret and the tokens are registered with the log
redactor and never appear in an error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import httpx

from skill.channels._board import Board, EditThrottle
from skill.channels._http import ChannelConfigError, ChannelError, load_picture
from skill.channels.feishu_api import (
    DEFAULT_BASE_URL,
    ENV_APP_ID,
    ENV_APP_SECRET,
    ENV_BASE_URL,
    IMAGE_MAX_BYTES,
    OFFICIAL_HOSTS,
    RATE_LIMIT_DEFAULT_WAIT_S,
    FeishuApi,
    FeishuError,
)
from skill.clock import Clock
from skill.events import Reply

log = logging.getLogger("skill.channels.feishu")

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_APP_ID",
    "ENV_APP_SECRET",
    "ENV_BASE_URL",
    "IMAGE_MAX_BYTES",
    "OFFICIAL_HOSTS",
    "RATE_LIMIT_DEFAULT_WAIT_S",
    "FeishuChannel",
    "FeishuError",
    "plain_card",
]

#: The card is edited at most this often (seconds); Feishu allows 5 edits a second per message,
#: and people do not read faster than this anyway.
MIN_EDIT_INTERVAL_S = 2.0


class FeishuChannel:
    """Posts the conversation into one Feishu chat as a card that updates itself."""

    def __init__(
        self,
        *,
        chat_id: str,
        app_id: str,
        app_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        min_edit_interval_s: float = MIN_EDIT_INTERVAL_S,
    ) -> None:
        if not chat_id:
            raise ChannelConfigError("a Feishu chat id is needed (--chat-id)")
        if not app_id or not app_secret:
            raise ChannelConfigError(f"set {ENV_APP_ID} and {ENV_APP_SECRET} for the Feishu bot")
        self._chat_id = chat_id
        self._api = FeishuApi(
            app_id=app_id, app_secret=app_secret, base_url=base_url, http=http, clock=clock
        )
        self._message_id: str | None = None
        self._board = Board()
        self._throttle = EditThrottle(
            self._edit_card, clock=self._api.clock, min_interval_s=min_edit_interval_s
        )

    @classmethod
    def from_env(
        cls, chat_id: str | None, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> FeishuChannel:
        """The channel for ``run --channel feishu``: app id and secret from the environment."""
        env = os.environ if env is None else env
        return cls(
            chat_id=chat_id or "",
            app_id=env.get(ENV_APP_ID, "").strip(),
            app_secret=env.get(ENV_APP_SECRET, "").strip(),
            base_url=env.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            **kwargs,
        )

    # --- the Channel protocol -----------------------------------------------------------------

    async def send(self, reply: Reply) -> None:
        """Deliver one reply: create the card, edit it, deliver the picture."""
        self._board.apply(reply)
        if reply.event == "done":
            return
        if self._message_id is None:
            # The first reply (normally the acknowledgement) creates the card; a failure here
            # means the person hears nothing, so it is raised.
            text = self._board.text()
            self._message_id = await self._api.send_message(
                self._chat_id, "interactive", plain_card(text)
            )
            self._throttle.created(text)
            if reply.event != "success":
                return
        elif reply.event in ("start", "progress"):
            await self._throttle.update(self._board.text())
            return
        picture_sent = False
        if reply.event == "success":
            picture_sent = await self._send_picture(reply)
        try:
            await self._throttle.final(self._board.text())
        except ChannelError:
            # The picture arrived; only its caption is missing. That is not worth a failure.
            if not picture_sent:
                raise
            log.warning("the card could not show the outcome; the picture was delivered")

    async def aclose(self) -> None:
        await self._throttle.aclose()
        await self._api.aclose()

    # --- card and picture ----------------------------------------------------------------------

    async def _edit_card(self, text: str) -> None:
        if self._message_id is None:  # the card is always created first; keep mypy honest
            raise ChannelError("no card to update")
        await self._api.update_card(self._message_id, plain_card(text))

    async def _send_picture(self, reply: Reply) -> bool:
        """Upload the picture and post it; ``False`` (logged) when that cannot be done."""
        picture = await load_picture(reply, self._api.http, max_bytes=IMAGE_MAX_BYTES)
        if picture is None:
            return False
        try:
            image_key = await self._api.upload_image(picture)
            await self._api.send_message(self._chat_id, "image", {"image_key": image_key})
        except ChannelError as exc:
            log.warning("picture not delivered: %s", exc)
            return False
        return True


def plain_card(text: str) -> dict[str, Any]:
    """A shared interactive card (``update_multi``, so edits reach everyone in the chat) with
    one plain-text block: plain, so nothing in the person's own words is read as markup."""
    return {
        "config": {"update_multi": True, "wide_screen_mode": True},
        "elements": [{"tag": "div", "text": {"tag": "plain_text", "content": text}}],
    }
