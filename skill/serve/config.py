"""How a bot runs: its limits and timeouts, from the environment (named here, used everywhere).

| variable                    | meaning                                            | default |
|-----------------------------|----------------------------------------------------|---------|
| ``IMA_SERVE_CONCURRENCY``   | generations one process runs at once (others wait) | 4       |
| ``IMA_BUDGET_USER_CREDITS`` | credits one person may spend a day (UTC)           | none    |
| ``IMA_BUDGET_CHAT_CREDITS`` | credits one chat may spend a day (UTC)             | none    |
| ``IMA_SERVE_STOP_S``        | seconds from SIGTERM to exit, at most              | 10      |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from skill import catalog

__all__ = [
    "CLAIM_RETRY_S",
    "CLAIM_WAIT_S",
    "DEDUP_TTL_S",
    "NOTE_TTL_S",
    "TAKE_UP_INTERVAL_S",
    "ConfigError",
    "ServeConfig",
]

ENV_CONCURRENCY = "IMA_SERVE_CONCURRENCY"
ENV_BUDGET_USER = "IMA_BUDGET_USER_CREDITS"
ENV_BUDGET_CHAT = "IMA_BUDGET_CHAT_CREDITS"
ENV_STOP_S = "IMA_SERVE_STOP_S"

DEFAULT_CONCURRENCY = 4
#: From SIGTERM to exit, at most (seconds): stop taking events at once, hand what runs to the
#: journal, tell those still in line, close. Well inside the usual 30 s before a SIGKILL.
DEFAULT_STOP_S = 10.0
#: A redelivered event is recognised for this long (Feishu and Discord redeliver within
#: minutes; a day is plenty).
DEDUP_TTL_S = catalog.DEDUP_TTL_S
#: A new picture whose chat and person have a generation running (here or on another replica)
#: waits for it this long, asking again every CLAIM_RETRY_S; then it is answered "still
#: working on it". A follow-up never waits (see skill.serve.bot).
CLAIM_WAIT_S = catalog.TASK_TIMEOUT_S + 60.0
CLAIM_RETRY_S = 0.5
#: How often a bot looks for jobs that another replica left (it died, or was stopped).
TAKE_UP_INTERVAL_S = 5.0
#: Where a conversation is shown is kept this long: a job left for longer than this is no
#: longer taken up by another replica (it stays in the journal for "where is my picture?").
NOTE_TTL_S = catalog.TASK_TIMEOUT_S * 2
#: A budget counter lives this long: the day it counts, and a margin for clocks.
BUDGET_TTL_S = 2 * 24 * 3600.0


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


def _positive_int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


@dataclass(frozen=True)
class ServeConfig:
    """What a bot's process is allowed: see the module docstring."""

    concurrency: int = DEFAULT_CONCURRENCY
    budget_user_credits: int | None = None
    budget_chat_credits: int | None = None
    stop_s: float = DEFAULT_STOP_S
    dedup_ttl_s: float = DEDUP_TTL_S
    claim_wait_s: float = CLAIM_WAIT_S
    take_up_interval_s: float = TAKE_UP_INTERVAL_S

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServeConfig:
        """The settings of ``env`` (default the process environment); :class:`ConfigError`
        for one that cannot be used."""
        env = os.environ if env is None else env
        stop = _positive_int(env, ENV_STOP_S, None)
        return cls(
            concurrency=_positive_int(env, ENV_CONCURRENCY, DEFAULT_CONCURRENCY)
            or DEFAULT_CONCURRENCY,
            budget_user_credits=_positive_int(env, ENV_BUDGET_USER, None),
            budget_chat_credits=_positive_int(env, ENV_BUDGET_CHAT, None),
            stop_s=float(stop) if stop is not None else DEFAULT_STOP_S,
        )

    @property
    def has_budget(self) -> bool:
        return self.budget_user_credits is not None or self.budget_chat_credits is not None
