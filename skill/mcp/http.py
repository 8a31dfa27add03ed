"""The streamable HTTP transport: the SDK's app behind a bearer-token gate, on uvicorn.

On a loopback address the server may run without a token (only this machine reaches it, and
the SDK refuses requests whose Host or Origin header is not loopback, which stops a web page
from rebinding its way in). Anywhere else it must have one: the command refuses to start
without it. Given a token, every request must carry ``Authorization: Bearer <token>``; any
other gets 401 and reaches nothing. The token is compared in constant time and is never
printed or logged.
"""

from __future__ import annotations

import hmac
import json
import socket
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.types import ASGIApp, Receive, Scope, Send

from skill.mcp.door import Door
from skill.mcp.server import build_server

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


def app_for(server: MCPServer[Any], *, host: str, token: str | None) -> ASGIApp:
    """The streamable HTTP app of ``server``, gated when there is a token."""
    app: ASGIApp = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
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
) -> None:
    """Serve MCP over streamable HTTP on ``host:port`` until stopped (SIGINT or SIGTERM).

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
    async with door:
        announce(endpoint_url(host, bound_port))
        await uvicorn.Server(config).serve(sockets=[sock])
