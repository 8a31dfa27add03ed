"""Where things are: endpoints (with their allowlist), the key, the time scale, local paths.

The key is read here and nowhere else. An endpoint override is accepted only for the official
hosts over https or for a loopback address, and is refused before any request carries the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from skill import net

# Also this module's name: the ``sim`` command asks here whether its host is loopback.
from skill.net import is_loopback_host as is_loopback_host

DEFAULT_BASE_URL = "https://api.imastudio.com"
DEFAULT_IM_BASE_URL = "https://imapi.liveme.com"
OFFICIAL_HOSTS = frozenset({"api.imastudio.com", "imapi.liveme.com"})

ENV_API_KEY = "IMA_API_KEY"
ENV_BASE_URL = "IMA_BASE_URL"
ENV_IM_BASE_URL = "IMA_IM_BASE_URL"
#: Speeds up the conversation's clock; honoured only when both endpoints are loopback (the
#: simulator's world, whose tasks run on the same sped-up time). Ignored for real hosts.
ENV_TIME_SCALE = "IMA_TIME_SCALE"
#: ``redis://host:port/db`` keeps prefs, the journal, the follow-up memory, deduplication and
#: the per-chat claims in Redis (bots with several replicas); unset: files under ``HOME``.
ENV_STORE_URL = "IMA_STORE_URL"


class EndpointRefused(ValueError):
    """An endpoint override that is neither an official https host nor loopback.

    ``variable`` names the setting (``IMA_BASE_URL``), never its value.
    """

    variable: str = ""

    def __init__(self, message: str, *, variable: str = "") -> None:
        super().__init__(message)
        self.variable = variable


def check_endpoint(url: str, *, variable: str) -> str:
    """Return ``url`` without a trailing slash, or raise :class:`EndpointRefused`.

    The person set this variable themselves, so the refusal shows it back (unless it carries
    credentials), which the channels' refusals never do.
    """
    try:
        return net.check_url(url, hosts=OFFICIAL_HOSTS, variable=variable).rstrip("/")
    except net.URLRefused as exc:
        if exc.reason == "credentials":
            message = str(exc)
        elif exc.reason == "not_http":
            message = f"{variable} must be an http(s) URL, got {url!r}"
        else:
            message = (
                f"{variable}={url!r} is refused: only the official IMA hosts over https "
                "or a loopback address (127.0.0.1, ::1, localhost) are allowed"
            )
        raise EndpointRefused(message, variable=variable) from None


@dataclass(frozen=True)
class Endpoints:
    base_url: str
    im_base_url: str

    @property
    def uses_tls(self) -> bool:
        """Either endpoint is https."""
        return any(urlsplit(u).scheme == "https" for u in (self.base_url, self.im_base_url))

    @property
    def is_loopback(self) -> bool:
        return all(
            is_loopback_host(urlsplit(u).hostname or "") for u in (self.base_url, self.im_base_url)
        )


def endpoints(env: Mapping[str, str] | None = None) -> Endpoints:
    """The endpoints from the environment, checked against the allowlist."""
    env = os.environ if env is None else env
    return Endpoints(
        base_url=check_endpoint(env.get(ENV_BASE_URL) or DEFAULT_BASE_URL, variable=ENV_BASE_URL),
        im_base_url=check_endpoint(
            env.get(ENV_IM_BASE_URL) or DEFAULT_IM_BASE_URL, variable=ENV_IM_BASE_URL
        ),
    )


def api_key(flag_value: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The key from ``--api-key`` or ``IMA_API_KEY``; ``None`` when neither is set."""
    env = os.environ if env is None else env
    key = (flag_value or env.get(ENV_API_KEY) or "").strip()
    return key or None


#: Where POSIX looks for the language of messages, strongest first.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def operator_language(env: Mapping[str, str] | None = None) -> str:
    """The language of what a server command tells the person running it (a bot's
    configuration check, its refusals): ``"zh"`` when the machine's locale is Chinese
    (``LC_ALL``, else ``LC_MESSAGES``, else ``LANG``, as POSIX reads them), else ``"en"``."""
    env = os.environ if env is None else env
    for variable in LOCALE_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@dataclass(frozen=True)
class Access:
    """The key and the endpoints, as the settings give them (checked, never printed)."""

    key: str
    endpoints: Endpoints

    def __repr__(self) -> str:
        return f"Access(endpoints={self.endpoints!r})"  # never the key

    @classmethod
    def from_env(
        cls, flag_key: str | None = None, env: Mapping[str, str] | None = None
    ) -> Access | None:
        """The access of ``env`` (default the process environment); ``None`` without a key.

        Raises :class:`EndpointRefused` for an endpoint off the allowlist.
        """
        key = api_key(flag_key, env)
        if key is None:
            return None
        return cls(key, endpoints(env))


def time_scale(ends: Endpoints, env: Mapping[str, str] | None = None) -> float:
    """The clock's speed-up: >1 only in the simulator's world (both endpoints loopback)."""
    env = os.environ if env is None else env
    raw = env.get(ENV_TIME_SCALE)
    if not raw or not ends.is_loopback:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        return 1.0
    return value if 0 < value <= 10_000 else 1.0


def openclaw_home(env: Mapping[str, str] | None = None) -> Path:
    """``~/.openclaw``, under the ``HOME`` in force (tests point HOME at a temporary folder)."""
    env = os.environ if env is None else env
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".openclaw"


def store_url(env: Mapping[str, str] | None = None) -> str | None:
    """The shared store's URL (``IMA_STORE_URL``), or ``None`` for the files under ``HOME``."""
    env = os.environ if env is None else env
    return (env.get(ENV_STORE_URL) or "").strip() or None


def prefs_path(env: Mapping[str, str] | None = None) -> Path:
    return openclaw_home(env) / "memory" / "ima_prefs.json"


def logs_dir(env: Mapping[str, str] | None = None) -> Path:
    return openclaw_home(env) / "logs" / "ima_skills"


def journal_path(env: Mapping[str, str] | None = None) -> Path:
    """The task journal's folder: one file a job (see :mod:`skill.store.journal`)."""
    return openclaw_home(env) / "memory" / "ima_tasks"
