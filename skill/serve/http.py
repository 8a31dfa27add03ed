"""The bots' HTTP side: an ASGI app with ``GET /healthz``, served by uvicorn, and the process's
life from start to SIGTERM.

Starlette and uvicorn (the ``serve`` extra; the ``mcp`` extra brings the same two): an ASGI app
is tested in-process and over loopback alike, uvicorn answers within the platforms' deadlines
without threads, and neither lark-oapi nor redis brings a server of its own. A platform adds
its routes (``POST /feishu/events``, ``POST /discord/interactions``), each of which calls
:meth:`skill.serve.bot.Bot.receive` and answers at once.

:func:`serve_until_stopped` runs a bot and its server until SIGTERM or SIGINT, then stops
taking events (``/healthz`` says 503 at once, so a load balancer sends them elsewhere), hands
what runs to the journal (:meth:`Bot.stop`) and returns within the bot's ``stop_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from skill.serve.bot import Bot

log = logging.getLogger("skill.serve")

__all__ = ["HttpServer", "Intake", "make_app", "serve_until_stopped"]

#: How often (seconds) the start of the server is looked at.
_START_POLL_S = 0.01
#: uvicorn is given this long (seconds) to finish the requests it has before it is stopped.
SERVER_STOP_S = 3.0
#: The signals that stop a bot.
SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


def make_app(bot: Bot, routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The app of ``bot``: ``GET /healthz`` (200 once ready, 503 before and while stopping,
    with how much runs and waits), then the platform's ``routes``."""

    async def healthz(request: Request) -> JSONResponse:
        body = {
            "ready": bot.ready,
            "running": bot.queue.running,
            "waiting": bot.queue.waiting,
        }
        return JSONResponse(body, status_code=200 if bot.ready else 503)

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *routes])


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: :func:`serve_until_stopped` has the signals
    (uvicorn's would re-raise SIGTERM after its shutdown and end the process before the
    hand-off)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """An ASGI app on ``host:port`` (port 0: a free one, see :attr:`port`).

    ``own_thread``: serve from a thread of its own, with its own event loop, so that answering
    never waits for the bot's loop, however busy its generations keep it (Feishu wants its
    callback answered within a second, and a burst of events arrives exactly when the loop is
    busiest). Only for an app whose handlers touch the bot through thread-safe calls
    (:meth:`skill.serve.feishu.door.FeishuDoor.accept`); the handlers then run on that
    thread's loop, not the caller's.
    """

    def __init__(
        self,
        app: Starlette,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        own_thread: bool = False,
    ) -> None:
        # log_config=None: uvicorn must not replace the process's logging (and its redaction).
        config = uvicorn.Config(
            app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
        )
        self._server = _Server(config)
        self._own_thread = own_thread
        self._task: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Listen; returns once connections are accepted (raises if binding failed). Once
        started, starting again does nothing."""
        if self._task is not None:
            return
        task = self._run_in_thread() if self._own_thread else asyncio.ensure_future(self._serve())
        self._task = task
        while not self._server.started:
            if task.done():
                self._task = None
                task.result()  # the error that stopped it
                raise OSError("the HTTP server stopped before it started")
            await asyncio.sleep(_START_POLL_S)

    async def _serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn's answer to an address it cannot bind (it logs why)
            config = self._server.config
            raise OSError(f"{config.host}:{config.port} cannot be listened on") from None

    def _run_in_thread(self) -> asyncio.Future[None]:
        """uvicorn on a loop of its own in a daemon thread; a future of the caller's loop that
        ends with it (with its error, if it failed)."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if ended.done():
                return
            if error is None:
                ended.set_result(None)
            else:
                ended.set_exception(error)

        def main() -> None:
            error: BaseException | None = None
            try:
                asyncio.run(self._serve())
            except BaseException as exc:  # handed to the caller's loop
                error = exc
            with contextlib.suppress(RuntimeError):  # the caller's loop is already closed
                loop.call_soon_threadsafe(settle, error)

        threading.Thread(target=main, name="http-intake", daemon=True).start()
        return ended

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        host = self._server.config.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        """Stop listening, let requests in flight finish (up to :data:`SERVER_STOP_S`)."""
        if self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), SERVER_STOP_S)
        except asyncio.TimeoutError:
            self._server.force_exit = True
            await self._task
        self._task = None


class Intake(Protocol):
    """Where events come in other than the HTTP server (Feishu's long connection)."""

    async def start(self) -> None:
        """Begin taking events (raises when that cannot be done)."""
        ...

    async def stop(self) -> None:
        """Take no more events (returns promptly)."""
        ...


async def serve_until_stopped(
    bot: Bot, server: HttpServer | None = None, *, intake: Intake | None = None
) -> int:
    """Run ``bot`` (and its ``server``, and its ``intake``) until SIGTERM or SIGINT; then stop
    within ``bot.config.stop_s`` (see the module docstring), the intake first. The exit
    code: 0."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in SIGNALS:
        try:
            loop.add_signal_handler(sig, stopped.set)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(sig)
    try:
        await bot.start()
        if server is not None:
            await server.start()
        if intake is not None:
            await intake.start()
        log.info("serving%s", f" on {server.url}" if server is not None else "")
        await stopped.wait()
        log.info("stopping: no more events; handing what runs to the journal")
        if intake is not None:
            await intake.stop()
        stopping = [asyncio.ensure_future(bot.stop())]
        if server is not None:
            stopping.append(asyncio.ensure_future(server.stop()))
        await asyncio.wait(stopping, timeout=bot.config.stop_s + SERVER_STOP_S)
        return 0
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
