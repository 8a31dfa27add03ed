"""The client under 429s: every Retry-After form a server may send, waited out on the clock.

The waits come from skill.net (retry_after_seconds, RetryPolicy; unit-tested in
tests/test_net.py); here they are seen end to end, as the client sleeps them on a FakeClock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from ima_fakes import CDN_URL, FakeApi, fail, media, ok

from skill import catalog
from skill.clock import FakeClock
from skill.ima import ImaClient, RateLimited
from skill.net import RETRY_AFTER_CEILING_S

MakeClient = Callable[..., ImaClient]
#: The policy's first backoff (no jitter in these tests): the wait when a 429 says nothing.
FIRST_BACKOFF_S = catalog.RETRY_BACKOFF_BASE_S
#: How far ahead the HTTP-dates point; below the policy's cap, so they are waited for.
AHEAD_S = 10


def http_date(ahead_s: float, zone: str) -> str:
    """Now plus ``ahead_s`` as an HTTP-date in ``zone`` ("GMT", "-0000" or "+0800"), to the
    second (so the wait it asks for is a little less than ``ahead_s``)."""
    when = datetime.now(timezone.utc) + timedelta(seconds=ahead_s)
    if zone == "GMT":
        return format_datetime(when, usegmt=True)
    if zone == "-0000":
        return format_datetime(when.replace(tzinfo=None))
    return format_datetime(when.astimezone(timezone(timedelta(hours=8))))


def too_many(retry_after: str) -> httpx.Response:
    return fail(429, "Too many requests", status=429, **{"Retry-After": retry_after})


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("2", 2.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-3", 0.0),  # a negative wait is no wait
        ("Thu, 01 Jan 2015 00:00:00 GMT", 0.0),  # a date already past
        ("soon", FIRST_BACKOFF_S),  # nothing usable: the policy's own backoff
        ("", FIRST_BACKOFF_S),
        ("nan", FIRST_BACKOFF_S),
    ],
)
async def test_a_429_is_retried_after_the_wait_it_asks_for(
    api: FakeApi, make_client: MakeClient, clock: FakeClock, retry_after: str, wait: float
) -> None:
    api.queue("detail", too_many(retry_after))
    async with make_client() as client:
        snap = await client.detail("task-123")
    assert snap.state == "done"
    assert len(api.sent("detail")) == 2
    assert clock.sleeps == [wait]


@pytest.mark.parametrize("zone", ["GMT", "-0000", "+0800"])
async def test_an_http_date_is_waited_until_in_any_zone(
    api: FakeApi, make_client: MakeClient, clock: FakeClock, zone: str
) -> None:
    api.queue("product_list", too_many(http_date(AHEAD_S, zone)))
    async with make_client() as client:
        await client.product_list("text_to_image")
    assert len(api.sent("product_list")) == 2
    (slept,) = clock.sleeps
    assert AHEAD_S - 2 < slept <= AHEAD_S


@pytest.mark.parametrize(
    "retry_after",
    ["1e12", "inf", "Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31 Dec 9999 23:59:59 -0000"],
)
async def test_a_huge_wait_fails_at_once_as_rate_limited_with_a_finite_wait(
    api: FakeApi, make_client: MakeClient, clock: FakeClock, retry_after: str
) -> None:
    api.queue("detail", too_many(retry_after))
    async with make_client() as client:
        with pytest.raises(RateLimited) as info:
            await client.detail("task-123")
    assert info.value.retry_after == RETRY_AFTER_CEILING_S
    assert len(api.sent("detail")) == 1
    assert clock.sleeps == []


async def test_a_date_on_a_successful_poll_comes_back_as_the_polling_hint(
    api: FakeApi, make_client: MakeClient
) -> None:
    running = ok({"medias": [media(rs=0, status="processing", url=None)]})
    running.headers["Retry-After"] = http_date(AHEAD_S, "-0000")
    api.queue("detail", running)
    async with make_client() as client:
        snap = await client.detail("task-123")
    assert snap.state == "processing"
    assert snap.retry_after_s is not None
    assert AHEAD_S - 2 < snap.retry_after_s <= AHEAD_S


async def test_the_upload_put_waits_out_a_dated_429(
    api: FakeApi, make_client: MakeClient, clock: FakeClock, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    api.queue("upload_put", httpx.Response(429, headers={"Retry-After": http_date(5, "+0800")}))
    async with make_client() as client:
        assert await client.prepare_inputs([str(image)]) == [CDN_URL]
    assert len(api.sent("upload_put")) == 2
    (slept,) = clock.sleeps
    assert 3 < slept <= 5
