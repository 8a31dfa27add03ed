"""The bots' HTTP server on loopback: on the caller's loop or on a thread of its own."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from skill.serve.http import HttpServer


def _app() -> Starlette:
    async def where(request: Request) -> JSONResponse:
        return JSONResponse({"thread": threading.current_thread().name})

    return Starlette(routes=[Route("/where", where)])


@pytest.mark.parametrize("own_thread", [False, True])
async def test_it_serves_then_stops_and_a_second_start_or_stop_does_nothing(
    own_thread: bool,
) -> None:
    server = HttpServer(_app(), own_thread=own_thread)
    await server.start()
    await server.start()
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{server.url}/where")
    assert answer.status_code == 200
    served_on = answer.json()["thread"]
    assert (served_on != threading.current_thread().name) is own_thread
    port = server.port
    await server.stop()
    await server.stop()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{port}/where")


@pytest.mark.parametrize("own_thread", [False, True])
async def test_an_address_in_use_is_an_oserror_not_an_exit(own_thread: bool) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HttpServer(_app(), port=port, own_thread=own_thread)
        with pytest.raises(OSError, match=f"127.0.0.1:{port} cannot be listened on"):
            await server.start()
    # Not left half-started: once the address is free, it starts.
    await asyncio.sleep(0)
    await server.start()
    assert server.port == port
    await server.stop()
