"""The Discord bot's settings, from the environment, and Discord's own limits (named here).

- ``DISCORD_APPLICATION_ID``: the application's id (the developer portal's General
  Information page);
- ``DISCORD_PUBLIC_KEY``: its public key, hex; every interaction's signature is checked with it;
- ``DISCORD_BOT_TOKEN``: the bot's token (the Bot page); it registers ``/imagine`` and
  finishes a task that outlived its interaction with a channel message;
- ``DISCORD_API_BASE_URL``: default ``https://discord.com/api/v10``; otherwise a loopback
  address only (the tests' fake).

The bot token is a credential: it is registered with the log redactor the moment it is read,
and no error message repeats it (nor the base URL, which names nothing secret but is checked
before a request carries the token).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from skill import net
from skill.logs import register_secret

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DiscordConfig",
    "DiscordConfigError",
]

ENV_APPLICATION_ID = "DISCORD_APPLICATION_ID"
ENV_PUBLIC_KEY = "DISCORD_PUBLIC_KEY"
ENV_BOT_TOKEN = "DISCORD_BOT_TOKEN"  # noqa: S105 -- a variable's name, not a token
ENV_API_BASE_URL = "DISCORD_API_BASE_URL"

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
OFFICIAL_HOSTS = frozenset({"discord.com", "discordapp.com"})

#: An interaction's token works this long after the interaction was made (Discord's rule).
TOKEN_LIFETIME_S = 15 * 60.0
#: The token is taken as spent this long before its end: an edit already on its way must not
#: be the one that meets the deadline (a channel message finishes the conversation instead).
TOKEN_MARGIN_S = 30.0
#: Discord's deadline for the first answer to an interaction (seconds).
FIRST_ANSWER_DEADLINE_S = 3.0
#: A file larger than this is shown by its link (Discord's limit without boosts; an
#: interaction may say its own, ``attachment_size_limit``).
UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024
#: The original message is edited at most this often (seconds): an interaction's webhook
#: allows about five requests every two seconds, and one conversation stays far below that.
MIN_EDIT_INTERVAL_S = 1.0
#: A signed request whose timestamp is further than this from our clock is refused: a
#: captured request cannot be played back later (seconds; generous for clocks that drift).
SIGNATURE_MAX_AGE_S = 5 * 60.0
#: A sink waits at most this long for its interaction's first answer to land before it
#: shows the conversation with a channel message instead.
ACK_WAIT_S = 10.0

_SNOWFLAKE = re.compile(r"^\d{1,20}$")
_PUBLIC_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


class DiscordConfigError(ValueError):
    """A setting that cannot be used; the message names the variable, never its value."""


@dataclass(frozen=True)
class DiscordConfig:
    """What the bot needs from Discord's developer portal (see the module docstring)."""

    application_id: str
    public_key: str
    bot_token: str = field(repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    #: The default upload limit (an interaction's own ``attachment_size_limit`` wins).
    upload_limit_bytes: int = UPLOAD_LIMIT_BYTES
    min_edit_interval_s: float = MIN_EDIT_INTERVAL_S
    token_lifetime_s: float = TOKEN_LIFETIME_S
    token_margin_s: float = TOKEN_MARGIN_S

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DiscordConfig:
        """The settings of ``env`` (default the process's); :class:`DiscordConfigError` says
        which variable is missing or cannot be used."""
        env = os.environ if env is None else env
        values = {
            name: (env.get(name) or "").strip()
            for name in (ENV_APPLICATION_ID, ENV_PUBLIC_KEY, ENV_BOT_TOKEN)
        }
        register_secret(values[ENV_BOT_TOKEN])
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise DiscordConfigError(
                "set " + ", ".join(missing) + " (the application's page in Discord's developer"
                " portal; docs/discord.md)"
            )
        if not _SNOWFLAKE.match(values[ENV_APPLICATION_ID]):
            raise DiscordConfigError(f"{ENV_APPLICATION_ID} must be the application's numeric id")
        if not _PUBLIC_KEY.match(values[ENV_PUBLIC_KEY]):
            raise DiscordConfigError(f"{ENV_PUBLIC_KEY} must be 64 hexadecimal characters")
        return cls(
            application_id=values[ENV_APPLICATION_ID],
            public_key=values[ENV_PUBLIC_KEY].lower(),
            bot_token=values[ENV_BOT_TOKEN],
            api_base_url=check_api_base_url(env.get(ENV_API_BASE_URL) or DEFAULT_API_BASE_URL),
        )


def check_api_base_url(url: str) -> str:
    """``url`` without a trailing slash: https on Discord's hosts, or loopback (tests)."""
    try:
        checked = net.check_url(url, hosts=OFFICIAL_HOSTS, variable=ENV_API_BASE_URL)
    except net.URLRefused as exc:
        raise DiscordConfigError(str(exc)) from None
    return checked.rstrip("/")
