"""skill.net: allow-lists, the retry policy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import net
from skill.net import RetryPolicy, URLRefused, check_url, is_loopback_host

HOSTS = frozenset({"open.feishu.cn", "open.larksuite.com"})

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
