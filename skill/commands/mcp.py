"""``ima-nano-banana mcp [--http [--host H] [--port N]]``: the MCP server (docs/contracts.md).

stdio by default, for hosts that start the server themselves (Claude Desktop, Cursor,
OpenClaw); ``--http`` serves streamable HTTP at ``http://HOST:PORT/mcp``. The key comes from
``IMA_API_KEY`` in the server's environment and nowhere else (no tool argument carries it);
without it the server still starts and its tools say that no key is set up. On an address
other than loopback the server needs a bearer token in ``IMA_MCP_TOKEN`` and refuses to start
without one. Logs go to stderr (and the daily log file), never to stdout, which on stdio is
the protocol's.

Exit codes: 0 the client closed the connection (stdio); 130 stopped by SIGINT or SIGTERM
(HTTP: its normal end, as for ``sim``); 2 bad usage, a refused endpoint, no token where one is
needed, the address cannot be bound, or the ``mcp`` extra missing.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from skill import settings
from skill.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

__all__ = ["MIN_TOKEN_CHARS", "TOKEN_ENV", "main"]

#: The environment variable holding the HTTP transport's bearer token.
TOKEN_ENV = "IMA_MCP_TOKEN"  # noqa: S105 -- a variable's name, not a token
#: A shorter token is refused where one is required (templates/usage.j2 says this number).
MIN_TOKEN_CHARS = 16
#: The pip requirement that brings the SDK.
EXTRA = "ima-nano-banana[mcp]"

log = logging.getLogger("skill.mcp")


def _fail(line: str) -> int:
    print(line, file=sys.stderr)
    return EXIT_USAGE


def _log_to_stderr() -> None:
    """Every log line to stderr, redacted (the daily file comes with :func:`protect_process`).

    Installed before the SDK's server is built: it configures logging only when nothing has.
    """
    from skill.logs import LOG_DATE_FORMAT, LOG_FORMAT, RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt=LOG_DATE_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


def main(args: argparse.Namespace) -> int:
    """Serve until the client or a signal stops the server; see the module docstring."""
    from skill.commands._access import usage_line

    try:
        ends = settings.endpoints()
    except settings.EndpointRefused as exc:
        return _fail(usage_line("endpoint_refused", name=exc.variable))
    token = os.environ.get(TOKEN_ENV, "").strip() or None
    if args.http:
        if not 0 <= args.port <= 65535:
            return _fail("ima-nano-banana mcp: --port must be between 0 and 65535")
        weak = token is None or len(token) < MIN_TOKEN_CHARS
        if not settings.is_loopback_host(args.host) and weak:
            return _fail(usage_line("mcp_token_required", name=TOKEN_ENV))
    try:
        import mcp.server.mcpserver  # noqa: F401  -- only to say plainly that the extra is missing
    except ModuleNotFoundError:
        return _fail(
            "ima-nano-banana mcp: the MCP SDK is not installed; install the extra: "
            f"pip install '{EXTRA}'"
        )

    from skill.logs import protect_process, register_secret

    key = settings.api_key()
    if token is not None:
        register_secret(token)
    if key is not None:
        protect_process(key)
    _log_to_stderr()

    import anyio

    from skill.mcp import Door, serve_http, serve_stdio
    from skill.settings import Access

    if key is None:
        log.warning("%s is not set: the tools will say that no key is set up", "IMA_API_KEY")
    door = Door(Access(key, ends) if key is not None else None)
    if not args.http:
        anyio.run(serve_stdio, door)
        return EXIT_OK
    try:
        stopped = anyio.run(lambda: serve_http(door, host=args.host, port=args.port, token=token))
    except OSError as exc:
        return _fail(
            f"ima-nano-banana mcp: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        )
    return EXIT_INTERRUPTED if stopped else EXIT_OK
