"""Feishu (Lark): a bot posts the conversation straight into a chat, no agent in between.

The shapes are Feishu's open platform, as documented:

- ``POST /open-apis/auth/v3/tenant_access_token/internal`` ``{app_id, app_secret}`` ->
  ``{code: 0, tenant_access_token, expire}`` (seconds); cached until shortly before it expires.
- ``POST /open-apis/im/v1/messages?receive_id_type=chat_id`` ``{receive_id, msg_type, content}``
  (``content`` is a JSON *string*) -> ``{code: 0, data: {message_id}}``.
- ``PATCH /open-apis/im/v1/messages/:message_id`` ``{content}``: replaces a card sent with
  ``config.update_multi = true`` (a shared card), at most 5 edits a second per message.
- ``POST /open-apis/im/v1/images`` multipart ``image_type=message`` + ``image`` ->
  ``{code: 0, data: {image_key}}``, then an ``image`` message ``{"image_key": ...}``.
- Too many requests: HTTP 429 / code 99991400 (app or tenant limit) or code 230020 (this
  message edited too often); ``x-ogw-ratelimit-reset`` says how many seconds to wait.

One interactive card is sent with the acknowledgement and edited in place for the start notice,
progress and the outcome; on success the picture follows as an image message. The app secret
and the tokens are registered with the log redactor and never appear in an error.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import httpx

from skill import catalog, net
from skill.channels._board import Board, EditThrottle
from skill.channels._http import (
    ChannelConfigError,
    ChannelError,
    RateLimited,
    check_platform_url,
    json_object,
    load_picture,
)
from skill.clock import Clock, RealClock
from skill.events import Reply
from skill.logs import register_secret

log = logging.getLogger("skill.channels.feishu")

DEFAULT_BASE_URL = "https://open.feishu.cn"
OFFICIAL_HOSTS = frozenset({"open.feishu.cn", "open.larksuite.com"})
ENV_APP_ID = "FEISHU_APP_ID"
ENV_APP_SECRET = "FEISHU_APP_SECRET"  # noqa: S105 -- the variable's name, not a secret
ENV_BASE_URL = "FEISHU_BASE_URL"

#: The card is edited at most this often (seconds); Feishu allows 5 edits a second per message,
#: and people do not read faster than this anyway.
MIN_EDIT_INTERVAL_S = 2.0
#: A token is replaced this long (seconds) before Feishu says it expires.
TOKEN_REFRESH_MARGIN_S = 300.0
#: Feishu's limit for an uploaded message image.
IMAGE_MAX_BYTES = 10 * 1024 * 1024
#: A request is tried at most this many times when Feishu asks us to slow down.
ATTEMPTS = 3
#: Waiting longer than this for a rate limit is not worth it: the request fails instead.
RATE_LIMIT_WAIT_CAP_S = 10.0
#: The wait when Feishu limits us without saying for how long.
RATE_LIMIT_DEFAULT_WAIT_S = 1.0
#: "Too many requests": the app/tenant limit, and the per-message edit limit.
RATE_LIMIT_CODES = frozenset({99991400, 230020})
#: The tenant token was refused (expired or revoked): fetch a new one once and retry.
TOKEN_INVALID_CODES = frozenset({99991661, 99991663, 99991668})
#: Feishu says (or is assumed to say) how long to wait: the policy bounds attempts and wait.
_RATE_LIMIT_RETRY = net.RetryPolicy(attempts=ATTEMPTS, retry_after_cap_s=RATE_LIMIT_WAIT_CAP_S)


class FeishuError(ChannelError):
    """Feishu answered with a non-zero ``code``."""

    def __init__(self, operation: str, code: int | None, msg: str) -> None:
        super().__init__(f"Feishu refused {operation}: code {code}: {msg}")
        self.code = code


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
        register_secret(app_secret)
        self._chat_id = chat_id
        self._app_id = app_id
        self._app_secret = app_secret
        self._base = check_platform_url(base_url, hosts=OFFICIAL_HOSTS, variable=ENV_BASE_URL)
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=catalog.HTTP_TIMEOUT_S)
        # Platform limits are in real seconds, whatever speed the conversation runs at.
        self._clock: Clock = clock or RealClock()
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._message_id: str | None = None
        self._board = Board()
        self._throttle = EditThrottle(
            self._edit_card, clock=self._clock, min_interval_s=min_edit_interval_s
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
            self._message_id = await self._send_message("interactive", _card(text))
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
        if self._own_http:
            await self._http.aclose()

    # --- card and picture ----------------------------------------------------------------------

    async def _edit_card(self, text: str) -> None:
        if self._message_id is None:  # the card is always created first; keep mypy honest
            raise ChannelError("no card to update")
        await self._call(
            "PATCH",
            f"/open-apis/im/v1/messages/{self._message_id}",
            operation="the card update",
            json_body={"content": json.dumps(_card(text), ensure_ascii=False)},
        )

    async def _send_picture(self, reply: Reply) -> bool:
        """Upload the picture and post it; ``False`` (logged) when that cannot be done."""
        picture = await load_picture(reply, self._http, max_bytes=IMAGE_MAX_BYTES)
        if picture is None:
            return False
        try:
            body = await self._call(
                "POST",
                "/open-apis/im/v1/images",
                operation="the picture upload",
                data={"image_type": "message"},
                files={"image": (picture.filename, picture.data, picture.content_type)},
            )
            image_key = _field(body, "image_key")
            await self._send_message("image", {"image_key": image_key})
        except ChannelError as exc:
            log.warning("picture not delivered: %s", exc)
            return False
        return True

    async def _send_message(self, msg_type: str, content: dict[str, Any]) -> str:
        body = await self._call(
            "POST",
            "/open-apis/im/v1/messages",
            operation=f"the {msg_type} message",
            params={"receive_id_type": "chat_id"},
            json_body={
                "receive_id": self._chat_id,
                "msg_type": msg_type,
                "content": json.dumps(content, ensure_ascii=False),
            },
        )
        return _field(body, "message_id")

    # --- HTTP ----------------------------------------------------------------------------------

    async def _tenant_token(self, *, renew: bool = False) -> str:
        if self._token and not renew and self._clock.now() < self._token_expires_at:
            return self._token
        try:
            resp = await self._http.post(
                f"{self._base}/open-apis/auth/v3/tenant_access_token/internal",
                json={"app_id": self._app_id, "app_secret": self._app_secret},
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"Feishu unreachable: {type(exc).__name__}") from None
        body = json_object(resp)
        token = body.get("tenant_access_token")
        if body.get("code") != 0 or not isinstance(token, str) or not token:
            raise FeishuError("the app credentials", _code(body), str(body.get("msg", "")))
        register_secret(token)
        expire = body.get("expire")
        lifetime = float(expire) if isinstance(expire, (int, float)) else 0.0
        self._token = token
        self._token_expires_at = self._clock.now() + max(0.0, lifetime - TOKEN_REFRESH_MARGIN_S)
        return token

    async def _call(
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
        """One Feishu call: ``data`` of a ``code: 0`` answer, honouring rate limits and renewing
        a refused token once; :class:`ChannelError` otherwise."""
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            token = await self._tenant_token()
            try:
                resp = await self._http.request(
                    method,
                    f"{self._base}{path}",
                    params=params,
                    json=json_body,
                    data=data,
                    files=files,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as exc:
                raise ChannelError(f"Feishu unreachable: {type(exc).__name__}") from None
            body = json_object(resp)
            code = _code(body)
            if code == 0 and resp.is_success:
                payload = body.get("data")
                return payload if isinstance(payload, dict) else {}
            if code in TOKEN_INVALID_CODES and not renewed:
                renewed = True
                await self._tenant_token(renew=True)
                continue
            if resp.status_code == httpx.codes.TOO_MANY_REQUESTS or code in RATE_LIMIT_CODES:
                wait = net.retry_after_seconds(resp.headers.get("x-ogw-ratelimit-reset"))
                wait = RATE_LIMIT_DEFAULT_WAIT_S if wait is None else wait
                delay = _RATE_LIMIT_RETRY.delay(attempt, wait)
                if delay is None:
                    raise RateLimited(f"Feishu rate limit on {operation}", wait)
                log.info("Feishu asked to slow down; waiting %.1fs", delay)
                await self._clock.sleep(delay)
                continue
            raise FeishuError(operation, code, str(body.get("msg", resp.reason_phrase)))


def _card(text: str) -> dict[str, Any]:
    """A shared interactive card (``update_multi``, so edits reach everyone in the chat) with
    one plain-text block: plain, so nothing in the person's own words is read as markup."""
    return {
        "config": {"update_multi": True, "wide_screen_mode": True},
        "elements": [{"tag": "div", "text": {"tag": "plain_text", "content": text}}],
    }


def _code(body: Mapping[str, object]) -> int | None:
    code = body.get("code")
    return code if isinstance(code, int) else None


def _field(body: Mapping[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ChannelError(f"Feishu answered without {name}")
    return value
