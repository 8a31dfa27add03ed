"""Loopback fakes of the Feishu open platform and of a Discord webhook.

Built from the platforms' documented request and response shapes. They check what they
receive (auth, JSON shapes, the card's ``update_multi``, multipart parts), record it, answer
like the real services, and can be told to answer rate-limit errors or failures
(:meth:`FakeServer.script`) or to lose the connection (:meth:`FakeServer.drop`).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from skill.events import Reply

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Call:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float
    json: Any = None
    parts: dict[str, tuple[str | None, str | None, bytes]] = field(default_factory=dict)
    #: The status the fake answered; 0 when it dropped the request unhandled.
    status: int = 0
    #: The connection was lost instead of answering (see :class:`Drop`).
    dropped: bool = False


@dataclass
class Scripted:
    """A forced answer for the next matching request."""

    method: str
    path_contains: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Drop:
    """The next ``times`` matching requests lose their connection instead of an answer.

    ``processed=False``: closed before the fake handles the request (nothing happened);
    ``processed=True``: handled (a message made, a card edited), then the answer is lost.
    ``reset=True`` ends the connection with a TCP reset (the client reads ``ECONNRESET``)
    rather than an orderly close (the client sees the server disconnect without answering).
    """

    method: str
    path_contains: str
    times: int = 1
    processed: bool = False
    reset: bool = False


def parse_multipart(
    content_type: str, body: bytes
) -> dict[str, tuple[str | None, str | None, bytes]]:
    """name -> (filename, content type, bytes) of a multipart/form-data body."""
    raw = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert message.is_multipart(), "expected a multipart body"
    parts: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert isinstance(name, str), "every part needs a name"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        ctype = part.get_content_type() if part.get("content-type") else None
        parts[name] = (part.get_filename(), ctype, payload)
    return parts


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 that hands each request to ``handle``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.scripted: deque[Scripted] = deque()
        self.drops: list[Drop] = []
        self.media_bytes = PNG
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                call = self._read()
                drop = fake._drop_for(call)
                if drop is not None and not drop.processed:
                    fake.record(call)
                    self._lose(call, drop)
                    return
                status, payload, headers = fake.answer(call)
                if drop is not None:
                    self._lose(call, drop)
                    return
                self._write(status, payload, headers)

            def _read(self) -> Call:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                return Call(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.monotonic(),
                )

            def _lose(self, call: Call, drop: Drop) -> None:
                """End the connection without a word."""
                call.dropped = True
                self.close_connection = True
                if drop.reset:  # linger 0, closed at once: a reset, before any orderly FIN
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.connection.close()

            def _write(self, status: int, payload: Any, headers: dict[str, str]) -> None:
                if isinstance(payload, bytes):
                    data = payload
                else:
                    data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if payload is not None and not isinstance(payload, bytes):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def script(self, *answers: Scripted) -> None:
        with self.lock:
            self.scripted.extend(answers)

    def drop(
        self,
        method: str,
        path_contains: str,
        *,
        times: int = 1,
        processed: bool = False,
        reset: bool = False,
    ) -> None:
        """Lose the connection of the next ``times`` matching requests (see :class:`Drop`)."""
        with self.lock:
            self.drops.append(Drop(method, path_contains, times, processed, reset))

    def _drop_for(self, call: Call) -> Drop | None:
        with self.lock:
            for drop in self.drops:
                if drop.method == call.method and drop.path_contains in call.path:
                    drop.times -= 1
                    if drop.times <= 0:
                        self.drops.remove(drop)
                    return drop
        return None

    def answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        """Handle one request and record it; a malformed one is answered 400 and remembered."""
        try:
            status, payload, headers = self.dispatch(call)
        except AssertionError as exc:
            with self.lock:
                self.problems.append(f"{call.method} {call.path}: {exc}")
            status, payload, headers = 400, {"code": 9499, "msg": str(exc)}, {}
        call.status = status
        self.record(call)
        return status, payload, headers

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def _scripted_for(self, call: Call) -> Scripted | None:
        with self.lock:
            for answer in list(self.scripted):
                if answer.method == call.method and answer.path_contains in call.path:
                    self.scripted.remove(answer)
                    return answer
        return None

    def dispatch(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        forced = self._scripted_for(call)
        if forced is not None:
            return forced.status, forced.body, forced.headers
        if call.method == "GET" and call.path.startswith("/media/"):
            # The generated picture, as the IMA CDN would serve it.
            return 200, self.media_bytes, {"Content-Type": "image/png"}
        return self.handle(call)

    def handle(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def of(self, method: str, contains: str = "") -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and contains in c.path]


#: What the fakes answer a request with: status, body (JSON, bytes or None), headers.
Answer = tuple[int, Any, dict[str, str]]


class FakeFeishu(FakeServer):
    """The Feishu open platform: tenant token, messages, card PATCH, image upload.

    A message sent with a ``uuid`` already seen within :data:`UUID_WINDOW_S` is not sent again:
    the answer is the first one's, same ``message_id`` (Feishu: "within one hour, requests
    with the same uuid send at most one message").
    """

    APP_ID = "cli_fake_app"
    APP_SECRET = "fake-app-secret-0123456789"
    #: Feishu: one message may be edited at most 5 times a second.
    EDITS_PER_SECOND = 5
    UUID_WINDOW_S = 3600.0
    UUID_MAX_CHARS = 50

    def __init__(self, *, token_lifetime_s: int = 7200) -> None:
        super().__init__()
        self.token_lifetime_s = token_lifetime_s
        self.tokens: set[str] = set()
        self.messages: dict[str, dict[str, Any]] = {}
        self.images: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._sent_by_uuid: dict[str, tuple[float, Answer]] = {}
        # Held for a whole send, so that two requests with one uuid cannot both make a message.
        self._uuid_lock = threading.Lock()

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def handle(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if call.path == "/open-apis/auth/v3/tenant_access_token/internal":
            return self._token(call)
        token = call.headers.get("authorization", "")
        with self.lock:
            valid = token.removeprefix("Bearer ") in self.tokens
        if not token.startswith("Bearer ") or not valid:
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}, {}
        if call.method == "POST" and call.path == "/open-apis/im/v1/messages":
            return self.once_per_uuid(call, self._create)
        if call.method == "PATCH" and call.path.startswith("/open-apis/im/v1/messages/"):
            return self._patch(call, call.path.rsplit("/", 1)[1])
        if call.method == "POST" and call.path == "/open-apis/im/v1/images":
            return self._upload(call)
        return 404, {"code": 404, "msg": "not found"}, {}

    def once_per_uuid(self, call: Call, send: Callable[[Call], Answer]) -> Answer:
        """``send`` the message unless its ``uuid`` was seen lately: then the first answer."""
        key = json.loads(call.body).get("uuid")
        if key is None:
            return send(call)
        assert isinstance(key, str), "uuid is a string"
        assert 0 < len(key) <= self.UUID_MAX_CHARS, "uuid is 1 to 50 characters"
        with self._uuid_lock:
            seen = self._sent_by_uuid.get(key)
            if seen is not None and time.monotonic() - seen[0] < self.UUID_WINDOW_S:
                call.json = json.loads(call.body)
                return seen[1]
            answer = send(call)
            if answer[0] == 200:
                self._sent_by_uuid[key] = (time.monotonic(), answer)
            return answer

    def _token(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        assert call.method == "POST"
        assert call.headers.get("content-type", "").startswith("application/json")
        body = json.loads(call.body)
        call.json = body
        if body != {"app_id": self.APP_ID, "app_secret": self.APP_SECRET}:
            return 200, {"code": 10014, "msg": "app secret invalid"}, {}
        token = f"t-fake-{next(self._ids)}"
        with self.lock:
            self.tokens.add(token)
        return (
            200,
            {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": self.token_lifetime_s},
            {},
        )

    @staticmethod
    def _check_card(content: str) -> dict[str, Any]:
        card = json.loads(content)
        assert card["config"]["update_multi"] is True, "a card to be edited must be shared"
        assert isinstance(card["elements"], list)
        assert card["elements"], "a card needs content"
        for element in card["elements"]:
            assert element["tag"] == "div"
            assert element["text"]["tag"] in ("plain_text", "lark_md")
            assert isinstance(element["text"]["content"], str)
        assert len(content.encode()) < 30 * 1024, "cards are limited to 30 KB"
        return card

    def _create(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        assert call.query.get("receive_id_type") == ["chat_id"]
        body = json.loads(call.body)
        call.json = body
        assert set(body) - {"uuid"} == {"receive_id", "msg_type", "content"}
        assert isinstance(body["content"], str), "content is a JSON string"
        if body["msg_type"] == "interactive":
            self._check_card(body["content"])
        elif body["msg_type"] == "image":
            key = json.loads(body["content"])["image_key"]
            assert key in self.images, "unknown image_key"
        else:
            raise AssertionError(f"unexpected msg_type {body['msg_type']}")
        message_id = f"om_fake_{next(self._ids)}"
        with self.lock:
            self.messages[message_id] = {
                "msg_type": body["msg_type"],
                "chat_id": body["receive_id"],
                "content": body["content"],
                "edits": [],
            }
        data = {
            "message_id": message_id,
            "msg_type": body["msg_type"],
            "chat_id": body["receive_id"],
        }
        return 200, {"code": 0, "msg": "success", "data": data}, {}

    def _patch(self, call: Call, message_id: str) -> tuple[int, Any, dict[str, str]]:
        body = json.loads(call.body)
        call.json = body
        assert set(body) == {"content"}
        with self.lock:
            message = self.messages.get(message_id)
        if message is None:
            return 400, {"code": 230001, "msg": "message not found"}, {}
        assert message["msg_type"] == "interactive", "only cards can be updated"
        self._check_card(body["content"])
        now = time.monotonic()
        with self.lock:
            recent = [t for t in message["edits"] if now - t < 1.0]
            if len(recent) >= self.EDITS_PER_SECOND:
                return (
                    400,
                    {"code": 230020, "msg": "This operation triggers the frequency limit."},
                    {},
                )
            message["edits"].append(now)
            message["content"] = body["content"]
        return 200, {"code": 0, "msg": "success", "data": {}}, {}

    def _upload(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        ctype = call.headers.get("content-type", "")
        assert ctype.startswith("multipart/form-data"), "images are uploaded as multipart"
        parts = parse_multipart(ctype, call.body)
        call.parts = parts
        assert parts["image_type"][2] == b"message"
        filename, _, data = parts["image"]
        assert filename, "the image part needs a filename"
        assert data.startswith(b"\x89PNG"), "the image part must hold the picture's bytes"
        key = f"img_v2_fake_{next(self._ids)}"
        with self.lock:
            self.images[key] = data
        return 200, {"code": 0, "msg": "success", "data": {"image_key": key}}, {}

    # --- what tests look at ---------------------------------------------------------------

    def cards(self) -> list[str]:
        with self.lock:
            return [m for m, v in self.messages.items() if v["msg_type"] == "interactive"]

    def card_text(self, message_id: str) -> str:
        with self.lock:
            card = json.loads(self.messages[message_id]["content"])
        return "\n\n".join(e["text"]["content"] for e in card["elements"])

    def image_messages(self) -> list[str]:
        with self.lock:
            return [
                json.loads(v["content"])["image_key"]
                for v in self.messages.values()
                if v["msg_type"] == "image"
            ]


class FakeDiscord(FakeServer):
    """A Discord webhook: execute (POST ?wait=true), edit message (PATCH), attachments."""

    WEBHOOK_ID = "112233445566778899"
    TOKEN = "fake_webhook_token-0123456789abcdef"

    def __init__(self) -> None:
        super().__init__()
        self.messages: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/webhooks/{self.WEBHOOK_ID}/{self.TOKEN}"

    def handle(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        prefix = f"/api/webhooks/{self.WEBHOOK_ID}/"
        if not call.path.startswith(prefix):
            return 404, {"message": "Unknown Webhook", "code": 10015}, {}
        rest = call.path[len(prefix) :]
        token, _, tail = rest.partition("/")
        if token != self.TOKEN:
            return 401, {"message": "Invalid Webhook Token", "code": 50027}, {}
        if call.method == "POST" and not tail:
            return self._execute(call)
        if call.method == "PATCH" and tail.startswith("messages/"):
            return self._edit(call, tail.removeprefix("messages/"))
        return 405, {"message": "405: Method Not Allowed", "code": 0}, {}

    def _payload(
        self, call: Call
    ) -> tuple[dict[str, Any], dict[str, tuple[str | None, str | None, bytes]]]:
        ctype = call.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            parts = parse_multipart(ctype, call.body)
            call.parts = parts
            payload = json.loads(parts["payload_json"][2])
            files = {k: v for k, v in parts.items() if k.startswith("files[")}
            declared = payload.get("attachments", [])
            assert len(declared) == len(files), "every file needs an attachments entry"
            for item in declared:
                name = f"files[{item['id']}]"
                assert name in files, f"attachment {item['id']} has no {name} part"
                assert item["filename"] == files[name][0]
            return payload, files
        assert ctype.startswith("application/json")
        return json.loads(call.body), {}

    @staticmethod
    def _check_content(payload: dict[str, Any]) -> None:
        assert isinstance(payload.get("content"), str)
        assert 0 < len(payload["content"]) <= 2000, "content is 1..2000 characters"
        assert payload.get("allowed_mentions") == {"parse": []}, "chat text must not ping anyone"

    def _execute(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        payload, _files = self._payload(call)
        call.json = payload
        self._check_content(payload)
        message_id = str(1_000_000_000_000_000_000 + next(self._ids))
        with self.lock:
            self.messages[message_id] = {
                "content": payload["content"],
                "attachments": [],
                "edits": 0,
            }
        if call.query.get("wait") != ["true"]:
            return 204, None, {}
        return 200, self._message(message_id), {}

    def _edit(self, call: Call, message_id: str) -> tuple[int, Any, dict[str, str]]:
        payload, files = self._payload(call)
        call.json = payload
        self._check_content(payload)
        with self.lock:
            message = self.messages.get(message_id)
            if message is None:
                return 404, {"message": "Unknown Message", "code": 10008}, {}
            message["content"] = payload["content"]
            message["edits"] += 1
            if files:
                message["attachments"] = [(name, data) for name, _, data in files.values()]
        return 200, self._message(message_id), {}

    def _message(self, message_id: str) -> dict[str, Any]:
        with self.lock:
            message = self.messages[message_id]
            return {
                "id": message_id,
                "type": 0,
                "channel_id": "998877665544332211",
                "webhook_id": self.WEBHOOK_ID,
                "content": message["content"],
                "attachments": [
                    {"id": str(i), "filename": name, "size": len(data)}
                    for i, (name, data) in enumerate(message["attachments"])
                ],
            }


def rate_limited_discord(
    path_contains: str, method: str, *, retry_after: float | str, in_body: bool = True
) -> Scripted:
    """Discord's 429: the wait in the body (``retry_after``, a JSON number of seconds) or in the
    ``Retry-After`` header. A string goes into the header as given: Discord sends seconds, but
    the header's grammar (RFC 9110) also allows an HTTP-date, and a proxy in front may send
    one."""
    body: dict[str, Any] = {"message": "You are being rate limited.", "global": False}
    headers = {"X-RateLimit-Scope": "user"}
    if in_body:
        body["retry_after"] = retry_after
    else:
        headers["Retry-After"] = str(retry_after)
    return Scripted(method, path_contains, 429, body, headers)


def rate_limited_feishu(path_contains: str, method: str, *, reset_s: float | str) -> Scripted:
    """Feishu's 429: code 99991400 and the ``x-ogw-ratelimit-reset`` header (seconds; a string
    goes into the header as given, to see how the channel reads other forms)."""
    return Scripted(
        method,
        path_contains,
        429,
        {"code": 99991400, "msg": "request trigger frequency limit"},
        {"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": str(reset_s)},
    )


def http_date(ahead_s: float, zone: str) -> str:
    """Now plus ``ahead_s`` as an HTTP-date in ``zone`` ("GMT", "-0000" or "+0800"), to the
    second (so the wait it asks for is a little less than ``ahead_s``)."""
    when = datetime.now(timezone.utc) + timedelta(seconds=ahead_s)
    if zone == "GMT":
        return format_datetime(when, usegmt=True)
    if zone == "-0000":
        return format_datetime(when.replace(tzinfo=None))
    return format_datetime(when.astimezone(timezone(timedelta(hours=8))))


# --- reply sequences, as the conversation produces them -------------------------------------

ACK = Reply(event="ack", text="好的!来帮你画一只萌萌的猫咪 🐱", lang="zh")
START = Reply(
    event="start",
    text="🎨 开始生成图片,请稍候…\n• 模型:Nano Banana 2\n• 预计耗时:20~40 秒\n• 消耗积分:6 积分",
    model="Nano Banana 2",
    credits=6,
    eta_s=(20, 40),
)


def progress(percent: int, elapsed: int) -> Reply:
    return Reply(
        event="progress",
        text=f"⏳ 正在生成中… {percent}%\n已等待 {elapsed}s,预计最长 40s",
        percent=percent,
        elapsed_s=elapsed,
    )


def success(media: str, path: str | None = None) -> Reply:
    return Reply(
        event="success",
        text=f"✅ 图片生成成功!\n• 模型:Nano Banana 2\n• 耗时:预计 20~40s,实际 32s\n"
        f"• 消耗积分:6 积分\n🔗 原始链接:{media}",
        media=media,
        path=path,
        elapsed_s=32,
        credits=6,
    )


FAILURE = Reply(
    event="failure",
    text="❌ 图片生成失败\n• 原因:这次生成没成功,要不换个模型试试?\n• 建议改用:\n"
    "- Nano Banana Pro(高质量,10~18 积分)\n- Nano Banana 2 1K(6 积分)\n需要我帮你用其他模型重试吗?",
    reason="task_failed",
)
DONE = Reply(event="done")
