"""The endpoint allowlist: only the official hosts over https, or loopback; a refused
override sends nothing and carries no key, from ``run`` as from ``create``."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from skill import settings
from skill.settings import EndpointRefused, check_endpoint, endpoints
from tests.hardening.helpers import assert_absent, cli, files_under, listener

ACCEPTED = [
    "https://api.imastudio.com",
    "https://api.imastudio.com/",
    "https://imapi.liveme.com",
    "HTTPS://API.IMASTUDIO.COM",
    "http://127.0.0.1:8765",
    "http://127.5.6.7:9000",
    "https://127.0.0.1",
    "http://[::1]:8080",
    "http://[::1]",
    "http://localhost:1234",
    "https://localhost",
]

REFUSED = [
    "http://api.imastudio.com",  # the official host, but without TLS
    "http://imapi.liveme.com",
    "https://evil.example",
    "https://api.imastudio.com.evil.example",  # a look-alike suffix
    "https://evil.example/api.imastudio.com",
    "https://imastudio.com",
    "http://10.0.0.1",
    "https://10.0.0.1",
    "http://192.168.1.1:8765",
    "http://0.0.0.0:8765",
    "10.0.0.1",  # no scheme at all
    "127.0.0.1:8765",
    "https://user:pass@api.imastudio.com",
    "http://user:pass@127.0.0.1:8765",
    "http://127.0.0.1@evil.example",  # the loopback address is only a user name here
    "https://api.imastudio.com\\@evil.example",
    "http://evil.example#@127.0.0.1",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://2130706433",  # 127.0.0.1 as a bare integer is not a loopback literal we accept
    "ftp://127.0.0.1",
    "file:///etc/passwd",
    "ws://127.0.0.1:8765",
    "javascript:alert(1)",
    "",
    "https://",
    "http://[::1",  # urlsplit raises ValueError on it: still a refusal, not a crash
]


@pytest.mark.parametrize("url", ACCEPTED)
def test_accepted(url: str) -> None:
    assert check_endpoint(url, variable="IMA_BASE_URL") == url.strip().rstrip("/")


@pytest.mark.parametrize("url", REFUSED)
def test_refused(url: str) -> None:
    with pytest.raises(EndpointRefused):
        check_endpoint(url, variable="IMA_BASE_URL")


def test_refusal_names_the_variable_and_never_echoes_credentials() -> None:
    with pytest.raises(EndpointRefused) as caught:
        check_endpoint("https://bob:hunter2@api.imastudio.com", variable="IMA_IM_BASE_URL")
    assert "IMA_IM_BASE_URL" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("variable", [settings.ENV_BASE_URL, settings.ENV_IM_BASE_URL])
def test_endpoints_check_both_variables(variable: str) -> None:
    with pytest.raises(EndpointRefused, match=variable):
        endpoints({variable: "https://evil.example"})


def test_endpoints_default_to_the_official_hosts() -> None:
    ends = endpoints({})
    assert (ends.base_url, ends.im_base_url) == (
        settings.DEFAULT_BASE_URL,
        settings.DEFAULT_IM_BASE_URL,
    )
    assert not ends.is_loopback
    assert endpoints({"IMA_BASE_URL": "http://[::1]:1", "IMA_IM_BASE_URL": "http://localhost:2"})
    assert endpoints(
        {"IMA_BASE_URL": "http://127.5.6.7:1", "IMA_IM_BASE_URL": "http://[::1]:2"}
    ).is_loopback


def test_time_scale_is_ignored_unless_both_endpoints_are_loopback() -> None:
    mixed = endpoints({"IMA_IM_BASE_URL": "http://127.0.0.1:1"})
    assert settings.time_scale(mixed, {"IMA_TIME_SCALE": "200"}) == 1.0
    local = endpoints({"IMA_BASE_URL": "http://127.0.0.1:1", "IMA_IM_BASE_URL": "http://[::1]:2"})
    assert settings.time_scale(local, {"IMA_TIME_SCALE": "200"}) == 200.0


CANARY = "ima_ALLOWLIST_canary_5f0e3b9d"

COMMANDS = {
    "run": ["run", "--format", "jsonl", "draw a cat"],
    "run-image": ["run", "--format", "jsonl", "make it blue", "--image", "https://x.test/a.png"],
    "create": ["create", "--task-type", "text_to_image", "--prompt", "a cat", "--output-json"],
    "resume": ["resume", "--format", "jsonl"],
}


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    env.update(HOME=str(home), **extra)
    return env


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("refused_var", "key_by"),
    # Each endpoint refused once; the key comes by environment for one, by flag for the other.
    [(settings.ENV_BASE_URL, "env"), (settings.ENV_IM_BASE_URL, "flag")],
)
def test_a_refused_override_sends_nothing_and_carries_no_key(
    tmp_path: Path, command: str, refused_var: str, key_by: str
) -> None:
    other = (
        settings.ENV_IM_BASE_URL if refused_var == settings.ENV_BASE_URL else settings.ENV_BASE_URL
    )
    home = tmp_path / "home"
    home.mkdir()
    with listener() as ear:
        env = _env(home, **{refused_var: "https://api.imastudio.com.evil.example", other: ear.url})
        args = list(COMMANDS[command])
        if key_by == "env":
            env["IMA_API_KEY"] = CANARY
        else:
            args += ["--api-key", CANARY]
        result = cli(env, *args)
        assert ear.connections() == 0, "a request left despite the refused endpoint"
    assert result.returncode == 2, result.stderr
    assert refused_var in result.stderr  # the one-line reason says which setting is wrong
    assert_absent(CANARY, {"stdout": result.stdout, "stderr": result.stderr})
    assert_absent(CANARY, files_under(home))


def test_the_listener_does_see_a_connection() -> None:
    """The "nothing sent" proof is only worth something if the listener sees a connection
    that nobody accepted."""
    with listener() as ear:
        host, port = ear.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=1):
            assert ear.connections() == 1
        assert ear.connections() == 0
