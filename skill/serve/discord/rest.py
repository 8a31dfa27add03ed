"""Discord's REST API, the calls the bot makes (documented shapes, API v10):

- ``POST /interactions/{id}/{token}/callback`` ``{type, data?}``: the first answer to an
  interaction (5: "thinking…", to be edited; 4 with flag 64: a line only the presser sees);
- ``PATCH /webhooks/{application}/{token}/messages/@original``: the answer edited in place,
  JSON or, with a file, ``multipart/form-data`` (``payload_json`` + ``files[0]``); in API v10
  ``attachments`` lists every attachment the message keeps, old and new;
- ``POST /channels/{channel}/messages`` and ``PATCH /channels/{channel}/messages/{id}`` with
  ``Authorization: Bot <token>``: a plain channel message, once the interaction's token is
  spent (15 minutes);
- ``PUT /applications/{application}/commands``: every global command at once (bot token).

Each call goes through :func:`skill.channels.discord.discord_request`: a 429 is waited out as
long as its ``retry_after`` (body) or ``Retry-After`` (header) asks, within limits. Tokens are
in URLs and headers only, never in an error message or a log line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from skill.channels._http import Picture
from skill.channels.discord import discord_request
from skill.clock import Clock, RealClock
from skill.serve.discord.config import DiscordConfig

__all__ = ["DiscordRest", "MessageBody"]

#: No word from the chat ever pings anyone.
NO_MENTIONS: dict[str, Any] = {"parse": []}
MessageBody = dict[str, Any]


def _multipart(
    body: MessageBody, picture: Picture
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """``body`` with ``picture`` as its only attachment, as Discord's upload form wants it."""
    payload = {**body, "attachments": [{"id": 0, "filename": picture.filename}]}
    data = {"payload_json": json.dumps(payload, ensure_ascii=False)}
    files = {"files[0]": (picture.filename, picture.data, picture.content_type)}
    return data, files


class DiscordRest:
    """The bot's REST calls, on one HTTP client (see the module docstring)."""

    def __init__(
        self, config: DiscordConfig, http: httpx.AsyncClient, *, clock: Clock | None = None
    ) -> None:
        self.config = config
        self._http = http
        # Rate limits are in real seconds, whatever speed a conversation runs at.
        self._clock: Clock = clock or RealClock()
        self._base = config.api_base_url

    @property
    def http(self) -> httpx.AsyncClient:
        """The HTTP client (the picture's download shares it)."""
        return self._http

    def _bot(self) -> dict[str, str]:
        return {"Authorization": f"Bot {self.config.bot_token}"}

    async def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: MessageBody | Sequence[Any] | None = None,
        picture: Picture | None = None,
        bot: bool = False,
        params: dict[str, str] | None = None,
    ) -> dict[str, object]:
        headers = self._bot() if bot else None
        url = f"{self._base}{path}"
        if picture is not None and isinstance(body, dict):
            data, files = _multipart(body, picture)
            return await discord_request(
                self._http,
                self._clock,
                method,
                url,
                operation,
                headers=headers,
                params=params,
                data=data,
                files=files,
            )
        return await discord_request(
            self._http,
            self._clock,
            method,
            url,
            operation,
            headers=headers,
            params=params,
            json_body=body,
        )

    # --- interactions -------------------------------------------------------------------------
    async def callback(self, interaction_id: str, token: str, answer: MessageBody) -> None:
        """The interaction's first answer (raises :class:`DiscordRefused`, e.g. code 40060
        when it was answered already)."""
        path = f"/interactions/{interaction_id}/{token}/callback"
        await self._call("POST", path, "the first answer", body=answer)

    async def edit_original(
        self, token: str, body: MessageBody, picture: Picture | None = None
    ) -> dict[str, object]:
        """Edit the interaction's answer; the message object Discord gives back."""
        path = f"/webhooks/{self.config.application_id}/{token}/messages/@original"
        return await self._call("PATCH", path, "the message edit", body=body, picture=picture)

    # --- channel messages (bot token) ---------------------------------------------------------
    async def post_message(
        self, channel_id: str, body: MessageBody, picture: Picture | None = None
    ) -> dict[str, object]:
        """A new message in the channel, as the bot."""
        path = f"/channels/{channel_id}/messages"
        return await self._call(
            "POST", path, "the channel message", body=body, picture=picture, bot=True
        )

    async def edit_message(
        self, channel_id: str, message_id: str, body: MessageBody, picture: Picture | None = None
    ) -> dict[str, object]:
        """Edit a message the bot posted."""
        path = f"/channels/{channel_id}/messages/{message_id}"
        return await self._call(
            "PATCH", path, "the channel message edit", body=body, picture=picture, bot=True
        )

    # --- commands -------------------------------------------------------------------------------
    async def put_commands(self, commands: Sequence[MessageBody]) -> list[dict[str, object]]:
        """Create or update every global command at once (a command not listed is removed);
        the commands Discord then lists."""
        path = f"/applications/{self.config.application_id}/commands"
        await self._call("PUT", path, "the command registration", body=list(commands), bot=True)
        try:
            listed = await self._http.get(f"{self._base}{path}", headers=self._bot())
            found = listed.json() if listed.is_success else []
        except (httpx.HTTPError, ValueError):
            found = []  # registered all the same: only the listing is missing
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []
