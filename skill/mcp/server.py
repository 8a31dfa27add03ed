"""The MCP server itself: its name and instructions, its tools, and the stdio transport.

Built on the official SDK (:class:`mcp.server.mcpserver.MCPServer`). On stdio the protocol
owns stdout: the SDK points file descriptor 1 at stderr while it serves, so nothing printed
by mistake can corrupt the wire, and every log line goes to stderr (MCP's log notifications
are deprecated in the current spec and are not used).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from skill._version import __version__
from skill.mcp.door import Door
from skill.mcp.tools import register_tools

__all__ = ["INSTRUCTIONS", "SERVER_NAME", "build_server", "serve_stdio"]

SERVER_NAME = "ima-nano-banana"
SERVER_TITLE = "Nano Banana images (IMA)"
INSTRUCTIONS = """\
Makes and edits pictures with Nano Banana (Google's image models) through the IMA Open API.
Pass the person's message as it is (any language) to generate_image with the chat's chat_id
and the person's user_id; show them the progress notifications' messages as they come, then
the picture and its caption. After a failure, the text offers alternatives: pass the person's
answer ("好的", "the second one") as the next request with the same chat_id. generate_image
spends credits; understand_request tells what a message would make and cost for free;
get_last_image fetches the chat's last picture (also one still being made)."""


def build_server(door: Door) -> MCPServer[Any]:
    """The MCP server with its four tools, all answering through ``door``."""
    server: MCPServer[Any] = MCPServer(
        SERVER_NAME,
        title=SERVER_TITLE,
        instructions=INSTRUCTIONS,
        version=__version__,
        # The prompts and resources lists stay empty; the tools are the whole server.
        warn_on_duplicate_tools=True,
    )
    register_tools(server, door)
    return server


async def serve_stdio(door: Door) -> None:
    """Serve on stdin and stdout until the client closes them."""
    async with door:
        await build_server(door).run_stdio_async()
