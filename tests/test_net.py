"""skill.net: allow-lists, the retry policy, Retry-After in every form, image sniffing."""

from __future__ import annotations

import ast
import math
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import net
from skill.net import (
    GIF,
    JPEG,
    PNG,
    RETRY_AFTER_CEILING_S,
    SNIFF_BYTES,
    WEBP,
    RetryPolicy,
    URLRefused,
    check_url,
    is_loopback_host,
    retry_after_seconds,
    sniff_image,
)

HOSTS = frozenset({"open.feishu.cn", "open.larksuite.com"})
NOW = datetime(2026, 10, 21, 7, 28, 0, tzinfo=timezone.utc)

# --- allow-lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "127.5.6.7", "::1", "[::1]", "0:0:0:0:0:0:0:1"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "localhost.evil.example",
        "0.0.0.0",  # noqa: S104 -- a host we refuse, not one we bind
        "10.0.0.1",
        "::",
        "2130706433",
        "127.0.0.1.nip.io",
    ],
)
def test_hosts_that_only_look_local(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(
    "url",
    [
        "https://open.feishu.cn",
        "https://OPEN.LARKSUITE.COM/open-apis",
        "  https://open.feishu.cn/  ",
        "http://127.0.0.1:8080",
        "https://[::1]:9",
        "http://localhost",
    ],
)
def test_an_allowed_host_or_loopback_is_admitted_with_blanks_removed(url: str) -> None:
    assert check_url(url, hosts=HOSTS) == url.strip()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://open.feishu.cn", "host"),  # the official host, but without TLS
        ("https://open.feishu.cn.evil.example", "host"),
        ("https://evil.example/open.feishu.cn", "host"),
        ("http://10.0.0.1", "host"),
        ("ftp://127.0.0.1", "not_http"),
        ("ws://127.0.0.1", "not_http"),
        ("open.feishu.cn", "not_http"),
        ("https://", "not_http"),
        ("", "not_http"),
        ("http://[::1", "not_http"),  # urlsplit itself refuses this one with a ValueError
        ("https://bob:hunter2@open.feishu.cn", "credentials"),
        ("http://bob@127.0.0.1", "credentials"),
    ],
)
def test_refusals_say_why(url: str, reason: str) -> None:
    with pytest.raises(URLRefused) as caught:
        check_url(url, hosts=HOSTS, variable="FEISHU_BASE_URL")
    assert caught.value.reason == reason
    assert "FEISHU_BASE_URL" in str(caught.value)


def test_a_refusal_never_repeats_the_address() -> None:
    token = "s3cr3t-webhook-token"
    for url in (
        f"https://evil.example/api/webhooks/1/{token}",
        f"http://evil.example/api/webhooks/1/{token}",
        f"https://{token}:x@discord.com/api/webhooks/1/2",
        f"gopher://x/{token}",
    ):
        with pytest.raises(URLRefused) as caught:
            check_url(url, hosts={"discord.com"}, variable="--webhook-url")
        assert token not in str(caught.value)
        assert "evil" not in str(caught.value)


def test_any_https_host_when_no_hosts_are_named() -> None:
    assert check_url("https://cdn.example.test/a.png", hosts=None) == (
        "https://cdn.example.test/a.png"
    )
    with pytest.raises(URLRefused, match="only https or a loopback address"):
        check_url("http://cdn.example.test/a.png", hosts=None)


def test_loopback_can_be_switched_off() -> None:
    with pytest.raises(URLRefused) as caught:
        check_url("http://127.0.0.1:1", hosts=HOSTS, allow_loopback=False)
    assert caught.value.reason == "host"
    assert "loopback" not in str(caught.value)


def test_credentials_are_admitted_only_when_asked() -> None:
    url = "https://user:pw@cdn.example.test/a.png"
    assert check_url(url, hosts=None, allow_credentials=True) == url
    with pytest.raises(URLRefused, match="credentials"):
        check_url(url, hosts=None)


@given(st.text())
def test_check_url_only_ever_refuses_with_urlrefused(text: str) -> None:
    try:
        admitted = check_url(text, hosts=HOSTS)
    except URLRefused as exc:
        reason = exc.reason
    else:
        assert admitted == text.strip()
        return
    assert reason in ("not_http", "credentials", "host")


# --- the retry policy ---------------------------------------------------------------------------


def test_retry_delays_grow_capped_and_bounded() -> None:
    policy = RetryPolicy(attempts=6, backoff_base_s=0.5, backoff_cap_s=3.0)
    for attempt in range(1, 6):
        ceiling = min(3.0, 0.5 * 2 ** (attempt - 1))
        delay = policy.delay(attempt)
        assert delay is not None
        # Equal jitter: never less than half the ceiling.
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay(6) is None


def test_without_jitter_the_waits_are_exact() -> None:
    policy = RetryPolicy(attempts=6, backoff_base_s=0.5, backoff_cap_s=3.0, jitter=False)
    assert [policy.delay(a) for a in range(1, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0, None]


def test_jitter_spreads_the_waits() -> None:
    policy = RetryPolicy(attempts=3, backoff_base_s=1.0, backoff_cap_s=8.0)
    assert len({policy.delay(2) for _ in range(50)}) > 1


def test_a_short_server_wait_is_honoured_and_a_long_one_ends_the_attempts() -> None:
    policy = RetryPolicy(attempts=3, retry_after_cap_s=10.0)
    assert policy.delay(1, retry_after=2.0) == 2.0
    assert policy.delay(1, retry_after=0.0) == 0.0
    assert policy.delay(1, retry_after=10.0) == 10.0
    assert policy.delay(1, retry_after=10.5) is None
    assert policy.delay(3, retry_after=1.0) is None  # the attempts are spent whatever it says


def test_never_means_one_attempt() -> None:
    assert RetryPolicy.never().delay(1) is None


# --- Retry-After --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1", 1.0),
        ("120", 120.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("-0.1", 0.0),
        (2, 2.0),
        (0.25, 0.25),
        (-1, 0.0),
        ("Wed, 21 Oct 2026 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2026 07:28:10 +0000", 10.0),
        # RFC 5322's "UTC, zone unknown": Python parses it to a naive datetime.
        ("Wed, 21 Oct 2026 07:28:10 -0000", 10.0),
        ("Wed, 21 Oct 2026 15:28:10 +0800", 10.0),
        ("Wed, 21 Oct 2026 02:28:10 -0500", 10.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),  # already past
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_every_form(value: str | float, seconds: float) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.mark.parametrize(
    "value", [None, "", "   ", "soon", "nan", "NaN", "-nan", math.nan, True, False, "5, 10", "0x10"]
)
def test_nothing_usable_is_none(value: str | float | None) -> None:
    assert retry_after_seconds(value, now=NOW) is None


@pytest.mark.parametrize(
    "value",
    [
        "1e12",
        1e12,
        "inf",
        "Infinity",
        math.inf,
        "1" * 400,  # a float() of it is infinity
        10**400,  # an int too large for a float: a JSON body can carry one
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Fri, 31 Dec 9999 23:59:59 -0000",
    ],
)
def test_a_huge_wait_is_the_ceiling(value: str | float) -> None:
    assert retry_after_seconds(value, now=NOW) == RETRY_AFTER_CEILING_S


@pytest.mark.parametrize("value", ["-inf", -math.inf, -(10**400), "Mon, 01 Jan 0001 00:00:00 GMT"])
def test_a_wait_far_in_the_past_is_zero(value: str | float) -> None:
    assert retry_after_seconds(value, now=NOW) == 0.0


@pytest.mark.parametrize(
    "value",
    [
        "Wed, 21 Oct 99999 07:28:00 GMT",  # year out of range
        "Wed, 21 Oct 99999999999999999999 07:28:00 GMT",  # too large for the C datetime
        "Wed, 32 Oct 2026 07:28:00 GMT",
        "Wed, 21 Oct 2026 25:28:00 GMT",
        "Wed, 21 Oct 2026 07:28:00 +9999",  # an offset of more than a day
    ],
)
def test_impossible_dates_are_none(value: str) -> None:
    assert retry_after_seconds(value, now=NOW) is None


def test_the_cap_can_be_lower() -> None:
    assert retry_after_seconds("60", cap=10.0) == 10.0
    assert retry_after_seconds("inf", cap=10.0) == 10.0
    assert retry_after_seconds("5", cap=10.0) == 5.0


def test_a_naive_now_is_read_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:10 GMT", now=naive) == 10.0


def test_without_now_a_date_counts_from_the_current_time() -> None:
    soon = datetime.now(timezone.utc) + timedelta(seconds=30)
    for usegmt in (True, False):
        value = format_datetime(soon, usegmt=usegmt)  # "... GMT" and "... +0000"
        wait = retry_after_seconds(value)
        assert wait is not None
        assert 28 <= wait <= 30
    naive = format_datetime(soon.replace(tzinfo=None))
    assert naive.endswith("-0000")
    wait = retry_after_seconds(naive)
    assert wait is not None
    assert 28 <= wait <= 30


@given(st.one_of(st.none(), st.text(), st.floats(), st.integers()))
def test_never_raises_and_stays_within_zero_and_the_ceiling(value: str | float | None) -> None:
    wait = retry_after_seconds(value)
    assert wait is None or 0.0 <= wait <= RETRY_AFTER_CEILING_S


@given(
    st.from_regex(
        r"\A(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
        r"Nov|Dec) [0-9]{1,6} [0-9]{1,2}:[0-9]{2}:[0-9]{2} (GMT|UT|[+-][0-9]{4}|[A-Z]{1,3})\Z"
    )
)
def test_never_raises_on_anything_shaped_like_a_date(value: str) -> None:
    wait = retry_after_seconds(value, now=NOW)
    assert wait is None or 0.0 <= wait <= RETRY_AFTER_CEILING_S


@given(st.floats(min_value=0, max_value=RETRY_AFTER_CEILING_S))
def test_delta_seconds_come_back_as_sent(seconds: float) -> None:
    assert retry_after_seconds(repr(seconds)) == seconds
    assert retry_after_seconds(seconds) == seconds


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]
        ),
    ).map(lambda d: d.replace(microsecond=0))
)
def test_an_http_date_is_the_time_until_it(when: datetime) -> None:
    expected = min(max(0.0, (when - NOW).total_seconds()), RETRY_AFTER_CEILING_S)
    assert retry_after_seconds(format_datetime(when), now=NOW) == expected


# --- image sniffing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"GIF87a\x01\x00", GIF),
        (b"GIF89a\x01\x00", GIF),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", WEBP),
    ],
)
def test_each_format_by_its_magic_bytes(head: bytes, kind: net.ImageType) -> None:
    assert sniff_image(head) == kind
    assert sniff_image(head + b"\x00" * 100) == kind


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x89PNG\r\n",  # cut short
        b"GIF8",
        b"GIF88a",
        b"\x00\x00\x00\x00\x00\x00\x00\x00WEBPVP8 ",  # WEBP without its RIFF container
        b"RIFF\x10\x00\x00\x00WAVEfmt ",
        b"BM\x00\x00",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.7",
    ],
)
def test_anything_else_is_none(head: bytes) -> None:
    assert sniff_image(head) is None


def test_the_sniffing_window_covers_every_signature() -> None:
    assert len(b"RIFF\x00\x00\x00\x00WEBP") == SNIFF_BYTES
    assert sniff_image(b"RIFF\x10\x00\x00\x00WEBPVP8 "[:SNIFF_BYTES]) == WEBP
    assert (WEBP.mime, WEBP.suffix, JPEG.suffix) == ("image/webp", "webp", "jpg")


@given(st.binary(max_size=64))
def test_sniffing_never_raises(head: bytes) -> None:
    assert sniff_image(head) in (None, PNG, JPEG, GIF, WEBP)


# --- the module's place --------------------------------------------------------------------------


def test_net_imports_nothing_of_the_skill_but_the_catalog() -> None:
    """ima/ and channels/ both build on net: it must not reach back into either."""
    tree = ast.parse(Path(net.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            if node.module == "skill":
                imported.update(f"skill.{alias.name}" for alias in node.names)
    ours = {name for name in imported if name == "skill" or name.startswith("skill.")}
    assert ours <= {"skill", "skill.catalog"}, ours
