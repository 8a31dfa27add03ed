"""What the IMA client and the chat channels share about the network, written once.

- :func:`check_url` (with :func:`is_loopback_host`): an address its allow-list admits, or
  :class:`URLRefused` with a reason that names the setting but never repeats the address
  (a webhook URL carries its token).
- :class:`RetryPolicy`: how many attempts, and how long between them.
- :func:`retry_after_seconds`: a server's "wait this long", in every form servers send it.
- :func:`sniff_image`: a picture's type from its first bytes.

Nothing here knows a platform's message shapes: each caller keeps its own errors and limits.
ima/ and channels/ build on this module, never the other way: it imports nothing of the skill
but :mod:`skill.catalog`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple
from urllib.parse import urlsplit

from skill import catalog

if TYPE_CHECKING:
    from datetime import datetime

# --- allow-lists -----------------------------------------------------------------------------

#: Why an address was refused: not an http(s) URL with a host, a user name or password in it,
#: or a host (or plain http) the allow-list does not admit.
Refusal = Literal["not_http", "credentials", "host"]
_WEB_SCHEMES = frozenset({"http", "https"})


class URLRefused(ValueError):
    """An address its allow-list does not admit. The message names the setting (``variable``),
    never the address itself."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``, bracketed or
    not). A name that only looks local (``localhost.evil.example``) or an integer spelling of
    an address (``2130706433``) is not loopback."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    if not _MAYBE_IP.fullmatch(host):
        return False  # a name (letters past "f", a dash...) is no IP literal: no parser needed
    import ipaddress  # only for what could be an address: run's first line checks a name

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: What an IP literal can be made of (IPv4 digits and dots; IPv6 hex, colons, a zone or an
#: embedded IPv4); anything else is a name.
_MAYBE_IP = re.compile(r"[0-9a-f.:%]+")


def check_url(
    url: str,
    *,
    hosts: Collection[str] | None,
    variable: str = "the address",
    allow_loopback: bool = True,
    allow_credentials: bool = False,
) -> str:
    """``url`` (surrounding blanks removed) when the allow-list admits it, else
    :class:`URLRefused`.

    Admitted: https to one of ``hosts`` (to any host when ``hosts`` is ``None``) and, when
    ``allow_loopback``, http or https to a loopback address (the simulator, the tests' fakes).
    A user name or password in the address is refused unless ``allow_credentials``.
    """
    text = url.strip()
    not_http = URLRefused("not_http", f"{variable} must be an http(s) URL")
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced "[" in the host, for one
        raise not_http from None
    host = parts.hostname or ""
    if not host or parts.scheme not in _WEB_SCHEMES:
        raise not_http
    if not allow_credentials and (parts.username or parts.password):
        raise URLRefused("credentials", f"{variable} must not carry credentials")
    if allow_loopback and is_loopback_host(host):
        return text
    if parts.scheme == "https" and (hosts is None or host in {h.lower() for h in hosts}):
        return text
    allowed = "https" if hosts is None else "https on " + ", ".join(sorted(hosts))
    if allow_loopback:
        allowed += " or a loopback address"
    raise URLRefused("host", f"{variable} is refused: only {allowed} is allowed")


# --- retries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a request gets and how long to wait between them.

    The wait grows exponentially up to a cap, with jitter so that many clients do not retry
    in step; a server's own wait (``retry_after``) is honoured when it is short, and a long
    one ends the attempts: the request fails as rate-limited rather than hanging.
    """

    attempts: int = catalog.RETRY_ATTEMPTS
    backoff_base_s: float = catalog.RETRY_BACKOFF_BASE_S
    backoff_cap_s: float = catalog.RETRY_BACKOFF_CAP_S
    retry_after_cap_s: float = catalog.RETRY_AFTER_CAP_S
    #: Off in tests that assert exact waits.
    jitter: bool = True

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt only."""
        return cls(attempts=1)

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), honouring the
        server's ``retry_after`` when there is one; ``None``: give up."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.retry_after_cap_s else None
        ceiling = float(min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1)))
        # Equal jitter: between half the ceiling and all of it, so some backoff always remains.
        if not self.jitter:
            return ceiling
        import random  # the jitter's only use: not loaded by runs that never retry

        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 -- jitter, not security


# --- Retry-After -----------------------------------------------------------------------------

#: The longest wait :func:`retry_after_seconds` reports unless told otherwise. No server means
#: more than a day; past it the number only risks overflow in whoever adds or formats it.
RETRY_AFTER_CEILING_S = 24 * 60 * 60.0


def retry_after_seconds(
    value: str | float | None, *, now: datetime | None = None, cap: float | None = None
) -> float | None:
    """Seconds to wait from a server's ``Retry-After`` (or a platform's own wait header or
    field); ``None`` when it says nothing usable. Never raises.

    Forms: delta seconds (``"120"``, fractional ``"1.5"`` as Discord and Feishu send, or a JSON
    number); an HTTP-date (``"Wed, 21 Oct 2026 07:28:00 GMT"``, RFC 9110), also with a numeric
    zone (``"-0000"``, ``"+0800"``), counted from ``now`` (default: the current UTC time; a
    naive ``now`` is read as UTC). A wait that is negative or already past is 0; NaN, a bool
    and anything unparsable are ``None``; a wait beyond ``cap`` (default
    :data:`RETRY_AFTER_CEILING_S`), infinity and far-future dates included, is ``cap``.
    """
    limit = RETRY_AFTER_CEILING_S if cap is None else cap
    if isinstance(value, bool):  # a JSON true is no number of seconds
        return None
    if isinstance(value, (int, float)):
        seconds: float | None = _as_float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        seconds = _delta_seconds(text)
        if seconds is None:
            seconds = _seconds_until(text, now)
    else:
        return None
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(0.0, seconds), limit)


def _as_float(number: float) -> float:
    try:
        return float(number)
    except OverflowError:  # an int too large for a float (a JSON body can carry one)
        return math.inf if number > 0 else -math.inf


def _delta_seconds(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _seconds_until(text: str, now: datetime | None) -> float | None:
    # Dates are rare here (seconds are the usual form): their modules load only for one.
    import email.utils
    from datetime import datetime, timezone

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):  # not a date, or fields out of range
        return None
    if when.tzinfo is None:
        # "-0000" is RFC 5322's "UTC, local zone unknown": Python returns a naive datetime,
        # which cannot be compared with an aware one (the TypeError channels once raised).
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc) if now is None else now
    if current.tzinfo is None:
        current = current.replace(tzinfo=timezone.utc)
    return (when - current).total_seconds()


# --- image sniffing --------------------------------------------------------------------------


class ImageType(NamedTuple):
    """A picture format as its magic bytes tell it."""

    name: str
    mime: str
    #: The file suffix, without the dot.
    suffix: str


PNG = ImageType("PNG", "image/png", "png")
JPEG = ImageType("JPEG", "image/jpeg", "jpg")
GIF = ImageType("GIF", "image/gif", "gif")
WEBP = ImageType("WebP", "image/webp", "webp")

#: Each format's (offset, bytes) marks; all of them must be present.
_SIGNATURES: tuple[tuple[ImageType, tuple[tuple[int, bytes], ...]], ...] = (
    (PNG, ((0, b"\x89PNG\r\n\x1a\n"),)),
    (JPEG, ((0, b"\xff\xd8\xff"),)),
    (GIF, ((0, b"GIF87a"),)),
    (GIF, ((0, b"GIF89a"),)),
    (WEBP, ((0, b"RIFF"), (8, b"WEBP"))),
)
#: How many leading bytes :func:`sniff_image` needs to tell every format it knows.
SNIFF_BYTES = max(offset + len(mark) for _, marks in _SIGNATURES for offset, mark in marks)


def sniff_image(head: bytes) -> ImageType | None:
    """PNG, JPEG, GIF or WebP from the first bytes (by content, never by name); ``None`` for
    anything else. Which formats a caller accepts is the caller's rule."""
    for kind, marks in _SIGNATURES:
        if all(head[offset : offset + len(mark)] == mark for offset, mark in marks):
            return kind
    return None
