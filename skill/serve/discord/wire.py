"""Discord's interaction payload, as documented (only the fields the bot reads), and its codes.

An interaction (``POST /discord/interactions``) is one of:

* ``PING`` (1): Discord checking the endpoint; answered ``PONG`` (1).
* ``APPLICATION_COMMAND`` (2): ``/imagine``; ``data.options`` hold the prompt and the choices,
  ``data.resolved.attachments`` the picture of the ``image`` option.
* ``MESSAGE_COMPONENT`` (3): a button pressed; ``data.custom_id`` says which, ``message`` is
  the message it sits under.

The invoking person is ``member.user`` in a server and ``user`` in a DM. ``locale`` is their
client's language ("zh-CN", "en-US"...). Pydantic at the edge: unknown fields are ignored, a
payload missing what the bot needs is refused (400).
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from skill.render import Lang, lang_of

__all__ = [
    "APPLICATION_COMMAND",
    "CHANNEL_MESSAGE_WITH_SOURCE",
    "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    "EPHEMERAL",
    "MESSAGE_COMPONENT",
    "PING",
    "PONG",
    "Attachment",
    "Interaction",
    "snowflake_time",
]

# Interaction types.
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
# Interaction callback types.
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
# Message flags.
EPHEMERAL = 1 << 6
# Application command option types.
OPTION_STRING = 3
OPTION_ATTACHMENT = 11
# Component types and button styles.
ACTION_ROW = 1
BUTTON = 2
PRIMARY = 1
SECONDARY = 2
#: Discord's epoch (2015-01-01T00:00:00Z), in milliseconds: a snowflake's time counts from it.
DISCORD_EPOCH_MS = 1_420_070_400_000
_SNOWFLAKE_TIME_SHIFT = 22
#: Discord's error codes the bot acts on.
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
INVALID_WEBHOOK_TOKEN = 50027


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class User(_Lenient):
    id: str


class Member(_Lenient):
    user: User | None = None


class Channel(_Lenient):
    id: str


class Option(_Lenient):
    name: str
    type: int
    value: str | int | float | bool | None = None


class Attachment(_Lenient):
    id: str
    url: str
    filename: str = ""
    size: int = 0
    content_type: str | None = None


class Resolved(_Lenient):
    attachments: dict[str, Attachment] = Field(default_factory=dict)


class Data(_Lenient):
    name: str | None = None
    options: list[Option] = Field(default_factory=list)
    resolved: Resolved | None = None
    custom_id: str | None = None
    component_type: int | None = None


class Message(_Lenient):
    id: str


class Interaction(_Lenient):
    """One interaction (see the module docstring)."""

    id: str
    application_id: str
    type: int
    token: str = Field(default="", repr=False)
    data: Data | None = None
    channel_id: str | None = None
    channel: Channel | None = None
    member: Member | None = None
    user: User | None = None
    locale: str | None = None
    guild_locale: str | None = None
    message: Message | None = None
    #: The largest file the app may attach here, in bytes (sent by Discord since 2024).
    attachment_size_limit: int | None = None

    @property
    def user_id(self) -> str | None:
        """Who invoked it: the member's user in a server, the user in a DM."""
        if self.member is not None and self.member.user is not None:
            return self.member.user.id
        return self.user.id if self.user is not None else None

    @property
    def where(self) -> str | None:
        """The channel it came from."""
        if self.channel_id:
            return self.channel_id
        return self.channel.id if self.channel is not None else None

    @property
    def lang(self) -> Lang:
        """The person's language: Chinese for any Chinese locale (zh-CN, zh-TW), else English."""
        return lang_of(self.locale or self.guild_locale or "en")

    def option(self, name: str) -> Any:
        """The value of the command's option ``name`` (None when not given)."""
        for option in self.data.options if self.data is not None else ():
            if option.name == name:
                return option.value
        return None

    def attachment(self, name: str) -> Attachment | None:
        """The attachment the option ``name`` points to, if it was given."""
        attachment_id = self.option(name)
        if attachment_id is None or self.data is None or self.data.resolved is None:
            return None
        return self.data.resolved.attachments.get(str(attachment_id))

    def created_at(self) -> float:
        """When it was made (epoch seconds), read from its id; never later than now, so a
        clock behind Discord's makes the token look older, never younger."""
        return min(snowflake_time(self.id), time.time())


def snowflake_time(snowflake: str) -> float:
    """The moment (epoch seconds) a Discord id was made; 0 for an id that is not a number."""
    try:
        value = int(snowflake)
    except ValueError:
        return 0.0
    return ((value >> _SNOWFLAKE_TIME_SHIFT) + DISCORD_EPOCH_MS) / 1000.0
