"""A loopback fake of Discord for the interactions bot, built from the documented shapes (v10).

It plays both sides of Discord:

* the sender of interactions: :meth:`FakeDiscordApi.interaction` makes one (a snowflake id
  carrying its time, a token that works 15 minutes from then) and :meth:`signed` signs a body
  with the application's Ed25519 key, as Discord signs every request it posts to an endpoint;
* the REST API the bot calls: the interaction callback (within 3 s of delivery, once: a second
  answer is refused with 40060), the original response edited through the interaction's
  webhook (JSON or multipart ``payload_json`` + ``files[n]``; in v10 ``attachments`` must
  list every attachment kept), channel messages with ``Authorization: Bot``, the commands
  endpoint (PUT bulk overwrite, GET), and 429 answers on demand (:class:`Scripted`).

Everything received is checked against Discord's documented limits (content 2,000 characters,
5 buttons a row, labels 80, custom ids 100, command names and descriptions...); a request
that breaks one is answered 400 and remembered in ``problems``.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.channels.fake_platforms import Call, FakeServer, parse_multipart
from tests.serve.discord.discordrules import check_command, check_message

DISCORD_EPOCH_MS = 1_420_070_400_000
TOKEN_LIFETIME_S = 15 * 60.0
FIRST_ANSWER_DEADLINE_S = 3.0
API = "/api/v10"


_INCREMENT = itertools.count(1)


def snowflake(at: float | None = None) -> str:
    """A Discord id made at ``at`` (epoch seconds, default now)."""
    moment = time.time() if at is None else at
    return str((int(moment * 1000) - DISCORD_EPOCH_MS) << 22 | (next(_INCREMENT) & 0xFFF))


@dataclass
class Issued:
    """An interaction Discord sent: its token's life and its first answer."""

    id: str
    token: str
    created_at: float
    delivered_at: float | None = None
    answered: int | None = None  # the callback type
    message_id: str | None = None


@dataclass
class Message:
    id: str
    channel_id: str
    content: str = ""
    components: list[dict[str, Any]] = field(default_factory=list)
    embeds: list[dict[str, Any]] = field(default_factory=list)
    #: (attachment id, filename, bytes)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    flags: int = 0
    loading: bool = False
    via: str = "interaction"
    reference: str | None = None
    mentions: list[str] = field(default_factory=list)
    edits: int = 0


class FakeDiscordApi(FakeServer):
    """See the module docstring."""

    APPLICATION_ID = "112233445566778899"
    BOT_TOKEN = "MTEy.fake-bot-token.CANARY-0123456789abcdef"
    CHANNEL = "998877665544332211"
    GUILD = "556677889900112233"

    def __init__(self) -> None:
        super().__init__()
        self._key = Ed25519PrivateKey.generate()
        self.issued: dict[str, Issued] = {}
        self.messages: dict[str, Message] = {}
        self.commands: list[dict[str, Any]] = []
        #: False: a second first answer is taken too (to see the bot's own deduplication).
        self.strict_acks = True
        self._ids = itertools.count(1)

    @property
    def public_key(self) -> str:
        raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return raw.hex()

    @property
    def api_base_url(self) -> str:
        return f"{self.url}{API}"

    # --- Discord as the sender of interactions --------------------------------------------
    def interaction(
        self,
        kind: int,
        *,
        user: str = "111111111111111111",
        channel: str | None = None,
        locale: str = "en-US",
        created_at: float | None = None,
        in_dm: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """A new interaction of ``kind`` (1 ping, 2 command, 3 component) as Discord sends it."""
        made = time.time() if created_at is None else created_at
        interaction_id = snowflake(made)
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        with self.lock:
            self.issued[token] = Issued(interaction_id, token, made)
        body: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.APPLICATION_ID,
            "type": kind,
            "token": token,
            "version": 1,
        }
        if kind == 1:
            return body
        person = {"id": user, "username": f"user{user[-4:]}", "discriminator": "0"}
        body.update(
            channel_id=channel or self.CHANNEL,
            channel={"id": channel or self.CHANNEL, "type": 1 if in_dm else 0},
            locale=locale,
            app_permissions="562949953421311",
            entitlements=[],
            authorizing_integration_owners={"0": self.GUILD},
            context=1 if in_dm else 0,
        )
        if in_dm:
            body["user"] = person
        else:
            body.update(guild_id=self.GUILD, guild_locale="en-US", member={"user": person})
        body.update(fields)
        return body

    def command(
        self,
        prompt: str,
        *,
        options: dict[str, str] | None = None,
        image_url: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """An ``/imagine`` interaction with its options (and an attached picture's URL)."""
        given = [{"name": "prompt", "type": 3, "value": prompt}]
        given += [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]
        data: dict[str, Any] = {"id": "1", "name": "imagine", "type": 1, "options": given}
        if image_url is not None:
            attachment_id = snowflake()
            given.append({"name": "image", "type": 11, "value": attachment_id})
            data["resolved"] = {
                "attachments": {
                    attachment_id: {
                        "id": attachment_id,
                        "filename": "cat.png",
                        "size": len(self.media_bytes),
                        "url": image_url,
                        "proxy_url": image_url,
                        "content_type": "image/png",
                    }
                }
            }
        return self.interaction(2, data=data, **fields)

    def press(self, message: Message, label_or_index: str | int, **fields: Any) -> dict[str, Any]:
        """A button of ``message`` pressed (by ``user=``), as Discord sends it."""
        buttons = [b for row in message.components for b in row["components"]]
        if isinstance(label_or_index, int):
            button = buttons[label_or_index]
        else:
            button = next(b for b in buttons if label_or_index in b["label"])
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return self.interaction(3, data=data, message={"id": message.id}, **fields)

    def signed(self, body: bytes, *, at: float | None = None) -> dict[str, str]:
        """The headers Discord sends with ``body``: its signature and timestamp."""
        timestamp = str(int(time.time() if at is None else at))
        signature = self._key.sign(timestamp.encode() + body).hex()
        return {
            "X-Signature-Ed25519": signature,
            "X-Signature-Timestamp": timestamp,
            "Content-Type": "application/json",
            "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)",
        }

    def delivered(self, payload: dict[str, Any]) -> None:
        """The interaction was posted to the endpoint now: its 3 s begin."""
        with self.lock:
            issued = self.issued.get(payload["token"])
            if issued is not None and issued.delivered_at is None:
                issued.delivered_at = time.time()

    # --- the REST API ----------------------------------------------------------------------
    def handle(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if not call.path.startswith(API + "/"):
            return 404, {"message": "404: Not Found", "code": 0}, {}
        parts = call.path[len(API) + 1 :].split("/")
        match call.method, parts:
            case "POST", ["interactions", interaction_id, token, "callback"]:
                return self._callback(call, interaction_id, token)
            case "PATCH", ["webhooks", app, token, "messages", "@original"]:
                return self._edit_original(call, app, token)
            case "POST", ["channels", channel_id, "messages"]:
                return self._as_bot(call, lambda: self._post_message(call, channel_id))
            case "PATCH", ["channels", channel_id, "messages", message_id]:
                return self._as_bot(call, lambda: self._edit_message(call, channel_id, message_id))
            case "PUT", ["applications", app, "commands"]:
                return self._as_bot(call, lambda: self._put_commands(call, app))
            case "GET", ["applications", app, "commands"]:
                return self._as_bot(call, lambda: (200, self.commands, {}))
        return 405, {"message": "405: Method Not Allowed", "code": 0}, {}

    def _as_bot(self, call: Call, then: Any) -> tuple[int, Any, dict[str, str]]:
        if call.headers.get("authorization") != f"Bot {self.BOT_TOKEN}":
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        result: tuple[int, Any, dict[str, str]] = then()
        return result

    def _callback(self, call: Call, interaction_id: str, token: str) -> tuple[int, Any, dict]:
        assert call.headers.get("content-type", "").startswith("application/json")
        body = json.loads(call.body)
        call.json = body
        with self.lock:
            issued = self.issued.get(token)
            if issued is None or issued.id != interaction_id:
                return 404, {"message": "Unknown interaction", "code": 10062}, {}
            late = issued.delivered_at is None or (
                time.time() - issued.delivered_at > FIRST_ANSWER_DEADLINE_S
            )
            if late:
                return 404, {"message": "Unknown interaction", "code": 10062}, {}
            if issued.answered is not None and self.strict_acks:
                return (
                    400,
                    {"message": "Interaction has already been acknowledged.", "code": 40060},
                    {},
                )
            kind = body["type"]
            assert kind in (4, 5, 6, 7), f"callback type {kind}"
            issued.answered = kind
            data = body.get("data") or {}
            message = Message(
                id=snowflake(),
                channel_id=self.CHANNEL,
                content=data.get("content", ""),
                flags=data.get("flags", 0),
                loading=kind == 5,
            )
            self.messages[message.id] = message
            issued.message_id = message.id
        return 204, None, {}

    def _payload(self, call: Call) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        ctype = call.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            parts = parse_multipart(ctype, call.body)
            call.parts = parts
            assert "payload_json" in parts, "a multipart body carries payload_json"
            payload = json.loads(parts["payload_json"][2])
            files: dict[str, tuple[str, bytes]] = {}
            for name, (filename, _ctype, data) in parts.items():
                if name == "payload_json":
                    continue
                found = re.fullmatch(r"files\[(\d+)\]", name)
                assert found, f"unexpected part {name}"
                assert filename, "a file part needs its filename"
                files[found.group(1)] = (filename, data)
            declared = {str(a["id"]): a for a in payload.get("attachments", [])}
            for index, (filename, _data) in files.items():
                assert index in declared, f"v10: files[{index}] must be listed in attachments"
                assert declared[index]["filename"] == filename
            return payload, files
        assert ctype.startswith("application/json"), ctype
        return json.loads(call.body), {}

    def _apply(
        self, message: Message, payload: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> None:
        message.content = payload["content"]
        message.loading = False
        message.edits += 1
        if "components" in payload:
            message.components = payload["components"]
        if "embeds" in payload:
            message.embeds = payload["embeds"]
        if "attachments" in payload:
            # v10: what is listed stays (old ids) or comes (new files); the rest is removed.
            kept = {a_id: (a_id, name, data) for a_id, name, data in message.attachments}
            after: list[tuple[str, str, bytes]] = []
            for item in payload["attachments"]:
                item_id = str(item["id"])
                if item_id in files:
                    name, data = files[item_id]
                    after.append((snowflake(), name, data))
                else:
                    assert item_id in kept, f"attachment {item_id} is neither kept nor new"
                    after.append(kept[item_id])
            message.attachments = after
        users = (payload.get("allowed_mentions") or {}).get("users", [])
        message.mentions = [u for u in users if f"<@{u}>" in message.content]

    def _edit_original(self, call: Call, app: str, token: str) -> tuple[int, Any, dict]:
        payload, files = self._payload(call)
        call.json = payload
        with self.lock:
            issued = self.issued.get(token)
            if app != self.APPLICATION_ID or issued is None:
                return 404, {"message": "Unknown Webhook", "code": 10015}, {}
            if time.time() >= issued.created_at + TOKEN_LIFETIME_S:
                return 401, {"message": "Invalid Webhook Token", "code": 50027}, {}
            if issued.message_id is None:
                return 404, {"message": "Unknown Message", "code": 10008}, {}
        check_message(payload)
        with self.lock:
            message = self.messages[issued.message_id]
            self._apply(message, payload, files)
            return 200, self._shown(message), {}

    def _post_message(self, call: Call, channel_id: str) -> tuple[int, Any, dict]:
        payload, files = self._payload(call)
        call.json = payload
        check_message(payload)
        with self.lock:
            message = Message(id=snowflake(), channel_id=channel_id, via="bot")
            reference = payload.get("message_reference")
            if reference is not None:
                message.reference = reference["message_id"]
            self._apply(message, payload, files)
            message.edits = 0
            self.messages[message.id] = message
            return 200, self._shown(message), {}

    def _edit_message(self, call: Call, channel_id: str, message_id: str) -> tuple[int, Any, dict]:
        payload, files = self._payload(call)
        call.json = payload
        check_message(payload)
        with self.lock:
            message = self.messages.get(message_id)
            if message is None or message.channel_id != channel_id or message.via != "bot":
                return 404, {"message": "Unknown Message", "code": 10008}, {}
            self._apply(message, payload, files)
            return 200, self._shown(message), {}

    def _shown(self, message: Message) -> dict[str, Any]:
        return {
            "id": message.id,
            "type": 0,
            "channel_id": message.channel_id,
            "content": message.content,
            "components": message.components,
            "embeds": message.embeds,
            "attachments": [
                {"id": a_id, "filename": name, "size": len(data)}
                for a_id, name, data in message.attachments
            ],
            "flags": message.flags,
        }

    def _put_commands(self, call: Call, app: str) -> tuple[int, Any, dict]:
        assert app == self.APPLICATION_ID
        commands = json.loads(call.body)
        call.json = commands
        assert isinstance(commands, list)
        made = []
        for command in commands:
            check_command(command)
            made.append(
                {**command, "id": snowflake(), "application_id": app, "version": snowflake()}
            )
        with self.lock:
            self.commands = made
        return 200, made, {}

    # --- what tests look at ----------------------------------------------------------------
    def answer_to(self, payload: dict[str, Any]) -> Message | None:
        """The message that answers an interaction (its callback's), if any."""
        with self.lock:
            issued = self.issued.get(payload["token"])
            if issued is None or issued.message_id is None:
                return None
            return self.messages[issued.message_id]

    def bot_messages(self) -> list[Message]:
        with self.lock:
            return [m for m in self.messages.values() if m.via == "bot"]

    def callbacks(self) -> list[Call]:
        return [c for c in self.of("POST", "/callback") if c.status == 204]
