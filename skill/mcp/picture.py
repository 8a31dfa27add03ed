"""The picture of a result as an MCP content block: the image itself, or a link to it.

Hosts that can show a tool's image get it inline: fetched from its link (https, or plain
http toward loopback only: the simulator), checked to be a picture by its first bytes, and
sent base64 with its MIME type. A picture larger than :data:`INLINE_IMAGE_MAX_BYTES`, or one
that cannot be fetched, goes as a resource link instead; the caption carries the link either
way, since some hosts show a tool's image a turn late or not at all.
"""

from __future__ import annotations

import base64
import logging

import httpx
from mcp_types import ImageContent, ResourceLink

from skill import catalog, net
from skill.flow.download import DownloadRefused, check_download_url

log = logging.getLogger("skill.mcp")

__all__ = ["INLINE_IMAGE_MAX_BYTES", "picture_block"]

#: Larger pictures go as a link: its base64 (4/3 of it) stays under 5 MB, the most an image
#: may weigh in the Anthropic API that Claude's hosts hand tool results to.
INLINE_IMAGE_MAX_BYTES = 3_750_000
#: What a link block is called (hosts show it as the file's name).
PICTURE_NAME = "picture"


def _link(url: str, mime: str | None = None, size: int | None = None) -> ResourceLink:
    return ResourceLink(name=PICTURE_NAME, uri=url, mime_type=mime, size=size)


async def picture_block(
    url: str,
    *,
    max_bytes: int = INLINE_IMAGE_MAX_BYTES,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = catalog.HTTP_TIMEOUT_S,
) -> ImageContent | ResourceLink:
    """The picture at ``url`` as an image block, or as a link when it is too large to inline
    or cannot be fetched (never raises for either)."""
    try:
        check_download_url(url)
    except DownloadRefused:
        return _link(url)
    try:
        async with (
            httpx.AsyncClient(
                transport=transport, timeout=timeout_s, follow_redirects=False
            ) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != httpx.codes.OK:
                log.warning("the picture answered %s; sent as a link", response.status_code)
                return _link(url)
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                return _link(url, size=int(declared))
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return _link(url)
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        log.warning("the picture could not be fetched (%s); sent as a link", type(exc).__name__)
        return _link(url)
    data = b"".join(chunks)
    kind = net.sniff_image(data[: net.SNIFF_BYTES])
    if kind is None:
        log.warning("the picture's link did not give a picture; sent as a link")
        return _link(url)
    return ImageContent(data=base64.b64encode(data).decode("ascii"), mime_type=kind.mime)
