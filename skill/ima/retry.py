"""When and how long to wait before trying a safe request again.

Only safe requests are retried (product list, detail, upload token): on a network error, a
429 or a 5xx. The wait grows exponentially up to a cap, with jitter so that many clients
do not retry in step; a server's ``Retry-After`` is honoured when it is short, and a long one
ends the attempts (the request fails as rate-limited rather than hanging).
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from datetime import datetime, timezone

from skill import catalog


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a safe request gets and how long to wait between them."""

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
        """Seconds to wait after failed attempt number ``attempt`` (1-based); None: give up."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.retry_after_cap_s else None
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        # Equal jitter: between half the ceiling and all of it, so some backoff always remains.
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling  # noqa: S311 -- jitter, not security


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())
