"""Save the result image into ``--out-dir``: over https (or plain http to loopback only)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx

from skill import catalog, net

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
_BY_TYPE = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class DownloadRefused(ValueError):
    """The image address is neither https nor a loopback http address."""


class DownloadFailed(RuntimeError):
    """The image could not be fetched or saved (the link itself still works)."""


def check_download_url(url: str) -> str:
    """``url`` if it may be fetched: https anywhere, plain http only toward loopback."""
    try:
        net.check_url(url, hosts=None, allow_credentials=True)
    except net.URLRefused:
        raise DownloadRefused(
            "only https image addresses (or loopback http) are downloaded"
        ) from None
    return url


def file_name(stem: str, url: str, content_type: str | None) -> str:
    """A safe file name: the stem cleaned to ``[A-Za-z0-9_-]``, the image's own suffix."""
    clean = _UNSAFE.sub("_", stem).strip("_") or "image"
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix not in _IMAGE_SUFFIXES:
        suffix = _BY_TYPE.get((content_type or "").split(";")[0].strip().lower(), ".png")
    return clean + suffix


async def download_image(
    url: str,
    out_dir: Path,
    stem: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = catalog.HTTP_TIMEOUT_S,
    max_bytes: int = catalog.MAX_DOWNLOAD_BYTES,
) -> Path:
    """Fetch ``url`` into ``out_dir`` (created if needed); the saved file's path.

    The file appears whole or not at all (temporary file, then rename).
    """
    check_download_url(url)
    async with httpx.AsyncClient(
        transport=transport, timeout=timeout_s, follow_redirects=False
    ) as http:
        try:
            async with http.stream("GET", url) as response:
                if response.status_code != httpx.codes.OK:
                    raise DownloadFailed(f"the image answered {response.status_code}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadFailed("the image is larger than the download limit")
                    chunks.append(chunk)
                content_type = response.headers.get("content-type")
        except httpx.HTTPError as exc:
            raise DownloadFailed(f"the image could not be fetched: {type(exc).__name__}") from None
    return await asyncio.to_thread(
        _write_whole, out_dir, file_name(stem, url, content_type), b"".join(chunks)
    )


def _write_whole(out_dir: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``out_dir/name``: temporary file, then rename (whole or not at all)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".download-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
