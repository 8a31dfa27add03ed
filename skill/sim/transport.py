"""The simulator as an httpx transport: fast, in-process, for unit tests.

``httpx.AsyncClient(transport=SimTransport(sim), base_url="http://sim.test")`` talks to the
simulator without a socket. ``drop_connection`` (and ``accepted_then_drop``) raises
:class:`httpx.RemoteProtocolError`, the error a real server closing the connection without an
answer gives; ``stall`` raises :class:`httpx.ReadTimeout` at once, which is what the client
would see once its own timeout had passed (no real time is spent waiting for it).
"""

from __future__ import annotations

import httpx

from skill.sim.control import serve
from skill.sim.core import Simulator
from skill.sim.wire import Headers, SimRequest, SimResponse


def _to_sim(request: httpx.Request, body: bytes) -> SimRequest:
    return SimRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.url.params),
        headers=Headers(request.headers.items()),
        body=body,
    )


def _to_httpx(request: httpx.Request, response: SimResponse) -> httpx.Response:
    if response.stall:
        raise httpx.ReadTimeout("The server did not answer in time.", request=request)
    if response.drop:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return httpx.Response(
        response.status, headers=response.headers, content=response.body, request=request
    )


class SimTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Both an ``httpx.BaseTransport`` and an ``httpx.AsyncBaseTransport`` over a Simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        return _to_httpx(request, serve(self.sim, _to_sim(request, body)))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        return _to_httpx(request, serve(self.sim, _to_sim(request, body)))
