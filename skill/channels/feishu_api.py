"""The Feishu (Lark) open platform's HTTP API, as the channel and the bot use it.

The shapes are Feishu's, as documented:

- ``POST /open-apis/auth/v3/tenant_access_token/internal`` ``{app_id, app_secret}`` ->
  ``{code: 0, tenant_access_token, expire}`` (seconds); cached until shortly before it expires.
- ``POST /open-apis/im/v1/messages?receive_id_type=chat_id``
  ``{receive_id, msg_type, content, uuid}`` and ``POST /open-apis/im/v1/messages/:message_id/reply``
  ``{msg_type, content, uuid}`` (a reply in the thread of a message); ``content`` is a JSON
  *string*; -> ``{code: 0, data: {message_id}}``. ``uuid`` (at most 50 characters): within an
  hour, requests with the same uuid send at most one message; each send makes its own.
- ``PATCH /open-apis/im/v1/messages/:message_id`` ``{content}``: replaces a card sent with
  ``config.update_multi = true`` (a shared card), at most 5 edits a second per message.
- ``POST /open-apis/im/v1/images`` multipart ``image_type=message`` + ``image`` (at most
  10 MB) -> ``{data: {image_key}}``; ``POST /open-apis/im/v1/files`` multipart
  ``file_type=stream`` + ``file_name`` + ``file`` (at most 30 MB) -> ``{data: {file_key}}``.
- ``GET /open-apis/im/v1/messages/:message_id/resources/:file_key?type=image``: the bytes of a
  picture someone sent the bot (a JSON error body when refused).
- ``GET /open-apis/bot/v3/info`` -> ``{code: 0, bot: {open_id, app_name, ...}}`` (``bot`` at the
  top level, not under ``data``).
- Too many requests: HTTP 429 / code 99991400 (app or tenant limit) or code 230020 (this
  message edited too often); ``x-ogw-ratelimit-reset`` says how many seconds to wait. Feishu
  also takes at most 5 messages a second to one person or group: :class:`FeishuApi` paces its
  sends per chat so that a busy chat is not refused in the first place.

A call whose connection fails (refused, reset, closed without an answer, timed out) is tried
again, :data:`TRANSPORT_ATTEMPTS` times in all, a short wait between; then it fails as
``ChannelError("Feishu unreachable: <the httpx error's name>")``. Every call is safe to
repeat, even when Feishu did it and only the answer was lost: a GET and a card PATCH (it
replaces the content) do the same again, an upload repeated only makes another key, a token
request another token, and a send or reply carries its ``uuid``, the same on every repeat.

The app secret and every tenant token are registered with the log redactor and never appear in
an error. The HTTP client is httpx (the house's), not the SDK's: lark-oapi fetches its tenant
token with blocking ``requests`` even from its async calls, opens a new connection per call
and leaves rate limits to the caller.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx

from skill import catalog, net
from skill.channels._http import (
    ChannelError,
    Picture,
    RateLimited,
    check_platform_url,
    json_object,
)
from skill.clock import Clock, RealClock
from skill.logs import register_secret

log = logging.getLogger("skill.channels.feishu")

_T = TypeVar("_T")
#: What a call makes of Feishu's answer: its result, or ``None`` when the answer is an error.
_Accept = Callable[[httpx.Response], Awaitable["_T | None"]]

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_APP_ID",
    "ENV_APP_SECRET",
    "ENV_BASE_URL",
    "FILE_MAX_BYTES",
    "IMAGE_MAX_BYTES",
    "OFFICIAL_HOSTS",
    "FeishuApi",
    "FeishuError",
]

DEFAULT_BASE_URL = "https://open.feishu.cn"
OFFICIAL_HOSTS = frozenset({"open.feishu.cn", "open.larksuite.com"})
ENV_APP_ID = "FEISHU_APP_ID"
ENV_APP_SECRET = "FEISHU_APP_SECRET"  # noqa: S105 -- the variable's name, not a secret
ENV_BASE_URL = "FEISHU_BASE_URL"

#: A token is replaced this long (seconds) before Feishu says it expires.
TOKEN_REFRESH_MARGIN_S = 300.0
#: Feishu's limit for an uploaded message image, and for an uploaded file.
IMAGE_MAX_BYTES = 10 * 1024 * 1024
FILE_MAX_BYTES = 30 * 1024 * 1024
#: A request is tried at most this many times when Feishu asks us to slow down.
ATTEMPTS = 3
#: Waiting longer than this for a rate limit is not worth it: the request fails instead.
RATE_LIMIT_WAIT_CAP_S = 10.0
#: The wait when Feishu limits us without saying for how long.
RATE_LIMIT_DEFAULT_WAIT_S = 1.0
#: "Too many requests": the app/tenant limit, and the per-message edit limit.
RATE_LIMIT_CODES = frozenset({99991400, 230020})
#: Feishu calls under way at once; the rest wait their turn here. httpx's pool queues the
#: others itself, but looks over every queued request and connection each time one ends:
#: under a burst of 64 events that look took three quarters of a replica's CPU
#: (bench/bot.py, profiled), and the callbacks waited for it.
MAX_IN_FLIGHT = 32
#: Connections kept open to Feishu: those calls, and the pictures fetched through the same
#: client (at most one per generation running), each kept alive rather than reopened.
MAX_CONNECTIONS = 2 * MAX_IN_FLIGHT
#: The tenant token was refused (expired or revoked): fetch a new one once and retry.
TOKEN_INVALID_CODES = frozenset({99991661, 99991663, 99991668})
#: Feishu takes at most this many messages a second to one person or group.
MESSAGES_PER_SECOND = 5
PACING_WINDOW_S = 1.0
#: Feishu says (or is assumed to say) how long to wait: the policy bounds attempts and wait.
_RATE_LIMIT_RETRY = net.RetryPolicy(attempts=ATTEMPTS, retry_after_cap_s=RATE_LIMIT_WAIT_CAP_S)
#: A call whose connection fails is tried at most this many times, a short wait between
#: (about 0.25 s, then 0.5 s): under a burst a few connections drop, and each lost call is a
#: card stuck at its progress or a picture that never shows.
TRANSPORT_ATTEMPTS = 3
TRANSPORT_BACKOFF_BASE_S = 0.25
TRANSPORT_BACKOFF_CAP_S = 0.5
_TRANSPORT_RETRY = net.RetryPolicy(
    attempts=TRANSPORT_ATTEMPTS,
    backoff_base_s=TRANSPORT_BACKOFF_BASE_S,
    backoff_cap_s=TRANSPORT_BACKOFF_CAP_S,
)
#: The connection failed (refused, reset, closed without an answer, timed out): worth another
#: try. Any other httpx error (a malformed request, say) would fail the same way again.
_TRANSIENT = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


class FeishuError(ChannelError):
    """Feishu answered with a non-zero ``code``."""

    def __init__(self, operation: str, code: int | None, msg: str) -> None:
        super().__init__(f"Feishu refused {operation}: code {code}: {msg}")
        self.code = code


class _Pacer:
    """At most ``limit`` messages every ``window_s`` to one chat: a send waits its turn."""

    def __init__(self, clock: Clock, limit: int = MESSAGES_PER_SECOND) -> None:
        self._clock = clock
        self._limit = limit
        self._sent: dict[str, deque[float]] = {}

    async def wait(self, chat_id: str) -> None:
        while True:
            now = self._clock.now()
            sent = self._sent.setdefault(chat_id, deque())
            while sent and now - sent[0] >= PACING_WINDOW_S:
                sent.popleft()
            if len(sent) < self._limit:
                sent.append(now)
                self._forget_quiet_chats(now)
                return
            await self._clock.sleep(sent[0] + PACING_WINDOW_S - now)

    def _forget_quiet_chats(self, now: float) -> None:
        if len(self._sent) <= catalog.HTTP_MAX_IN_FLIGHT:
            return
        for chat, sent in list(self._sent.items()):
            if not sent or now - sent[-1] >= PACING_WINDOW_S:
                del self._sent[chat]


class FeishuApi:
    """One app's calls to the open platform: the token, rate limits, pacing, the endpoints."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
    ) -> None:
        register_secret(app_secret)
        self._app_id = app_id
        self._app_secret = app_secret
        self.base_url = check_platform_url(base_url, hosts=OFFICIAL_HOSTS, variable=ENV_BASE_URL)
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(
            timeout=catalog.HTTP_TIMEOUT_S,
            limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=None),
        )
        # Platform limits are in real seconds, whatever speed the conversation runs at.
        self.clock: Clock = clock or RealClock()
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = asyncio.Lock()
        self._pacer = _Pacer(self.clock)
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)

    # --- messages ------------------------------------------------------------------------------
    async def send_message(self, chat_id: str, msg_type: str, content: Mapping[str, Any]) -> str:
        """Post a message into a chat; its message id. Sent at most once, however often the
        request is repeated (:func:`_once_only`)."""
        await self._pacer.wait(chat_id)
        data = await self.call(
            "POST",
            "/open-apis/im/v1/messages",
            operation=f"the {msg_type} message",
            params={"receive_id_type": "chat_id"},
            json_body=_once_only(
                {
                    "receive_id": chat_id,
                    "msg_type": msg_type,
                    "content": json.dumps(content, ensure_ascii=False),
                }
            ),
        )
        return _field(data, "message_id")

    async def reply_message(
        self, message_id: str, msg_type: str, content: Mapping[str, Any], *, chat_id: str
    ) -> str:
        """Answer ``message_id`` in its thread (in ``chat_id``, for the pacing); the id. Sent at
        most once, however often the request is repeated (:func:`_once_only`)."""
        await self._pacer.wait(chat_id)
        data = await self.call(
            "POST",
            f"/open-apis/im/v1/messages/{message_id}/reply",
            operation=f"the {msg_type} reply",
            json_body=_once_only(
                {"msg_type": msg_type, "content": json.dumps(content, ensure_ascii=False)}
            ),
        )
        return _field(data, "message_id")

    async def update_card(self, message_id: str, card: Mapping[str, Any]) -> None:
        """Replace the content of a shared card."""
        await self.call(
            "PATCH",
            f"/open-apis/im/v1/messages/{message_id}",
            operation="the card update",
            json_body={"content": json.dumps(card, ensure_ascii=False)},
        )

    async def upload_image(self, picture: Picture) -> str:
        """Upload a picture (at most :data:`IMAGE_MAX_BYTES`) for messages; its image key."""
        data = await self.call(
            "POST",
            "/open-apis/im/v1/images",
            operation="the picture upload",
            data={"image_type": "message"},
            files={"image": (picture.filename, picture.data, picture.content_type)},
        )
        return _field(data, "image_key")

    async def upload_file(self, picture: Picture) -> str:
        """Upload a picture as a file (at most :data:`FILE_MAX_BYTES`); its file key."""
        data = await self.call(
            "POST",
            "/open-apis/im/v1/files",
            operation="the file upload",
            data={"file_type": "stream", "file_name": picture.filename},
            files={"file": (picture.filename, picture.data, picture.content_type)},
        )
        return _field(data, "file_key")

    async def bot_info(self) -> dict[str, object]:
        """The app's bot (``open_id``, ``app_name``...): the bot ability must be enabled."""
        body = await self.request("GET", "/open-apis/bot/v3/info", operation="the bot info")
        bot = body.get("bot")
        if not isinstance(bot, dict) or not isinstance(bot.get("open_id"), str):
            raise ChannelError("Feishu answered without the bot's open_id")
        return bot

    async def download_resource(self, message_id: str, file_key: str, *, max_bytes: int) -> bytes:
        """The bytes of a picture in a message the bot received; :class:`ChannelError` when it
        is refused, unreachable or larger than ``max_bytes``."""

        async def picture(resp: httpx.Response) -> bytes | None:
            kind = resp.headers.get("content-type", "")
            if resp.status_code == httpx.codes.OK and "json" not in kind:
                return await _read_capped(resp, max_bytes)
            return None  # Feishu's JSON error

        return await self._exchange(
            "GET",
            f"/open-apis/im/v1/messages/{message_id}/resources/{file_key}",
            "the picture download",
            picture,
            params={"type": "image"},
        )

    # --- tokens and calls ----------------------------------------------------------------------
    async def tenant_token(self, *, renew: bool = False) -> str:
        """The tenant access token (cached; ``renew`` fetches a new one)."""
        async with self._token_lock:
            if self._token and not renew and self.clock.now() < self._token_expires_at:
                return self._token
            resp, accepted = await self._transmit(
                "POST",
                f"{self.base_url}/open-apis/auth/v3/tenant_access_token/internal",
                _accepted_json,
                operation="the tenant token",
                json={"app_id": self._app_id, "app_secret": self._app_secret},
            )
            body = accepted if accepted is not None else json_object(resp)
            token = body.get("tenant_access_token")
            if accepted is None or not isinstance(token, str) or not token:
                raise FeishuError("the app credentials", _code(body), str(body.get("msg", "")))
            register_secret(token)
            expire = body.get("expire")
            lifetime = float(expire) if isinstance(expire, (int, float)) else 0.0
            self._token = token
            self._token_expires_at = self.clock.now() + max(0.0, lifetime - TOKEN_REFRESH_MARGIN_S)
            return token

    async def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, object]:
        """One Feishu call: the ``data`` of its ``code: 0`` answer (see :meth:`request`)."""
        body = await self.request(
            method,
            path,
            operation=operation,
            params=params,
            json_body=json_body,
            data=data,
            files=files,
        )
        payload = body.get("data")
        return payload if isinstance(payload, dict) else {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, object]:
        """One Feishu call: its whole ``code: 0`` answer, honouring rate limits and renewing a
        refused token once; :class:`ChannelError` otherwise."""
        return await self._exchange(
            method,
            path,
            operation,
            _accepted_json,
            params=params,
            json=json_body,
            data=data,
            files=files,
        )

    async def _exchange(
        self, method: str, path: str, operation: str, accept: _Accept[_T], **request: Any
    ) -> _T:
        """One Feishu call, whatever its answer's form: ``accept`` makes the result of a good
        answer and says ``None`` to any other, which is then read as Feishu's JSON error. A
        refused token is renewed once, a rate limit waited out as Feishu asks; otherwise
        :class:`FeishuError` (or :class:`RateLimited`, :class:`ChannelError`)."""
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            token = await self.tenant_token()
            resp, result = await self._transmit(
                method,
                f"{self.base_url}{path}",
                accept,
                operation=operation,
                headers={"Authorization": f"Bearer {token}"},
                **request,
            )
            if result is not None:
                return result
            body = json_object(resp)
            code = _code(body)
            if code in TOKEN_INVALID_CODES and not renewed:
                renewed = True
                await self.tenant_token(renew=True)
                continue
            if await self._waited_for_limit(resp, code, attempt, operation):
                continue
            raise FeishuError(operation, code, str(body.get("msg", resp.reason_phrase)))

    async def _transmit(
        self, method: str, url: str, accept: _Accept[_T], *, operation: str, **request: Any
    ) -> tuple[httpx.Response, _T | None]:
        """One HTTP exchange: the answer (its body read) and what ``accept`` made of it. A
        failed connection is tried again, up to :data:`TRANSPORT_ATTEMPTS` times: every call
        is safe to repeat (the module docstring says why); then :class:`ChannelError`."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._transmit_once(method, url, accept, **request)
            except _TRANSIENT as exc:
                wait = _TRANSPORT_RETRY.delay(attempt)
                if wait is None:
                    raise _unreachable(exc) from None
                log.info(
                    "Feishu call for %s failed (%s, attempt %d); again in %.2fs",
                    operation,
                    type(exc).__name__,
                    attempt,
                    wait,
                )
                await self.clock.sleep(wait)
            except httpx.HTTPError as exc:
                raise _unreachable(exc) from None

    async def _transmit_once(
        self, method: str, url: str, accept: _Accept[_T], **request: Any
    ) -> tuple[httpx.Response, _T | None]:
        """Streamed, so that ``accept`` can cap a download as it arrives."""
        async with self._in_flight, self.http.stream(method, url, **request) as resp:
            result = await accept(resp)
            if result is None:
                await resp.aread()
            return resp, result

    async def _waited_for_limit(
        self, resp: httpx.Response, code: int | None, attempt: int, operation: str
    ) -> bool:
        """A rate-limit answer: wait as Feishu asks and say True (try again); False for any
        other answer; :class:`RateLimited` when the wait is too long or the attempts are out."""
        if resp.status_code != httpx.codes.TOO_MANY_REQUESTS and code not in RATE_LIMIT_CODES:
            return False
        wait = net.retry_after_seconds(resp.headers.get("x-ogw-ratelimit-reset"))
        wait = RATE_LIMIT_DEFAULT_WAIT_S if wait is None else wait
        delay = _RATE_LIMIT_RETRY.delay(attempt, wait)
        if delay is None:
            raise RateLimited(f"Feishu rate limit on {operation}", wait)
        log.info("Feishu asked to slow down; waiting %.1fs", delay)
        await self.clock.sleep(delay)
        return True

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()


async def _accepted_json(resp: httpx.Response) -> dict[str, object] | None:
    """A ``code: 0`` answer's JSON object; ``None`` for any other."""
    await resp.aread()
    body = json_object(resp)
    return body if _code(body) == 0 and resp.is_success else None


async def _read_capped(resp: httpx.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ChannelError(f"the picture is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _unreachable(exc: httpx.HTTPError) -> ChannelError:
    # The exception's name only: its text could carry an address or a header.
    return ChannelError(f"Feishu unreachable: {type(exc).__name__}")


def _once_only(body: dict[str, Any]) -> dict[str, Any]:
    """A message's body with a ``uuid`` of its own: Feishu sends at most one message per uuid
    within an hour, so the same body repeated (after a lost answer) is not a second message."""
    return {**body, "uuid": uuid.uuid4().hex}


def _code(body: Mapping[str, object]) -> int | None:
    code = body.get("code")
    return code if isinstance(code, int) else None


def _field(body: Mapping[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ChannelError(f"Feishu answered without {name}")
    return value
