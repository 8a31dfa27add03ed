"""The upload service's token endpoint: the fields it checks and the URLs it hands out."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

#: The public, shared values of the vendor's upload client (PROTOCOL.md section 4).
APP_ID = "webAgent"
APP_KEY = "32jdskjdk320eew"
NONCE_PATTERN = re.compile(r"[0-9a-fA-F]{21}")
REQUIRED_FIELDS: tuple[str, ...] = ("fService", "fType", "fSuffix", "fContentType")
#: How long the handed-out upload and download URLs claim to stay valid (seconds).
UPLOAD_URL_TTL_S = 3600
DOWNLOAD_URL_TTL_S = 7 * 24 * 3600
_SUFFIX_PATTERN = re.compile(r"[A-Za-z0-9]{1,10}")


def valid_key(key: str | None) -> bool:
    """The simulator's rule for API keys: ``ima_`` and at least 8 characters in all."""
    return bool(key) and key is not None and key.startswith("ima_") and len(key) >= 8


def expected_sign(app_id: str, app_key: str, timestamp: str, nonce: str) -> str:
    """Uppercase hex SHA-1 of ``"{appId}|{appKey}|{timestamp}|{nonce}"``."""
    text = f"{app_id}|{app_key}|{timestamp}|{nonce}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest().upper()  # noqa: S324  # the vendor's scheme


@dataclass(frozen=True)
class TokenProblem:
    """Why a token request is refused: 401 for the key, 400 for anything else."""

    code: int
    message: str


def check_token_fields(fields: dict[str, str]) -> TokenProblem | None:
    """``None`` when a token request is acceptable, else the problem."""
    key = fields.get("appUid")
    if not valid_key(key) or fields.get("cmimToken") != key:
        return TokenProblem(401, "Unauthorized: invalid appUid or cmimToken")
    if fields.get("appId") != APP_ID or fields.get("appKey") != APP_KEY:
        return TokenProblem(400, "invalid appId or appKey")
    timestamp = fields.get("timestamp", "")
    nonce = fields.get("nonce", "")
    if not timestamp.isdigit():
        return TokenProblem(400, "timestamp must be unix seconds")
    if not NONCE_PATTERN.fullmatch(nonce):
        return TokenProblem(400, "nonce must be 21 hex characters")
    sign = fields.get("sign", "")
    if not hmac.compare_digest(sign, expected_sign(APP_ID, APP_KEY, timestamp, nonce)):
        return TokenProblem(400, "invalid sign")
    for name in REQUIRED_FIELDS:
        if not fields.get(name):
            return TokenProblem(400, f"{name} is required")
    if not _SUFFIX_PATTERN.fullmatch(fields["fSuffix"].lstrip(".")):
        return TokenProblem(400, "invalid fSuffix")
    return None
