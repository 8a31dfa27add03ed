"""Input images: checked before anything is sent, then uploaded (PROTOCOL.md section 4).

The checks are pure (no network): a local file must exist, be PNG, JPEG or WebP by its magic
bytes (not its name) and be no larger than :data:`skill.catalog.MAX_UPLOAD_BYTES`; a URL must be
https (plain http only toward a loopback host, the simulator). The upload itself, a token
request then a PUT, lives in the client; this module builds the token form and its signature.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from skill import catalog, net
from skill.ima.errors import InvalidImage, TooManyImages

#: The upload service's public app id and app key: shared values from the vendor's own
#: scripts (PROTOCOL.md section 4), not secrets of ours.
UPLOAD_APP_ID = "webAgent"
UPLOAD_APP_KEY = "32jdskjdk320eew"
UPLOAD_SERVICE = "privite"  # sic: the service's own spelling
UPLOAD_FILE_TYPE = "picture"
NONCE_HEX_CHARS = 21
#: Enough bytes to tell every accepted or known image format apart.
_SNIFF_BYTES = 16
#: The formats the upload service takes (PROTOCOL.md section 4); a GIF is known but refused.
UPLOAD_TYPES = frozenset({net.PNG, net.JPEG, net.WEBP})
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class ImageFile:
    """A local image that passed the checks."""

    path: Path
    mime: str
    suffix: str
    size: int


def _other_image_format(head: bytes) -> str | None:
    """The name of an image format we recognise but do not accept (beyond a GIF, which
    :func:`skill.net.sniff_image` already tells)."""
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "HEIF/AVIF"
    return None


def validate_image_file(path: str | Path) -> ImageFile:
    """Check one local image; :class:`InvalidImage` says what is wrong with it."""
    source = str(path)
    p = Path(path).expanduser()
    if not p.is_file():
        raise InvalidImage(source, "missing")
    size = p.stat().st_size
    if size > catalog.MAX_UPLOAD_BYTES:
        limit_mb = catalog.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise InvalidImage(source, "too_large", f"{size} bytes; the limit is {limit_mb} MB")
    with p.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    kind = net.sniff_image(head)
    if kind is None or kind not in UPLOAD_TYPES:
        other = kind.name if kind is not None else _other_image_format(head)
        if other is not None:
            raise InvalidImage(source, "unsupported_type", f"it is {other}")
        raise InvalidImage(source, "not_image")
    return ImageFile(path=p, mime=kind.mime, suffix=kind.suffix, size=size)


def is_url(item: str) -> bool:
    """True for anything with a URL scheme (which must then be https, see :func:`check_url`)."""
    return bool(_URL_SCHEME.match(item.strip()))


def check_url(item: str) -> str:
    """An image URL as it will be sent: https, or http toward loopback (the simulator)."""
    try:
        # The image's own host is the sender's choice: any https host, and credentials in it
        # are for that host, not ours.
        return net.check_url(item, hosts=None, allow_credentials=True)
    except net.URLRefused:
        raise InvalidImage(item, "not_https") from None


def validate_inputs(items: Sequence[str]) -> list[str | ImageFile]:
    """Check every input image, in order, before anything is sent.

    URLs come back as checked strings, local files as :class:`ImageFile`.
    """
    if len(items) > catalog.MAX_INPUT_IMAGES:
        raise TooManyImages(len(items), catalog.MAX_INPUT_IMAGES)
    checked: list[str | ImageFile] = []
    for item in items:
        checked.append(check_url(item) if is_url(item) else validate_image_file(item))
    return checked


def new_nonce() -> str:
    """A fresh 21-hex-character nonce."""
    return secrets.token_hex((NONCE_HEX_CHARS + 1) // 2)[:NONCE_HEX_CHARS]


def sign(app_id: str, app_key: str, timestamp: str, nonce: str) -> str:
    """Uppercase hex SHA-1 of ``"{appId}|{appKey}|{timestamp}|{nonce}"``."""
    raw = f"{app_id}|{app_key}|{timestamp}|{nonce}".encode()
    # SHA-1 is the upload service's required signature, not our choice of hash for security.
    return hashlib.sha1(raw).hexdigest().upper()  # noqa: S324 -- protocol-mandated SHA-1


def token_form(api_key: str, image: ImageFile, *, timestamp: int, nonce: str) -> dict[str, str]:
    """The fields of the upload-token request; sent as a POST form so the key is not in a URL."""
    ts = str(timestamp)
    return {
        "appUid": api_key,
        "appId": UPLOAD_APP_ID,
        "appKey": UPLOAD_APP_KEY,
        "cmimToken": api_key,
        "sign": sign(UPLOAD_APP_ID, UPLOAD_APP_KEY, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "fService": UPLOAD_SERVICE,
        "fType": UPLOAD_FILE_TYPE,
        "fSuffix": image.suffix,
        "fContentType": image.mime,
    }
