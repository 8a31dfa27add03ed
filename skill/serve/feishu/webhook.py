"""``POST /feishu/events``: Feishu's request-URL mode (events and card callbacks).

Every request is checked before anything is done, and answered within a second (the work goes
on after, in the bot): the body is at most :data:`~.config.MAX_EVENT_BYTES` of JSON holding
``encrypt`` (an Encrypt Key is required in this mode, so every request is encrypted and
signed); its signature (:mod:`.crypto`) and age are checked; it is decrypted; its verification
token is compared. Then:

- ``url_verification`` (the URL check when the address is saved in the console): answered
  ``{"challenge": ...}``; the one request Feishu does not sign;
- anything else: handed to :meth:`FeishuDoor.accept`, whose answer (``{}``, a toast) is sent.

Malformed: 400. Unsigned, forged, stale, another app's token: 401. Stopping: 503, so that
Feishu delivers it again, to another replica. Nothing is done for any of them.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from skill.serve.feishu import crypto
from skill.serve.feishu.config import CLOCK_SKEW_S, MAX_EVENT_BYTES, REPLAY_WINDOW_S, FeishuConfig
from skill.serve.feishu.crypto import Refused
from skill.serve.feishu.door import FeishuDoor, NotAccepting
from skill.serve.feishu.events import URL_VERIFICATION
from skill.serve.http import HttpServer, make_app

log = logging.getLogger("skill.serve.feishu")

__all__ = ["PATH", "routes", "webhook_server"]

PATH = "/feishu/events"
_SERVICE_UNAVAILABLE = 503


def webhook_server(
    door: FeishuDoor, config: FeishuConfig, *, host: str = "127.0.0.1", port: int = 0
) -> HttpServer:
    """The webhook's server (``/healthz`` beside it), on a thread of its own: the callback is
    answered within Feishu's second however busy the generations keep the bot's loop
    (:meth:`FeishuDoor.accept` is safe from any thread)."""
    return HttpServer(
        make_app(door.bot, routes(door, config)), host=host, port=port, own_thread=True
    )


def routes(
    door: FeishuDoor, config: FeishuConfig, *, now: Callable[[], float] = time.time
) -> list[Route]:
    """The webhook's route for ``door`` (``now``: the clock the signatures' age is read on)."""

    async def events(request: Request) -> JSONResponse:
        try:
            body = await _read(request)
            answer = _handle(door, config, dict(request.headers), body, now())
        except Refused as refused:
            log.warning("a webhook request was refused (%d): %s", refused.status, refused)
            return JSONResponse({"msg": "refused"}, status_code=refused.status)
        except NotAccepting:
            return JSONResponse({"msg": "stopping"}, status_code=_SERVICE_UNAVAILABLE)
        return JSONResponse(answer)

    return [Route(PATH, events, methods=["POST"])]


async def _read(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_EVENT_BYTES):
        raise Refused(400, "the body is too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_EVENT_BYTES:
            raise Refused(400, "the body is too large")
    return body


def _handle(
    door: FeishuDoor, config: FeishuConfig, headers: dict[str, str], body: bytes, now: float
) -> dict[str, Any]:
    outer = _json_object(body, "the body")
    encrypted = outer.get("encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise Refused(400, "the body is not encrypted")
    signed = crypto.is_signed(headers)
    if signed:
        crypto.verify_signature(
            headers,
            body,
            config.encrypt_key,
            now=now,
            max_age_s=REPLAY_WINDOW_S,
            skew_s=CLOCK_SKEW_S,
        )
    payload = _json_object(crypto.decrypt(encrypted, config.encrypt_key), "the event")
    if payload.get("type") == URL_VERIFICATION:
        _check_token(payload.get("token"), config)
        challenge = payload.get("challenge")
        if not isinstance(challenge, str):
            raise Refused(400, "the URL check has no challenge")
        return {"challenge": challenge}
    if not signed:
        raise Refused(401, "the request is not signed")
    header = payload.get("header")
    _check_token(header.get("token") if isinstance(header, dict) else None, config)
    return door.accept(payload)


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


def _check_token(token: object, config: FeishuConfig) -> None:
    if not isinstance(token, str) or not hmac.compare_digest(
        token.encode("utf-8"), config.verification_token.encode("utf-8")
    ):
        raise Refused(401, "the verification token does not match")
