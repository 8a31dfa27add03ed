"""The simulator on a real loopback socket: a ``ThreadingHTTPServer`` in a daemon thread.

    with SimServer(Simulator()) as server:
        server.url  # "http://127.0.0.1:54321"

:meth:`SimServer.stop` is idempotent: it stops serving, shuts down the connections still
open (keep-alive clients) and closes the listening socket. ``drop_connection`` really closes
the client's connection without writing a byte. ``stall`` holds the connection without writing
a byte until the client gives up (its own timeout), ``stop()`` is called, or
:data:`STALL_CAP_S` simulated seconds pass; then the connection is closed, still unanswered.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from skill.sim.control import serve
from skill.sim.core import Simulator
from skill.sim.wire import Headers, SimRequest

#: An idle keep-alive connection is closed after this many seconds.
IDLE_CONNECTION_TIMEOUT_S = 30.0
#: A request body larger than this is refused (the skill uploads at most 20 MiB).
MAX_BODY_BYTES = 64 * 1024 * 1024
#: Connections the kernel may queue before the server accepts them.
LISTEN_BACKLOG = 1024
#: How often the serving loop checks for stop(): the worst-case wait of each stop.
SHUTDOWN_POLL_S = 0.01
#: The longest a stalled request is held, in simulated seconds (real seconds = this / speed:
#: 60 s at speed 1, 0.3 s at the tests' speed 200), so a forgotten stall cannot hang a client
#: that has no timeout of its own.
STALL_CAP_S = 60.0
#: How often a stalled request checks whether its client gave up or the server is stopping.
STALL_POLL_S = 0.01
#: How long stop() waits for stalled requests to let go of their connections.
STALL_RELEASE_S = 1.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 loses connections when hundreds of conversations
    # connect at once (the load benchmark): the kernel caps this at net.core.somaxconn.
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], sim: Simulator, family: int) -> None:
        self.address_family = family
        self.sim = sim
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        #: Set by stop(): every stalled request lets go at once.
        self.stopping = threading.Event()
        #: How many requests are being held by ``stall`` (guarded by ``stall_done``).
        self.stalled = 0
        self.stall_done = threading.Condition()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    timeout = IDLE_CONNECTION_TIMEOUT_S
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and delayed
        # ACKs add ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests assert on recorded requests, not on a log."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(chunks)
                chunks += self.rfile.read(size)
                self.rfile.readline()
                if len(chunks) > MAX_BODY_BYTES:
                    raise ValueError("body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(413)
            return
        parts = urlsplit(self.path)
        request = SimRequest(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=Headers(self.headers.items()),
            body=body,
        )
        response = serve(self.server.sim, request)
        if response.stall:
            self._hold()
        if response.drop or response.stall:
            self.close_connection = True
            with contextlib.suppress(OSError):  # the client may already have gone
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _hold(self) -> None:
        """Answer nothing until the client closes its end, the server stops, or the cap."""
        with self.server.stall_done:
            self.server.stalled += 1
        try:
            deadline = time.monotonic() + STALL_CAP_S / self.server.sim.speed
            while not self.server.stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                try:
                    readable, _, _ = select.select(
                        [self.connection], [], [], min(left, STALL_POLL_S)
                    )
                    if readable and not self.connection.recv(1, socket.MSG_PEEK):
                        return  # the client gave up and closed its end
                except (OSError, ValueError):
                    return  # the connection is already gone
                if readable:
                    # Bytes after the request (a pipelined one): still answer nothing, but do
                    # not spin on a socket that stays readable.
                    self.server.stopping.wait(STALL_POLL_S)
        finally:
            with self.server.stall_done:
                self.server.stalled -= 1
                self.server.stall_done.notify_all()

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_HEAD = _serve


class SimServer:
    """A :class:`Simulator` served over HTTP on a loopback port (``port=0``: any free one)."""

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._server = _Server((host, port), sim, family)
        self.port: int = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        #: The base URL, e.g. ``http://127.0.0.1:54321`` (point both IMA endpoints at it).
        self.url = f"http://{shown}:{self.port}"
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._stop_lock = threading.Lock()

    def start(self) -> SimServer:
        """Start serving in a daemon thread (once)."""
        if self._stopped:
            raise RuntimeError("a stopped SimServer cannot be restarted")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": SHUTDOWN_POLL_S},
                name=f"SimServer:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every socket; safe to call more than once."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._server.stopping.set()
        with self._server.stall_done:  # stalled requests let go within one STALL_POLL_S
            self._server.stall_done.wait_for(
                lambda: self._server.stalled == 0, timeout=STALL_RELEASE_S
            )
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        with self._server.connections_lock:
            lingering = list(self._server.open_connections)
        for conn in lingering:
            with contextlib.suppress(OSError):  # its handler may have closed it already
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
