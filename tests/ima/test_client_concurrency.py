"""One client shared by many conversations at once (a busy group's bot): requests are capped,
and conversations that need the product list at the same moment share one fetch."""

from __future__ import annotations

import asyncio

import httpx
from ima_fakes import ENDS, KEY, FakeApi

from skill import catalog
from skill.clock import FakeClock
from skill.ima import ImaClient


class SlowTransport(httpx.AsyncBaseTransport):
    """Answers from a FakeApi after a short real pause, counting requests in flight."""

    def __init__(self, api: FakeApi, pause_s: float = 0.005) -> None:
        self.api = api
        self.pause_s = pause_s
        self.in_flight = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.pause_s)
            return self.api.handler(request)
        finally:
            self.in_flight -= 1


async def test_requests_in_flight_are_capped() -> None:
    transport = SlowTransport(FakeApi())
    async with ImaClient(KEY, endpoints=ENDS, transport=transport, clock=FakeClock()) as client:
        snaps = await asyncio.gather(*(client.detail(f"task-{n}") for n in range(200)))
    assert all(s.state == "done" for s in snaps)
    assert len(transport.api.sent("detail")) == 200
    # All 200 ran concurrently up to the cap, never beyond it.
    assert transport.most == catalog.HTTP_MAX_IN_FLIGHT


async def test_a_burst_of_conversations_fetches_the_product_list_once() -> None:
    transport = SlowTransport(FakeApi())
    clock = FakeClock()
    async with ImaClient(KEY, endpoints=ENDS, transport=transport, clock=clock) as client:
        trees = await asyncio.gather(*(client.product_list("text_to_image") for _ in range(50)))
        assert len(transport.api.sent("product_list")) == 1
        assert all(tree is trees[0] for tree in trees)
        # Each category has its own fetch; an expired list is fetched again, once.
        await asyncio.gather(*(client.product_list("image_to_image") for _ in range(5)))
        clock.advance(catalog.PRODUCT_LIST_TTL_S + 1)
        await asyncio.gather(*(client.product_list("text_to_image") for _ in range(5)))
    assert len(transport.api.sent("product_list")) == 3


async def test_a_failed_shared_fetch_lets_the_next_caller_try_again() -> None:
    api = FakeApi()
    api.queue("product_list", *[httpx.Response(401, json={"code": 401, "message": "no"})])
    async with ImaClient(
        KEY, endpoints=ENDS, transport=SlowTransport(api), clock=FakeClock()
    ) as client:
        first = await asyncio.gather(client.product_list("text_to_image"), return_exceptions=True)
        assert isinstance(first[0], Exception)
        assert await client.product_list("text_to_image")
    assert len(api.sent("product_list")) == 2
