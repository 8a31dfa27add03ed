"""The Feishu bot's settings, from the environment, and its limits (named once, here).

- ``FEISHU_APP_ID``, ``FEISHU_APP_SECRET``: the app's credentials (always);
- ``FEISHU_VERIFICATION_TOKEN``, ``FEISHU_ENCRYPT_KEY``: the events' token and key (webhook);
- ``FEISHU_BASE_URL``: ``https://open.feishu.cn`` (the default), ``https://open.larksuite.com``
  or a loopback address (the tests' fake platform).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from skill import catalog
from skill.channels.feishu_api import (
    DEFAULT_BASE_URL,
    ENV_APP_ID,
    ENV_APP_SECRET,
    ENV_BASE_URL,
)
from skill.logs import register_secret

__all__ = [
    "ENV_ENCRYPT_KEY",
    "ENV_VERIFICATION_TOKEN",
    "FeishuConfig",
]

ENV_VERIFICATION_TOKEN = "FEISHU_VERIFICATION_TOKEN"  # noqa: S105 -- a variable's name
ENV_ENCRYPT_KEY = "FEISHU_ENCRYPT_KEY"
#: The bot's namespace in the shared store (its seen events, notes and budgets).
NAMESPACE = "feishu"
#: The card is edited at most once a second: within Feishu's 5 edits a second per message,
#: and quick enough that progress reads as live.
CARD_EDIT_INTERVAL_S = 1.0
#: A webhook body larger than this is refused before it is read further (events are a few KB).
MAX_EVENT_BYTES = 1024 * 1024
#: A signed request older than this is refused: a replay of it either arrives while its event
#: id is still remembered (deduplicated) or is refused here. Feishu's own retries end within
#: hours.
REPLAY_WINDOW_S = catalog.DEDUP_TTL_S - 3600.0
#: A timestamp this far ahead of our clock is still taken (clocks drift).
CLOCK_SKEW_S = 300.0
#: A picture sent alone (an image message cannot carry words) waits this long for the words
#: that say what to do with it: the same person's next message in the chat takes it.
PENDING_IMAGE_TTL_S = 600.0
#: The SDK's long connection is given this long to close when the bot stops.
LONG_CONNECTION_STOP_S = 2.0


@dataclass(frozen=True)
class FeishuConfig:
    """The app's credentials and where Feishu is (see the module docstring)."""

    app_id: str = ""
    app_secret: str = ""
    verification_token: str = ""
    encrypt_key: str = ""
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FeishuConfig:
        """The settings of ``env`` (default the process environment), unchecked."""
        env = os.environ if env is None else env
        return cls(
            app_id=env.get(ENV_APP_ID, "").strip(),
            app_secret=env.get(ENV_APP_SECRET, "").strip(),
            verification_token=env.get(ENV_VERIFICATION_TOKEN, "").strip(),
            encrypt_key=env.get(ENV_ENCRYPT_KEY, "").strip(),
            base_url=(env.get(ENV_BASE_URL) or "").strip() or DEFAULT_BASE_URL,
        )

    def missing(self, *, webhook: bool) -> list[str]:
        """The variables still to be set for this mode, in the order to set them."""
        wanted = [(ENV_APP_ID, self.app_id), (ENV_APP_SECRET, self.app_secret)]
        if webhook:
            # Feishu signs a request only when an Encrypt Key is set: without one, a forged
            # event could not be told from a real one.
            wanted += [
                (ENV_VERIFICATION_TOKEN, self.verification_token),
                (ENV_ENCRYPT_KEY, self.encrypt_key),
            ]
        return [name for name, value in wanted if not value]

    def protect(self) -> None:
        """Keep every secret of the app out of logs and output."""
        for secret in (self.app_secret, self.verification_token, self.encrypt_key):
            register_secret(secret or None)
