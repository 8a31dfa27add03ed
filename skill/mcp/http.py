"""The streamable HTTP transport: the SDK's app behind a bearer-token gate, on uvicorn.

On a loopback address the server may run without a token (only this machine reaches it, and
the SDK refuses requests whose Host or Origin header is not loopback, which stops a web page
from rebinding its way in). Anywhere else it must have one: the command refuses to start
without it. Given a token, every request must carry ``Authorization: Bearer <token>``; any
other gets 401 and reaches nothing. The token is compared in constant time and is never
printed or logged.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from skill.mcp.door import Door
from skill.mcp.server import build_server
from skill.net import is_loopback_host

__all__ = ["MCP_PATH", "BearerGate", "endpoint_url", "serve_http"]

#: Where the MCP endpoint is served (the SDK's default path).
MCP_PATH = "/mcp"
#: How long a stop waits for calls in flight before closing them (seconds); a task they were
#: waiting for stays in the journal.
GRACEFUL_STOP_S = 5
_UNAUTHORIZED_BODY = json.dumps({"error": "unauthorized"}).encode()


class BearerGate:
    """ASGI middleware: an HTTP request passes only with the right bearer token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    def _allowed(self, scope: Scope) -> bool:
        given = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                given = bytes(value)
                break
        return hmac.compare_digest(given, self._expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b'Bearer realm="ima-nano-banana"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _UNAUTHORIZED_BODY})
            return
        await self.app(scope, receive, send)


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, except that a stop by SIGINT or SIGTERM ends :meth:`serve` and is not
    raised again after it (uvicorn's way), so the command ends with its own exit code."""

    stopped_by_signal = False

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach only the main thread: its own handlers stay
            return
        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopped_by_signal = True
        super().handle_exit(sig, frame)


def endpoint_url(host: str, port: int) -> str:
    """The endpoint's URL as a client writes it."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{MCP_PATH}"


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free one)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _loopback_only(host: str) -> TransportSecuritySettings | None:
    """On a loopback address, only loopback Host and Origin headers (the SDK does this for
    127.0.0.1, localhost and ::1 by itself; here for every loopback address alike)."""
    if not is_loopback_host(host):
        return None
    shown = f"[{host}]" if ":" in host else host
    hosts = [f"{shown}:*", "127.0.0.1:*", "localhost:*", "[::1]:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts],
    )


def app_for(server: MCPServer[Any], *, host: str, token: str | None) -> ASGIApp:
    """The streamable HTTP app of ``server``, gated when there is a token."""
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH, host=host, transport_security=_loopback_only(host)
    )
    return BearerGate(app, token) if token else app


def _announce(url: str) -> None:
    print(f"ima-nano-banana mcp: serving {url}", file=sys.stderr, flush=True)


async def serve_http(
    door: Door,
    *,
    host: str,
    port: int,
    token: str | None,
    announce: Callable[[str], None] = _announce,
) -> bool:
    """Serve MCP over streamable HTTP on ``host:port`` until stopped (SIGINT or SIGTERM);
    whether a signal stopped it.

    ``announce`` is told the endpoint's URL once the port is bound (the port chosen when
    ``port`` is 0). Raises :class:`OSError` when the address cannot be bound.
    """
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app_for(build_server(door), host=host, token=token),
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_STOP_S,
        server_header=False,
    )
    server = _Uvicorn(config)
    async with door:
        announce(endpoint_url(host, bound_port))
        await server.serve(sockets=[sock])
    return server.stopped_by_signal
