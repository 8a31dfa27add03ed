"""What the Feishu and Discord channels share: errors, URL rules, the picture's bytes.

Nothing here knows either platform's message shapes; it only knows HTTP. The rules themselves
(allow-lists, Retry-After, image sniffing) are :mod:`skill.net`'s, shared with the IMA client.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from skill import net
from skill.events import Reply

log = logging.getLogger("skill.channels")


class ChannelError(RuntimeError):
    """The platform refused or could not be reached. Raised to the caller only when the person
    cannot be told the outcome at all; a progress edit that fails is dropped instead."""


class ChannelConfigError(ValueError):
    """The channel cannot be used as configured (a missing variable, a refused address)."""


class RateLimited(ChannelError):
    """The platform said "too many requests" and asked for a wait longer than we accept."""

    def __init__(self, message: str, retry_after_s: float | None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def check_platform_url(url: str, *, hosts: Collection[str], variable: str) -> str:
    """``url`` without a trailing slash when it is https on one of ``hosts``, or any loopback
    address (the tests' fakes); else :class:`ChannelConfigError`. Never echoes the URL, which
    may carry a token."""
    try:
        return net.check_url(url, hosts=hosts, variable=variable).rstrip("/")
    except net.URLRefused as exc:
        raise ChannelConfigError(str(exc)) from None


@dataclass(frozen=True)
class Picture:
    """The generated image, ready to upload."""

    filename: str
    content_type: str
    data: bytes


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _name_for(source: str, ext: str) -> str:
    stem = Path(unquote(urlsplit(source).path or source)).stem
    stem = _SAFE_NAME.sub("_", stem).strip("._")[:60] or "image"
    return f"{stem}.{ext}"


def _downloadable(url: str) -> bool:
    try:
        net.check_url(url, hosts=None, allow_credentials=True)
    except net.URLRefused:
        return False
    return True


async def load_picture(
    reply: Reply,
    http: httpx.AsyncClient,
    *,
    max_bytes: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Picture | None:
    """The success reply's picture: the local file (``path``) when there is one, else the bytes
    at ``media`` (https, or loopback for the simulator), fetched again after a dropped
    connection or a busy answer. ``None`` when it is unavailable, too large, or not a picture;
    the caption still carries the link then. ``sleep`` waits between attempts."""
    data: bytes | None = None
    source = reply.path or reply.media or ""
    if reply.path:
        data = await asyncio.to_thread(_read_small_file, Path(reply.path), max_bytes)
    if data is None and reply.media and _downloadable(reply.media):
        source = reply.media
        data = await _download(reply.media, http, max_bytes=max_bytes, sleep=sleep)
    if data is None:
        return None
    kind = net.sniff_image(data)
    if kind is None:
        log.warning("the result is not a picture we can upload")
        return None
    return Picture(filename=_name_for(source, kind.suffix), content_type=kind.mime, data=data)


def _read_small_file(file: Path, max_bytes: int) -> bytes | None:
    try:
        if file.stat().st_size <= max_bytes:
            return file.read_bytes()
        log.warning("picture larger than %d bytes: not attached", max_bytes)
    except OSError as exc:
        log.warning("picture file unreadable: %s", type(exc).__name__)
    return None


#: The picture's GET is safe to repeat. A dropped connection or a busy store (429, 5xx) gets
#: this many attempts, a short wait between (about 0.25 s, then 0.5 s; a short Retry-After is
#: honoured), before the caption goes out with the link alone.
DOWNLOAD_ATTEMPTS = 3
_DOWNLOAD_RETRY = net.RetryPolicy(
    attempts=DOWNLOAD_ATTEMPTS, backoff_base_s=0.25, backoff_cap_s=0.5, retry_after_cap_s=2.0
)
_DOWNLOAD_AGAIN_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The connection failed before an answer, or could not be had in time: worth another try. A
#: read that timed out has already waited the whole timeout and is not repeated.
_DOWNLOAD_TRANSIENT = (
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


async def _download(
    url: str,
    http: httpx.AsyncClient,
    *,
    max_bytes: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bytes | None:
    attempt = 0
    while True:
        attempt += 1
        retry_after: float | None = None
        try:
            async with http.stream("GET", url, follow_redirects=url.startswith("https:")) as resp:
                if resp.status_code == httpx.codes.OK:
                    return await _read_capped(resp, max_bytes)
                failure = f"answered {resp.status_code}"
                if resp.status_code not in _DOWNLOAD_AGAIN_STATUSES:
                    log.warning("picture download %s", failure)
                    return None
                retry_after = net.retry_after_seconds(resp.headers.get("retry-after"))
        except _DOWNLOAD_TRANSIENT as exc:
            failure = f"failed: {type(exc).__name__}"
        except httpx.HTTPError as exc:
            log.warning("picture download failed: %s", type(exc).__name__)
            return None
        wait = _DOWNLOAD_RETRY.delay(attempt, retry_after)
        if wait is None:
            log.warning("picture download %s, %d attempts: sent without it", failure, attempt)
            return None
        log.info("picture download %s: again in %.2f s", failure, wait)
        await sleep(wait)


async def _read_capped(resp: httpx.Response, max_bytes: int) -> bytes | None:
    """The whole body, or ``None`` once it grows past ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            log.warning("picture larger than %d bytes: not attached", max_bytes)
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(response: httpx.Response) -> dict[str, object]:
    """The response body as a JSON object, or ``{}`` when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
