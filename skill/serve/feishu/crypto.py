"""The webhook's proof of origin: Feishu's signature, and its encryption of every event.

With an Encrypt Key set, Feishu sends ``{"encrypt": BASE64}``: AES-256-CBC under the SHA-256
of the key, the first 16 bytes of the decoded data being the IV, PKCS#7 padding. Each request
is signed: ``X-Lark-Signature`` is the hex SHA-256 of ``X-Lark-Request-Timestamp`` +
``X-Lark-Request-Nonce`` + the Encrypt Key + the raw body. The one request Feishu does not
sign is the URL check (``url_verification``), which only its encryption and token vouch for.

pycryptodome (which lark-oapi brings) does the AES, rather than the SDK's own dispatcher: that
one answers a forged request with a 500 (Feishu would only retry), compares the signature in
variable time, and costs the whole SDK's import (seconds, and about 140 MB per replica).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping

from Crypto.Cipher import AES

__all__ = ["Refused", "decrypt", "encrypt", "is_signed", "signature", "verify_signature"]

BLOCK = AES.block_size
#: The headers of a signed request.
TIMESTAMP = "x-lark-request-timestamp"
NONCE = "x-lark-request-nonce"
SIGNATURE = "x-lark-signature"


class Refused(ValueError):
    """A request the webhook does not act on: ``status`` 400 (malformed) or 401 (not proved to
    come from Feishu). The message says why, for the log; it never holds a secret."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def _key(encrypt_key: str) -> bytes:
    return hashlib.sha256(encrypt_key.encode("utf-8")).digest()


def decrypt(encrypted: str, encrypt_key: str) -> bytes:
    """The plaintext of an ``encrypt`` field; :class:`Refused` (400) when it is not one."""
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(400, "the encrypted body is not base64") from None
    if len(data) < 2 * BLOCK or len(data) % BLOCK:
        raise Refused(400, "the encrypted body has the wrong length")
    plain = AES.new(_key(encrypt_key), AES.MODE_CBC, data[:BLOCK]).decrypt(data[BLOCK:])
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise Refused(400, "the encrypted body does not decrypt with this key")
    return plain[:-pad]


def encrypt(plain: bytes, encrypt_key: str, *, iv: bytes | None = None) -> str:
    """``plain`` as Feishu encrypts it (the tests' fake platform and the benchmark send it)."""
    iv = iv if iv is not None else os.urandom(BLOCK)
    pad = BLOCK - len(plain) % BLOCK
    body = AES.new(_key(encrypt_key), AES.MODE_CBC, iv).encrypt(plain + bytes([pad]) * pad)
    return base64.b64encode(iv + body).decode("ascii")


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """The ``X-Lark-Signature`` of a request."""
    signed = (timestamp + nonce + encrypt_key).encode("utf-8") + body
    return hashlib.sha256(signed).hexdigest()


def verify_signature(
    headers: Mapping[str, str],
    body: bytes,
    encrypt_key: str,
    *,
    now: float,
    max_age_s: float,
    skew_s: float,
) -> None:
    """Check a request's signature and freshness; :class:`Refused` (401) when it fails.
    ``headers`` has lower-case names."""
    timestamp, nonce, given = (headers.get(h, "") for h in (TIMESTAMP, NONCE, SIGNATURE))
    if not (timestamp and nonce and given):
        raise Refused(401, "the request is not signed")
    expected = signature(timestamp, nonce, encrypt_key, body).encode("ascii")
    if not hmac.compare_digest(expected, given.strip().lower().encode("utf-8")):
        raise Refused(401, "the signature does not match")
    try:
        sent = float(timestamp)
    except ValueError:
        raise Refused(401, "the request's timestamp is not a number") from None
    if not now - max_age_s <= sent <= now + skew_s:
        raise Refused(401, "the request's timestamp is too old or in the future")


def is_signed(headers: Mapping[str, str]) -> bool:
    """Whether the request carries a signature at all."""
    return bool(headers.get(SIGNATURE))
