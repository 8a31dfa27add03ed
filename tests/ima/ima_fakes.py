"""A scripted IMA Open API on ``httpx.MockTransport``, for the client's unit tests.

Answers are built from PROTOCOL.md and the real product lists in skill/sim/data/. A test
queues special answers per endpoint (``api.queue("detail", ...)``); without one, each
endpoint gives the normal answer. Every request is recorded for assertions.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from skill.resources import sim_data_dir
from skill.settings import Endpoints

KEY = "ima_unit_test_key_0123456789"
ENDS = Endpoints(base_url="https://api.imastudio.com", im_base_url="https://imapi.liveme.com")
UPLOAD_PUT_URL = "https://oss.example.test/bucket/obj-1.png?sig=abc"
CDN_URL = "https://cdn.example.test/obj-1.png"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def product_list(category: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (sim_data_dir() / f"product_list.{category}.json").read_text(encoding="utf-8")
    )
    return data


def ok(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"code": 0, "message": "success", "data": data})


def fail(code: int, message: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "data": None}, headers=headers
    )


def media(rs: Any = 1, status: str = "success", **more: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "resource_status": rs,
        "status": status,
        "url": "https://cdn.example.test/out.png" if rs == 1 else None,
        "cover_url": "https://cdn.example.test/out_cover.png" if rs == 1 else None,
        "width": 1024,
        "height": 1024,
        "format": "png",
    }
    base.update(more)
    return base


@dataclass
class FakeApi:
    """Routes requests to endpoints, answering from queues or with the normal answer."""

    lists: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {c: product_list(c) for c in ("text_to_image", "image_to_image")}
    )
    queues: dict[str, deque[Answer]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[tuple[str, httpx.Request]] = field(default_factory=list)
    task_id: str = "task-123"

    def queue(self, endpoint: str, *answers: Answer) -> None:
        self.queues[endpoint].extend(answers)

    def sent(self, endpoint: str) -> list[httpx.Request]:
        return [r for e, r in self.requests if e == endpoint]

    def bodies(self, endpoint: str) -> list[Any]:
        return [json.loads(r.content) for r in self.sent(endpoint)]

    def _endpoint(self, request: httpx.Request) -> str:
        path = request.url.path
        if path == "/open/v1/product/list":
            return "product_list"
        if path == "/open/v1/tasks/create":
            return "create"
        if path == "/open/v1/tasks/detail":
            return "detail"
        if path == "/api/rest/oss/getuploadtoken":
            return "upload_token"
        if request.method == "PUT":
            return "upload_put"
        return "unknown"

    def _normal(self, endpoint: str, request: httpx.Request) -> httpx.Response:
        if endpoint == "product_list":
            return httpx.Response(200, json=self.lists[request.url.params["category"]])
        if endpoint == "create":
            return ok({"id": self.task_id, "biz_id": "biz-1", "medias": [], "created_at": 1})
        if endpoint == "detail":
            return ok({"id": self.task_id, "medias": [media()]})
        if endpoint == "upload_token":
            return ok({"ful": UPLOAD_PUT_URL, "fdl": CDN_URL, "fdl_key": "obj-1.png"})
        if endpoint == "upload_put":
            return httpx.Response(200)
        return httpx.Response(404, text="no such endpoint")

    def handler(self, request: httpx.Request) -> httpx.Response:
        endpoint = self._endpoint(request)
        request.read()
        self.requests.append((endpoint, request))
        queue = self.queues.get(endpoint)
        if queue:
            answer = queue.popleft()
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, httpx.Response):
                return answer
            return answer(request)
        return self._normal(endpoint, request)
