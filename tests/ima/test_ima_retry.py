"""The retry policy: exponential, capped, jittered, bounded; Retry-After honoured when short."""

from __future__ import annotations

from datetime import datetime, timezone

from skill.ima import RetryPolicy
from skill.ima.retry import parse_retry_after


def test_retry_delays_grow_capped_and_bounded() -> None:
    policy = RetryPolicy(attempts=6, backoff_base_s=0.5, backoff_cap_s=3.0)
    for attempt in range(1, 6):
        ceiling = min(3.0, 0.5 * 2 ** (attempt - 1))
        delay = policy.delay(attempt)
        assert delay is not None
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay(6) is None
    assert policy.delay(1, retry_after=2.0) == 2.0
    assert policy.delay(1, retry_after=policy.retry_after_cap_s + 1) is None


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:10 GMT", now=now) == 10.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
