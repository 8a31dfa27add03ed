"""The MCP server driven as its clients drive it: the SDK's own ClientSession, over stdio (the
server started by the client) or over streamable HTTP (the server started on a free port),
with every byte the server sends to the client kept, to prove what never appears in them.

``async with connect(transport, env, tmp) as link:`` gives a :class:`Link`: ``link.session``
(initialized), ``link.raw()`` (the bytes received so far) and ``link.stderr()`` (what the
server logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, ImageContent, TextContent

TEE = Path(__file__).with_name("tee_stdout.py")
SERVER = [sys.executable, "-m", "skill", "mcp"]
#: How long a server may take to say where it listens.
START_TIMEOUT_S = 30.0
TRANSPORTS = ("stdio", "http")


@dataclass
class Progress:
    """The progress notifications of one call, as the client received them."""

    seen: list[tuple[float, float | None, str | None]] = field(default_factory=list)

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))

    @property
    def values(self) -> list[float]:
        return [p for p, _, _ in self.seen]

    @property
    def messages(self) -> list[str]:
        return [m or "" for _, _, m in self.seen]


@dataclass
class Link:
    session: ClientSession
    raw_path: Path
    stderr_path: Path
    extra_raw: bytearray = field(default_factory=bytearray)

    def raw(self) -> bytes:
        data = self.raw_path.read_bytes() if self.raw_path.exists() else b""
        return data + bytes(self.extra_raw)

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace") if self.stderr_path.exists() else ""

    async def call(
        self, name: str, arguments: dict[str, Any], progress: Progress | None = None
    ) -> CallToolResult:
        return await self.session.call_tool(name, arguments, progress_callback=progress)


def texts(result: CallToolResult) -> list[str]:
    return [block.text for block in result.content if isinstance(block, TextContent)]


def images(result: CallToolResult) -> list[ImageContent]:
    return [block for block in result.content if isinstance(block, ImageContent)]


class RecordingProxy:
    """A loopback TCP proxy in front of the HTTP server, keeping every byte it sends back."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.received = bytearray()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> RecordingProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, keep: bool) -> None:
            try:
                while chunk := await src.read(65536):
                    if keep:
                        self.received.extend(chunk)
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))


def _wait_for_url(stderr_path: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    marker = "ima-nano-banana mcp: serving "
    while time.monotonic() < deadline:
        text = stderr_path.read_text("utf-8", "replace") if stderr_path.exists() else ""
        for line in text.splitlines():
            if line.startswith(marker):
                return line[len(marker) :].strip()
        if proc.poll() is not None:
            raise AssertionError(f"the server exited ({proc.returncode}): {text[-2000:]}")
        time.sleep(0.05)
    raise AssertionError("the server did not say where it listens")


@contextlib.asynccontextmanager
async def http_server(
    env: Mapping[str, str], tmp: Path, *args: str
) -> AsyncIterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``mcp --http --port 0 ARGS`` running; (its URL, the process, its stderr file)."""
    stderr_path = tmp / f"mcp-http-{time.monotonic_ns()}.err"
    with stderr_path.open("wb") as err:
        # Popen only starts the server (it does not wait): it outlives this call, as a host's.
        proc = subprocess.Popen(  # noqa: ASYNC220
            [*SERVER, "--http", "--port", "0", *args],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    try:
        url = await asyncio.to_thread(_wait_for_url, stderr_path, proc)
        yield url, proc, stderr_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.asynccontextmanager
async def connect(
    transport: str,
    env: Mapping[str, str],
    tmp: Path,
    *,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[Link]:
    """A connected, initialized ClientSession to a fresh server with ``env``."""
    stamp = time.monotonic_ns()
    raw_path = tmp / f"mcp-{transport}-{stamp}.raw"
    if transport == "stdio":
        stderr_path = tmp / f"mcp-stdio-{stamp}.err"
        params = StdioServerParameters(
            command=sys.executable, args=[str(TEE), str(raw_path), *SERVER], env=dict(env)
        )
        with stderr_path.open("w", encoding="utf-8") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                yield Link(session, raw_path, stderr_path)
        return
    async with http_server(env, tmp) as (url, _, stderr_path):
        upstream = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        async with RecordingProxy(upstream) as proxy:
            link = Link(None, raw_path, stderr_path)  # type: ignore[arg-type]
            link.extra_raw = proxy.received
            client = httpx2.AsyncClient(headers=dict(headers or {}), timeout=60)
            async with (
                client,
                streamable_http_client(
                    f"http://127.0.0.1:{proxy.port}/mcp", http_client=client
                ) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                link.session = session
                yield link


def mcp_env(env: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The simulator's environment for a server subprocess, with ``extra`` on top."""
    out = dict(env)
    out.update(extra)
    out.setdefault("PYTHONUNBUFFERED", "1")
    out.pop("PYTHONWARNINGS", None)
    return out


__all__ = [
    "TRANSPORTS",
    "Link",
    "Progress",
    "RecordingProxy",
    "connect",
    "http_server",
    "images",
    "mcp_env",
    "texts",
]
