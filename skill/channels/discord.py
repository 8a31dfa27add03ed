"""Discord: the conversation as one webhook message, edited as it goes, the picture attached.

The shapes are Discord's webhook API, as documented:

- ``POST {webhook}?wait=true`` ``{content, allowed_mentions}`` -> the message object (``id``);
  without ``wait=true`` Discord answers 204 and no id, so the message could not be edited.
- ``PATCH {webhook}/messages/{id}`` ``{content}`` edits it; with a file the body is
  ``multipart/form-data``: a ``payload_json`` part (``content`` and ``attachments:
  [{id: 0, filename}]``) and a ``files[0]`` part holding the bytes.
- Too many requests: HTTP 429 with ``{"retry_after": seconds, "global": bool}`` and a
  ``Retry-After`` header; the request may be repeated after that wait.

The webhook URL is a credential (its last segment is the token): it is accepted only for
``https://discord.com`` / ``discordapp.com`` ``/api/webhooks/...`` or loopback, registered with
the log redactor, and never put into an error message. ``allowed_mentions`` is empty, so words
from the chat can never ping anyone.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from skill import catalog, net
from skill.channels._board import Board, EditThrottle
from skill.channels._http import (
    ChannelConfigError,
    ChannelError,
    Picture,
    RateLimited,
    check_platform_url,
    json_object,
    load_picture,
)
from skill.clock import Clock, RealClock
from skill.events import Reply
from skill.logs import register_secret

log = logging.getLogger("skill.channels.discord")

OFFICIAL_HOSTS = frozenset({"discord.com", "discordapp.com"})
_WEBHOOK_PATH = re.compile(r"^/api(?:/v\d+)?/webhooks/(\d+)/([A-Za-z0-9_\-]+)$")

#: The message is edited at most this often (seconds): a webhook allows about five requests
#: every two seconds, and the edits of one conversation stay far below that.
MIN_EDIT_INTERVAL_S = 1.0
#: Discord's limit on a message's text.
CONTENT_MAX_CHARS = 2000
#: Discord's upload limit for a webhook file without boosts.
FILE_MAX_BYTES = 10 * 1024 * 1024
#: A request is tried at most this many times when Discord answers 429.
ATTEMPTS = 3
#: Waiting longer than this for a rate limit is not worth it: the request fails instead.
RATE_LIMIT_WAIT_CAP_S = 10.0
#: The wait when a 429 says nothing about how long.
RATE_LIMIT_DEFAULT_WAIT_S = 1.0
_NO_MENTIONS: dict[str, Any] = {"parse": []}
#: A 429 always says (or is assumed to say) how long: the policy bounds attempts and wait.
_RATE_LIMIT_RETRY = net.RetryPolicy(attempts=ATTEMPTS, retry_after_cap_s=RATE_LIMIT_WAIT_CAP_S)


def check_webhook_url(url: str) -> str:
    """``url`` when it is a Discord webhook (or loopback, for tests); else
    :class:`ChannelConfigError` with a reason that does not repeat the URL."""
    checked = check_platform_url(url, hosts=OFFICIAL_HOSTS, variable="--webhook-url")
    if not _WEBHOOK_PATH.match(urlsplit(checked).path):
        raise ChannelConfigError(
            "--webhook-url must look like https://discord.com/api/webhooks/<id>/<token>"
        )
    return checked


class DiscordChannel:
    """Posts the conversation through one Discord webhook as a message that edits itself."""

    def __init__(
        self,
        webhook_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        min_edit_interval_s: float = MIN_EDIT_INTERVAL_S,
    ) -> None:
        if not webhook_url:
            raise ChannelConfigError("a Discord webhook is needed (--webhook-url)")
        url = check_webhook_url(webhook_url)
        parts = urlsplit(url)
        match = _WEBHOOK_PATH.match(parts.path)
        if match:
            register_secret(match.group(2))
        register_secret(url)
        self._webhook = httpx.URL(url)
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=catalog.HTTP_TIMEOUT_S)
        # Rate limits are in real seconds, whatever speed the conversation runs at.
        self._clock: Clock = clock or RealClock()
        self._message_id: str | None = None
        self._board = Board()
        self._throttle = EditThrottle(
            self._edit_text, clock=self._clock, min_interval_s=min_edit_interval_s
        )

    # --- the Channel protocol -----------------------------------------------------------------

    async def send(self, reply: Reply) -> None:
        """Deliver one reply: post the message, edit it, attach the picture."""
        self._board.apply(reply)
        if reply.event == "done":
            return
        if self._message_id is None:
            # Without this first message the person hears nothing: a failure here is raised.
            text = fit_content(self._board.text())
            body = await self._request(
                "POST",
                self._webhook,
                "the first message",
                params={"wait": "true"},
                json_body={"content": text, "allowed_mentions": _NO_MENTIONS},
            )
            message_id = body.get("id")
            if not isinstance(message_id, str) or not message_id:
                raise ChannelError("Discord answered without a message id")
            self._message_id = message_id
            self._throttle.created(text)
            if reply.event != "success":
                return
        elif reply.event in ("start", "progress"):
            await self._throttle.update(fit_content(self._board.text()))
            return
        text = fit_content(self._board.text())
        picture = None
        if reply.event == "success":
            picture = await load_picture(reply, self._http, max_bytes=FILE_MAX_BYTES)
        if picture is None:
            await self._throttle.final(text)
            return
        await self._throttle.final_with(text, lambda: self._edit_with_picture(text, picture))

    async def aclose(self) -> None:
        await self._throttle.aclose()
        if self._own_http:
            await self._http.aclose()

    # --- edits ---------------------------------------------------------------------------------

    def _message_url(self) -> httpx.URL:
        if self._message_id is None:  # the message is always posted first; keep mypy honest
            raise ChannelError("no message to edit")
        return self._webhook.copy_with(path=f"{self._webhook.path}/messages/{self._message_id}")

    async def _edit_text(self, text: str) -> None:
        await self._request(
            "PATCH",
            self._message_url(),
            "the message edit",
            json_body={"content": text, "allowed_mentions": _NO_MENTIONS},
        )

    async def _edit_with_picture(self, text: str, picture: Picture) -> None:
        payload = {
            "content": text,
            "allowed_mentions": _NO_MENTIONS,
            "attachments": [{"id": 0, "filename": picture.filename}],
        }
        try:
            await self._request(
                "PATCH",
                self._message_url(),
                "the picture",
                data={"payload_json": json.dumps(payload, ensure_ascii=False)},
                files={"files[0]": (picture.filename, picture.data, picture.content_type)},
            )
        except ChannelError as exc:
            # The caption carries the link: the outcome still reaches the person without the
            # attachment.
            log.warning("picture not attached: %s", exc)
            await self._edit_text(text)

    # --- HTTP ----------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        url: httpx.URL,
        operation: str,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, object]:
        return await discord_request(
            self._http,
            self._clock,
            method,
            url,
            operation,
            params=params,
            json_body=json_body,
            data=data,
            files=files,
        )


class DiscordRefused(ChannelError):
    """Discord answered with an error other than 429: its status and Discord's own code
    (``10015`` unknown webhook, ``40060`` already acknowledged...), never the URL."""

    def __init__(self, message: str, status: int, code: int | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


async def discord_request(
    http: httpx.AsyncClient,
    clock: Clock,
    method: str,
    url: httpx.URL | str,
    operation: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    json_body: Any = None,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> dict[str, object]:
    """One Discord REST call, repeated after a 429 for as long as Discord asks (within
    limits): the webhook channel's and the interactions bot's. Errors name the operation and
    the status only, never the URL, which may hold a token (:class:`DiscordRefused`,
    :class:`RateLimited`, :class:`ChannelError` when unreachable)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            resp = await http.request(
                method,
                url,
                headers=headers,
                params=params,
                json=json_body,
                data=data,
                files=files,
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"Discord unreachable: {type(exc).__name__}") from None
        if resp.is_success:
            return json_object(resp)
        if resp.status_code == httpx.codes.TOO_MANY_REQUESTS:
            wait = _retry_after(resp)
            delay = _RATE_LIMIT_RETRY.delay(attempt, wait)
            if delay is None:
                raise RateLimited(f"Discord rate limit on {operation}", wait)
            log.info("Discord asked to slow down; waiting %.2fs", delay)
            await clock.sleep(delay)
            continue
        body = json_object(resp)
        detail = body.get("message", resp.reason_phrase)
        code = body.get("code")
        raise DiscordRefused(
            f"Discord refused {operation}: {resp.status_code} {detail}",
            resp.status_code,
            code if isinstance(code, int) else None,
        )


def _retry_after(resp: httpx.Response) -> float:
    """The wait a 429 asks for: the body's ``retry_after`` (seconds, may be fractional), else
    the ``Retry-After`` header, else a short default."""
    value = json_object(resp).get("retry_after")
    wait = net.retry_after_seconds(value) if isinstance(value, (int, float, str)) else None
    if wait is None:
        wait = net.retry_after_seconds(resp.headers.get("retry-after"))
    return RATE_LIMIT_DEFAULT_WAIT_S if wait is None else wait


def fit_content(text: str) -> str:
    """Discord refuses longer texts; the end (the outcome, the link) matters less than a
    message that arrives at all."""
    if len(text) <= CONTENT_MAX_CHARS:
        return text
    return text[: CONTENT_MAX_CHARS - 1] + "…"
