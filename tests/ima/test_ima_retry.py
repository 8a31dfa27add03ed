"""The IMA server's Retry-After header, read (the retry policy is tested in tests/test_net.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from skill.ima.retry import parse_retry_after


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:10 GMT", now=now) == 10.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
