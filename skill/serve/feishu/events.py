"""An event's payload, as Feishu documents it, read into what the bot needs.

Both modes give the same payload (schema 2.0): ``{"schema": "2.0", "header": {event_id,
event_type, token, ...}, "event": {...}}``. Two event types matter:

- ``im.message.receive_v1``: ``event.sender.sender_id.open_id``; ``event.message``:
  ``message_id``, ``chat_id``, ``chat_type`` (``p2p`` or ``group``), ``message_type``
  (``text``, ``post``, ``image``...), ``content`` (a JSON *string*: ``{"text"}``, a post's
  ``{"title", "content": [[element...]...]}`` possibly under a locale key, ``{"image_key"}``)
  and ``mentions`` (``key`` as written in the text, ``@_user_1``, ``id.open_id``, ``name``).
- ``card.action.trigger`` (a button pressed on a card): ``event.operator.open_id``,
  ``event.action.value`` (the button's own value), ``event.context.open_message_id`` and
  ``open_chat_id``.

A group message is for the bot only when it is @mentioned; the mention is taken out of the
words, other people's mentions become their names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skill import catalog
from skill.serve.feishu.crypto import Refused

__all__ = [
    "CARD_ACTION",
    "MESSAGE_RECEIVE",
    "CardAction",
    "Envelope",
    "MessageEvent",
    "read_action",
    "read_envelope",
    "read_message",
]

MESSAGE_RECEIVE = "im.message.receive_v1"
CARD_ACTION = "card.action.trigger"
URL_VERIFICATION = "url_verification"
#: The chat type of a private chat with the bot.
P2P = "p2p"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Header(_Model):
    event_id: str = Field(min_length=1)
    event_type: str = ""
    token: str | None = None


class Envelope(_Model):
    """The outside of an event (schema 2.0)."""

    header: Header
    event: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_type(self) -> str:
        return self.header.event_type


class _UserId(_Model):
    open_id: str = ""


class _Sender(_Model):
    sender_id: _UserId = Field(default_factory=_UserId)
    sender_type: str = "user"


class _Mention(_Model):
    key: str = ""
    id: _UserId = Field(default_factory=_UserId)
    name: str = ""


class _Message(_Model):
    message_id: str = Field(min_length=1)
    chat_id: str = Field(min_length=1)
    chat_type: str = ""
    message_type: str = ""
    content: str = ""
    mentions: list[_Mention] = Field(default_factory=list)


class _MessageReceive(_Model):
    sender: _Sender
    message: _Message


class _Operator(_Model):
    open_id: str = Field(min_length=1)


class _Action(_Model):
    value: dict[str, Any] = Field(default_factory=dict)
    tag: str = ""


class _Context(_Model):
    open_message_id: str = Field(min_length=1)
    open_chat_id: str = Field(min_length=1)


class _CardActionEvent(_Model):
    operator: _Operator
    action: _Action = Field(default_factory=_Action)
    context: _Context


@dataclass(frozen=True)
class MessageEvent:
    """One message to the bot, read."""

    event_id: str
    message_id: str
    chat_id: str
    user_id: str
    private: bool
    #: The bot was @mentioned (always False in a private chat, where it need not be).
    mentioned: bool
    #: The words, the bot's mention taken out.
    text: str
    #: The pictures in it (image keys, to download through the message resource endpoint).
    image_keys: tuple[str, ...]
    #: Sent by a person (not another bot or app).
    from_person: bool

    @property
    def for_bot(self) -> bool:
        """Whether the bot answers it: a person's message, in private or with a mention."""
        return self.from_person and (self.private or self.mentioned)


@dataclass(frozen=True)
class CardAction:
    """A button pressed on one of the bot's cards."""

    event_id: str
    operator: str
    card_message_id: str
    chat_id: str
    value: Mapping[str, Any]


def read_envelope(payload: Mapping[str, Any]) -> Envelope:
    """The envelope of a decrypted payload; :class:`Refused` (400) when it is not one."""
    try:
        return Envelope.model_validate(payload)
    except ValidationError:
        raise Refused(400, "the event has no schema 2.0 header") from None


def read_message(envelope: Envelope, bot_open_id: str | None) -> MessageEvent:
    """An ``im.message.receive_v1`` event; :class:`Refused` (400) when malformed."""
    try:
        body = _MessageReceive.model_validate(envelope.event)
    except ValidationError:
        raise Refused(400, "the message event is malformed") from None
    message = body.message
    mentions = message.mentions
    bot_keys = {m.key for m in mentions if bot_open_id and m.id.open_id == bot_open_id}
    content = _content(message.content)
    # A post's "at" element names the person by the mention's key or by the open id itself.
    bot_ids = bot_keys | ({bot_open_id} if bot_open_id else set())
    text, image_keys = _words_and_pictures(message.message_type, content, mentions, bot_ids)
    return MessageEvent(
        event_id=envelope.header.event_id,
        message_id=message.message_id,
        chat_id=message.chat_id,
        user_id=body.sender.sender_id.open_id,
        private=message.chat_type == P2P,
        mentioned=bool(bot_keys),
        text=text,
        image_keys=image_keys[: catalog.MAX_INPUT_IMAGES],
        from_person=body.sender.sender_type == "user" and bool(body.sender.sender_id.open_id),
    )


def read_action(envelope: Envelope) -> CardAction:
    """A ``card.action.trigger`` event; :class:`Refused` (400) when malformed."""
    try:
        body = _CardActionEvent.model_validate(envelope.event)
    except ValidationError:
        raise Refused(400, "the card action is malformed") from None
    return CardAction(
        event_id=envelope.header.event_id,
        operator=body.operator.open_id,
        card_message_id=body.context.open_message_id,
        chat_id=body.context.open_chat_id,
        value=body.action.value,
    )


def _content(raw: str) -> dict[str, Any]:
    try:
        content = json.loads(raw) if raw else {}
    except ValueError:
        raise Refused(400, "the message content is not JSON") from None
    return content if isinstance(content, dict) else {}


_SPACES = re.compile(r"[ \t]+")


def _words_and_pictures(
    kind: str, content: Mapping[str, Any], mentions: Sequence[_Mention], bot_keys: set[str]
) -> tuple[str, tuple[str, ...]]:
    names = {m.key: m.name for m in mentions}
    if kind == "text":
        text = str(content.get("text", ""))
        for key in sorted(names, key=len, reverse=True):  # "@_user_10" before "@_user_1"
            text = text.replace(key, "" if key in bot_keys else f"@{names[key]}")
        return _tidy(text), ()
    if kind == "image":
        image_key = content.get("image_key")
        return "", (image_key,) if isinstance(image_key, str) and image_key else ()
    if kind == "post":
        return _post(content, names, bot_keys)
    return "", ()


def _post(
    content: Mapping[str, Any], names: Mapping[str, str], bot_keys: set[str]
) -> tuple[str, tuple[str, ...]]:
    """A rich-text message: its title and lines as text, its pictures' keys."""
    body = content
    if "content" not in body:  # the whole post under one locale key ("zh_cn": {...})
        body = next((v for v in content.values() if isinstance(v, dict)), {})
    lines: list[str] = []
    images: list[str] = []
    title = body.get("title")
    if isinstance(title, str) and title.strip():
        lines.append(title)
    paragraphs = body.get("content")
    for paragraph in paragraphs if isinstance(paragraphs, list) else []:
        words: list[str] = []
        for element in paragraph if isinstance(paragraph, list) else []:
            if not isinstance(element, dict):
                continue
            tag = element.get("tag")
            if tag in ("text", "a", "md", "code_block"):
                words.append(str(element.get("text", "")))
            elif tag == "at":
                who = str(element.get("user_id", ""))
                if who not in bot_keys:
                    words.append(f"@{element.get('user_name') or names.get(who, '')}")
            elif tag == "img" and isinstance(element.get("image_key"), str):
                images.append(element["image_key"])
        lines.append("".join(words))
    return _tidy("\n".join(lines)), tuple(images)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
