"""A fake Feishu open platform on loopback, for the bot: the channel tests' FakeFeishu (tenant
token, send, card PATCH, image upload, rate limits) extended with what a bot also uses, and
the events side, all from the documented shapes:

- ``GET /open-apis/bot/v3/info`` -> ``{code, msg, bot: {open_id, app_name, activate_status}}``;
- ``POST /open-apis/im/v1/messages/:id/reply`` ``{msg_type, content, uuid?}`` (a reply in the
  thread of a person's message, which must be one the platform delivered; a ``uuid`` seen
  within the hour answers the first reply again, as a send does);
- ``POST /open-apis/im/v1/files`` multipart ``file_type``, ``file_name``, ``file`` (30 MB);
- ``GET /open-apis/im/v1/messages/:id/resources/:key?type=image``: a picture a person sent;
- cards with ``img`` (an uploaded ``image_key``) and ``action`` (buttons with a ``value``);
- ``POST /callback/ws/endpoint`` ``{AppID, AppSecret}`` -> the long connection's URL
  (:class:`FakeLongConnection`, a WebSocket server speaking the SDK's protobuf frames);
- events: :func:`message_event` / :func:`card_action` build schema 2.0 payloads, and
  :func:`signed` encrypts and signs one as Feishu's request-URL mode posts it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

from skill.serve.feishu import crypto
from tests.channels.fake_platforms import PNG, Call, FakeFeishu, parse_multipart

BOT_OPEN_ID = "ou_fake_bot_0001"
APP_NAME = "画图小助手"
VERIFICATION_TOKEN = "fake-verification-token-42"
ENCRYPT_KEY = "fake-encrypt-key-0123456789"
FILE_MAX_BYTES = 30 * 1024 * 1024
_ids = itertools.count(1)


class FakeOpenPlatform(FakeFeishu):
    """See the module docstring. :meth:`deliver` registers a person's message (so the bot can
    reply to it and download its pictures) and returns its event."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered: dict[str, dict[str, Any]] = {}
        self.resources: dict[tuple[str, str], bytes] = {}
        self.files: dict[str, bytes] = {}
        self.bot_info_refused = False
        self.ws_url: str | None = None

    # --- what a person does ----------------------------------------------------------------
    def deliver(
        self,
        text: str = "",
        *,
        chat: str = "oc_chat_1",
        user: str = "ou_user_1",
        chat_type: str = "p2p",
        mention_bot: bool = False,
        images: tuple[bytes, ...] = (),
        kind: str | None = None,
        event_id: str | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A person's message, as ``im.message.receive_v1``: text, or a post with pictures
        (``kind="image"``: one picture alone)."""
        message_id = message_id or f"om_person_{next(_ids)}"
        keys = []
        for data in images:
            key = f"img_v3_person_{next(_ids)}"
            self.resources[(message_id, key)] = data
            keys.append(key)
        mentions = []
        words = text
        if mention_bot:
            mentions.append({"key": "@_user_1", "id": {"open_id": BOT_OPEN_ID}, "name": APP_NAME})
        if kind == "image":
            content: dict[str, Any] = {"image_key": keys[0]}
            message_type = "image"
        elif keys:
            line: list[dict[str, Any]] = []
            if mention_bot:
                line.append({"tag": "at", "user_id": "@_user_1", "user_name": APP_NAME})
            line.append({"tag": "text", "text": f" {words}"})
            content = {
                "title": "",
                "content": [line, *[[{"tag": "img", "image_key": k}] for k in keys]],
            }
            message_type = "post"
        else:
            content = {"text": f"@_user_1 {words}" if mention_bot else words}
            message_type = "text"
        with self.lock:
            self.delivered[message_id] = {"chat_id": chat}
        return message_event(
            message_id=message_id,
            chat=chat,
            user=user,
            chat_type=chat_type,
            message_type=message_type,
            content=content,
            mentions=mentions,
            event_id=event_id,
        )

    # --- the open platform -------------------------------------------------------------------
    def handle(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if call.method == "POST" and call.path == "/callback/ws/endpoint":
            return self._ws_endpoint(call)
        if call.path == "/open-apis/auth/v3/tenant_access_token/internal":
            return super().handle(call)
        token = call.headers.get("authorization", "").removeprefix("Bearer ")
        with self.lock:
            valid = token in self.tokens
        if not valid:
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}, {}
        path = call.path
        if call.method == "GET" and path == "/open-apis/bot/v3/info":
            return self._bot_info()
        if call.method == "POST" and path.endswith("/reply"):
            parent = path.split("/")[-2]
            return self.once_per_uuid(call, lambda c: self._reply(c, parent))
        if call.method == "POST" and path == "/open-apis/im/v1/files":
            return self._upload_file(call)
        if call.method == "GET" and "/resources/" in path:
            parts = path.split("/")
            return self._resource(call, parts[-3], parts[-1])
        return super().handle(call)

    def _bot_info(self) -> tuple[int, Any, dict[str, str]]:
        if self.bot_info_refused:
            return 400, {"code": 10003, "msg": "the app has no bot ability"}, {}
        bot = {"activate_status": 2, "app_name": APP_NAME, "open_id": BOT_OPEN_ID}
        return 200, {"code": 0, "msg": "ok", "bot": bot}, {}

    def _ws_endpoint(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        body = json.loads(call.body)
        call.json = body
        if body != {"AppID": self.APP_ID, "AppSecret": self.APP_SECRET}:
            return 200, {"code": 1000040343, "msg": "invalid app credentials"}, {}
        assert self.ws_url is not None, "no long connection is being served"
        config = {"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0,
                  "PingInterval": 120}  # fmt: skip
        return (
            200,
            {"code": 0, "msg": "ok", "data": {"URL": self.ws_url, "ClientConfig": config}},
            {},
        )

    @staticmethod
    def _check_card(content: str) -> dict[str, Any]:
        card = json.loads(content)
        assert card["config"]["update_multi"] is True, "a card to be edited must be shared"
        assert card["elements"], "a card needs content"
        for element in card["elements"]:
            if element["tag"] == "div":
                assert element["text"]["tag"] in ("plain_text", "lark_md")
                assert isinstance(element["text"]["content"], str)
            elif element["tag"] == "img":
                assert element["img_key"], "an img element needs an img_key"
                assert element["alt"]["tag"] == "plain_text", "an img element needs its alt"
            elif element["tag"] == "action":
                for button in element["actions"]:
                    assert button["tag"] == "button"
                    assert button["text"]["tag"] == "plain_text"
                    assert button["text"]["content"]
                    assert isinstance(button["value"], dict), "a button's value is an object"
            else:
                raise AssertionError(f"unexpected card element {element['tag']}")
        assert len(content.encode()) < 30 * 1024, "cards are limited to 30 KB"
        return card

    def _check_images_known(self, card: dict[str, Any]) -> None:
        for element in card["elements"]:
            if element["tag"] == "img":
                assert element["img_key"] in self.images, "unknown image_key in a card"

    def _content_of(self, msg_type: str, content: str) -> None:
        if msg_type == "interactive":
            self._check_images_known(self._check_card(content))
        elif msg_type == "image":
            assert json.loads(content)["image_key"] in self.images, "unknown image_key"
        elif msg_type == "file":
            assert json.loads(content)["file_key"] in self.files, "unknown file_key"
        else:
            raise AssertionError(f"unexpected msg_type {msg_type}")

    def _reply(self, call: Call, parent: str) -> tuple[int, Any, dict[str, str]]:
        body = json.loads(call.body)
        call.json = body
        assert set(body) <= {"msg_type", "content", "reply_in_thread", "uuid"}
        assert isinstance(body["content"], str), "content is a JSON string"
        with self.lock:
            origin = self.delivered.get(parent) or self.messages.get(parent)
        if origin is None:
            return 400, {"code": 230002, "msg": "the message to reply to does not exist"}, {}
        self._content_of(body["msg_type"], body["content"])
        message_id = f"om_bot_{next(self._ids)}"
        with self.lock:
            self.messages[message_id] = {
                "msg_type": body["msg_type"],
                "chat_id": origin["chat_id"],
                "content": body["content"],
                "edits": [],
                "reply_to": parent,
                "at": time.monotonic(),
            }
        data = {"message_id": message_id, "parent_id": parent, "chat_id": origin["chat_id"]}
        return 200, {"code": 0, "msg": "success", "data": data}, {}

    def _patch(self, call: Call, message_id: str) -> tuple[int, Any, dict[str, str]]:
        answer = super()._patch(call, message_id)
        if answer[0] == 200:
            self._check_images_known(json.loads(json.loads(call.body)["content"]))
        return answer

    def _create(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        body = json.loads(call.body)
        if body.get("msg_type") == "file":
            self._content_of("file", body["content"])
            message_id = f"om_bot_{next(self._ids)}"
            with self.lock:
                self.messages[message_id] = {
                    "msg_type": "file", "chat_id": body["receive_id"],
                    "content": body["content"], "edits": [],
                }  # fmt: skip
            return 200, {"code": 0, "msg": "success", "data": {"message_id": message_id}}, {}
        return super()._create(call)

    def _upload_file(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        ctype = call.headers.get("content-type", "")
        assert ctype.startswith("multipart/form-data"), "files are uploaded as multipart"
        parts = parse_multipart(ctype, call.body)
        assert parts["file_type"][2] == b"stream"
        assert parts["file_name"][2], "a file needs its name"
        _, _, data = parts["file"]
        if len(data) > FILE_MAX_BYTES:
            return 400, {"code": 234006, "msg": "the file is too large"}, {}
        key = f"file_v3_fake_{next(self._ids)}"
        with self.lock:
            self.files[key] = data
        return 200, {"code": 0, "msg": "success", "data": {"file_key": key}}, {}

    def _resource(self, call: Call, message_id: str, key: str) -> tuple[int, Any, dict[str, str]]:
        assert call.query.get("type") == ["image"], "a picture is fetched with type=image"
        with self.lock:
            data = self.resources.get((message_id, key))
        if data is None:
            return 400, {"code": 234003, "msg": "file not in msg"}, {}
        return 200, data, {"Content-Type": "image/png"}

    # --- what tests look at ------------------------------------------------------------------
    def replies_to(self, message_id: str, msg_type: str = "interactive") -> list[str]:
        with self.lock:
            return [
                m for m, v in self.messages.items()
                if v.get("reply_to") == message_id and v["msg_type"] == msg_type
            ]  # fmt: skip

    def card_text(self, message_id: str) -> str:
        elements = self.card(message_id)["elements"]
        return "\n\n".join(e["text"]["content"] for e in elements if e["tag"] == "div")

    def card(self, message_id: str) -> dict[str, Any]:
        with self.lock:
            content: dict[str, Any] = json.loads(self.messages[message_id]["content"])
        return content

    def buttons(self, message_id: str) -> list[dict[str, Any]]:
        found = []
        for element in self.card(message_id)["elements"]:
            if element["tag"] == "action":
                found.extend(element["actions"])
        return found

    def card_image(self, message_id: str) -> bytes | None:
        for element in self.card(message_id)["elements"]:
            if element["tag"] == "img":
                return self.images[element["img_key"]]
        return None


# --- events ----------------------------------------------------------------------------------
def _header(event_type: str, event_id: str | None) -> dict[str, Any]:
    return {
        "event_id": event_id or f"ev_{next(_ids):08d}",
        "event_type": event_type,
        "create_time": str(int(time.time() * 1000)),
        "token": VERIFICATION_TOKEN,
        "app_id": FakeFeishu.APP_ID,
        "tenant_key": "fake_tenant",
    }


def message_event(
    *,
    message_id: str,
    chat: str,
    user: str,
    chat_type: str,
    message_type: str,
    content: dict[str, Any],
    mentions: list[dict[str, Any]],
    event_id: str | None = None,
) -> dict[str, Any]:
    """``im.message.receive_v1``, as documented."""
    message = {
        "message_id": message_id,
        "root_id": "",
        "parent_id": "",
        "create_time": str(int(time.time() * 1000)),
        "chat_id": chat,
        "chat_type": chat_type,
        "message_type": message_type,
        "content": json.dumps(content, ensure_ascii=False),
        "mentions": mentions,
    }
    sender = {
        "sender_id": {"open_id": user, "union_id": f"on_{user}", "user_id": None},
        "sender_type": "user",
        "tenant_key": "fake_tenant",
    }
    return {
        "schema": "2.0",
        "header": _header("im.message.receive_v1", event_id),
        "event": {"sender": sender, "message": message},
    }


def card_action(
    button: dict[str, Any], *, card: str, chat: str, operator: str, event_id: str | None = None
) -> dict[str, Any]:
    """``card.action.trigger`` for a press of ``button`` on the card ``card``."""
    return {
        "schema": "2.0",
        "header": _header("card.action.trigger", event_id),
        "event": {
            "operator": {"tenant_key": "fake_tenant", "open_id": operator, "union_id": ""},
            "token": "c-fake-card-token",
            "action": {"value": button["value"], "tag": "button"},
            "host": "im_message",
            "context": {"open_message_id": card, "open_chat_id": chat},
        },
    }


def url_verification(token: str = VERIFICATION_TOKEN) -> dict[str, Any]:
    return {"challenge": f"challenge-{next(_ids)}", "token": token, "type": "url_verification"}


def signed(
    payload: dict[str, Any],
    *,
    key: str = ENCRYPT_KEY,
    timestamp: float | None = None,
    sign: bool = True,
) -> tuple[bytes, dict[str, str]]:
    """``payload`` as Feishu posts it to a request URL: encrypted, then signed."""
    body = json.dumps(
        {"encrypt": crypto.encrypt(json.dumps(payload, ensure_ascii=False).encode(), key)}
    ).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        stamp = str(int(time.time() if timestamp is None else timestamp))
        nonce = f"nonce{next(_ids)}"
        headers |= {
            "X-Lark-Request-Timestamp": stamp,
            "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": crypto.signature(stamp, nonce, key, body),
        }
    return body, headers


class FakeLongConnection:
    """The long connection's far end: a WebSocket server (in a thread of its own) that pushes
    events as the SDK's protobuf frames and reads the client's answers."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._conns: list[Any] = []
        self._answers: dict[str, dict[str, Any]] = {}
        self._answered = threading.Condition()
        self._port: int | None = None
        self._server: Any = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FakeLongConnection:
        from websockets.asyncio.server import serve

        self._thread.start()

        async def start() -> None:
            self._server = await serve(self._handler, "127.0.0.1", 0)
            self._port = self._server.sockets[0].getsockname()[1]

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/ws/v2?device_id=fake-device&service_id=7"

    @property
    def connections(self) -> int:
        return len(self._conns)

    async def _handler(self, conn: Any) -> None:
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        self._conns.append(conn)
        try:
            async for raw in conn:
                frame = Frame()
                frame.ParseFromString(raw)
                headers = {h.key: h.value for h in frame.headers}
                if headers.get("type") != "event":
                    continue  # a ping
                with self._answered:
                    self._answers[headers["message_id"]] = json.loads(frame.payload)
                    self._answered.notify_all()
        finally:
            self._conns.remove(conn)

    def push(self, payload: dict[str, Any], timeout_s: float = 5.0) -> tuple[dict[str, Any], float]:
        """Send one event down the (first) connection; the client's answer and how long it
        took (seconds)."""
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        frame_id = f"frame_{next(_ids)}"
        frame = Frame()
        frame.SeqID, frame.LogID, frame.service, frame.method = 1, 1, 7, 1
        for key, value in (("type", "event"), ("message_id", frame_id), ("trace_id", "t"),
                           ("sum", "1"), ("seq", "0")):  # fmt: skip
            header = frame.headers.add()
            header.key, header.value = key, value
        frame.payload = json.dumps(payload, ensure_ascii=False).encode()
        began = time.monotonic()
        asyncio.run_coroutine_threadsafe(
            self._conns[0].send(frame.SerializeToString()), self._loop
        ).result(timeout_s)
        with self._answered:
            assert self._answered.wait_for(lambda: frame_id in self._answers, timeout_s)
            return self._answers.pop(frame_id), time.monotonic() - began


__all__ = [
    "APP_NAME",
    "BOT_OPEN_ID",
    "ENCRYPT_KEY",
    "PNG",
    "VERIFICATION_TOKEN",
    "FakeLongConnection",
    "FakeOpenPlatform",
    "card_action",
    "message_event",
    "signed",
    "url_verification",
]
