"""The MCP server: ``ima-nano-banana mcp`` (docs/contracts.md), on the official ``mcp`` SDK.

A front door like the command line and :func:`skill.generate`: a tool call's arguments become
one chat message (:class:`skill.flow.ack.Request`), answered by the core through a shared
:class:`skill.session.Session`, and the conversation's events become MCP progress
notifications and a tool result (an image block, the caption, structured content).

Modules: :mod:`~skill.mcp.server` (the server and stdio), :mod:`~skill.mcp.http` (streamable
HTTP behind a bearer token), :mod:`~skill.mcp.tools` (the four tools and their schemas),
:mod:`~skill.mcp.door` (the server's state), :mod:`~skill.mcp.relay` (events to progress),
:mod:`~skill.mcp.results` and :mod:`~skill.mcp.picture` (tool results),
:mod:`~skill.mcp.understand` (the offline reading), :mod:`~skill.mcp.arguments` and
:mod:`~skill.mcp.outputs` (what goes in and out).

It needs the ``mcp`` extra (``pip install 'ima-nano-banana[mcp]'``) and is imported only by
the ``mcp`` command, so no other command pays for it.
"""

from __future__ import annotations

from skill.mcp.door import Door, NoKey
from skill.mcp.http import BearerGate, endpoint_url, serve_http
from skill.mcp.server import INSTRUCTIONS, SERVER_NAME, build_server, serve_stdio
from skill.mcp.tools import TOOL_NAMES

__all__ = [
    "INSTRUCTIONS",
    "SERVER_NAME",
    "TOOL_NAMES",
    "BearerGate",
    "Door",
    "NoKey",
    "build_server",
    "endpoint_url",
    "serve_http",
    "serve_stdio",
]
