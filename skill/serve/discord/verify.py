"""Every interaction is signed by Discord: Ed25519 over ``X-Signature-Timestamp`` + the raw body.

Discord sends each request with ``X-Signature-Ed25519`` (the signature, hex) and
``X-Signature-Timestamp``; the message signed is the timestamp's bytes followed by the body's,
exactly as received. The key is the application's public key (hex). A request that fails the
check is answered 401 and nothing else is done; Discord itself sends such requests now and then
to make sure an endpoint refuses them.

The check is PyCA's ``cryptography`` (``Ed25519PublicKey.verify``), imported only by this door.
The timestamp is also held to :data:`~skill.serve.discord.config.SIGNATURE_MAX_AGE_S` from our
clock, so a request seen once cannot be sent again much later.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from skill.serve.discord.config import SIGNATURE_MAX_AGE_S

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "Verifier"]

SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
#: An Ed25519 signature is 64 bytes.
_SIGNATURE_BYTES = 64


class Verifier:
    """Checks Discord's signature with the application's public key (hex)."""

    def __init__(
        self,
        public_key_hex: str,
        *,
        max_age_s: float = SIGNATURE_MAX_AGE_S,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        self._max_age_s = max_age_s
        self._now = now

    def verify(self, signature_hex: str | None, timestamp: str | None, body: bytes) -> bool:
        """Whether ``body`` was signed by Discord at ``timestamp`` (a missing header, a
        signature that is not hex, a stale timestamp: False)."""
        if not signature_hex or not timestamp:
            return False
        try:
            signature = bytes.fromhex(signature_hex)
            sent_at = float(timestamp)
        except ValueError:
            return False
        if len(signature) != _SIGNATURE_BYTES or not math.isfinite(sent_at):
            return False
        if abs(self._now() - sent_at) > self._max_age_s:
            return False
        try:
            self._key.verify(signature, timestamp.encode() + body)
        except InvalidSignature:
            return False
        return True
