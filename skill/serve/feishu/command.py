"""``ima-nano-banana serve feishu [--webhook [--host H] [--port N]] [--check]``.

The long connection (the official SDK's WebSocket client) is the default: no public address,
``GET /healthz`` served only when ``--port`` is given. ``--webhook`` serves Feishu's request
URL, ``POST /feishu/events``, and ``GET /healthz``, on ``--host``/``--port`` (default
127.0.0.1:8767; the URL is printed on stdout once it listens). ``IMA_STORE_URL=redis://...``
lets any number of replicas share one app. ``--check`` looks at the settings and asks Feishu
whether it accepts them, then exits (:mod:`.check`).

SIGTERM or SIGINT: no more events (``/healthz`` answers 503), what runs is left in the journal
for another replica, and the process exits within ``IMA_SERVE_STOP_S``.

Exit codes: 0 stopped by a signal, or ``--check`` found everything ready; 2 something is
missing or refused (each said on one line), or the address cannot be bound.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from skill import settings
from skill.exits import EXIT_OK, EXIT_USAGE
from skill.render import Renderer
from skill.serve.config import ConfigError, ServeConfig
from skill.serve.feishu.arguments import DEFAULT_PORT
from skill.serve.feishu.check import check, settings_problems
from skill.serve.feishu.config import FeishuConfig

if TYPE_CHECKING:
    from skill.serve.feishu.door import FeishuDoor
    from skill.serve.feishu.longconn import LongConnection

__all__ = ["main"]

EXTRA = "ima-nano-banana[feishu]"
log = logging.getLogger("skill.serve.feishu")


def _say(lines: list[str], *, stream: TextIO | None = None) -> None:
    for line in lines:
        print(line, file=stream or sys.stdout)


def main(args: argparse.Namespace) -> int:
    """Check, or serve until a signal; see the module docstring."""
    env: Mapping[str, str] = os.environ
    renderer = Renderer()
    lang = settings.operator_language(env)
    config = FeishuConfig.from_env(env)
    config.protect()
    if args.port is not None and not 0 <= args.port <= 65535:
        print("ima-nano-banana serve feishu: --port must be between 0 and 65535", file=sys.stderr)
        return EXIT_USAGE
    if args.check:
        found, ready = asyncio.run(check(env, webhook=args.webhook))
        _say([renderer.render(line, lang) for line in found])
        return EXIT_OK if ready else EXIT_USAGE
    problems = settings_problems(config, env, webhook=args.webhook)
    if problems:
        _say([renderer.render(line, lang) for line in problems], stream=sys.stderr)
        return EXIT_USAGE
    try:
        serve_config = ServeConfig.from_env(env)
    except ConfigError as exc:
        print(f"ima-nano-banana serve feishu: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        import starlette  # noqa: F401 -- only to say plainly that the extra is missing

        if not args.webhook:
            import lark_oapi  # noqa: F401
    except ModuleNotFoundError:
        print(
            f"ima-nano-banana serve feishu: install the Feishu extra: pip install '{EXTRA}'",
            file=sys.stderr,
        )
        return EXIT_USAGE

    from skill.logs import protect_process

    key = settings.api_key(env=env) or ""  # settings_problems said so if it were missing
    protect_process(key)
    access = settings.Access(key, settings.endpoints(env))
    try:
        return asyncio.run(_serve(args, config, access, serve_config))
    except OSError as exc:
        print(
            f"ima-nano-banana serve feishu: cannot listen on {args.host}:{args.port}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE


class _Intake:
    """What takes events besides the HTTP server: the door, and the long connection if any."""

    def __init__(self, door: FeishuDoor, connection: LongConnection | None) -> None:
        self._door = door
        self._connection = connection

    async def start(self) -> None:
        await self._door.start()
        if self._connection is not None:
            await self._connection.start()

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.stop()
        await self._door.close_intake()


async def _serve(
    args: argparse.Namespace,
    config: FeishuConfig,
    access: settings.Access,
    serve_config: ServeConfig,
) -> int:
    from skill.channels.feishu_api import FeishuApi
    from skill.serve.feishu.door import FeishuDoor
    from skill.serve.http import HttpServer, make_app, serve_until_stopped
    from skill.session import Session

    session = Session.open(access, env=os.environ)
    api = FeishuApi(app_id=config.app_id, app_secret=config.app_secret, base_url=config.base_url)
    door = FeishuDoor(session, api, config=serve_config)
    server: HttpServer | None = None
    connection: LongConnection | None = None
    try:
        if args.webhook:
            from skill.serve.feishu.webhook import PATH, webhook_server

            port = DEFAULT_PORT if args.port is None else args.port
            server = webhook_server(door, config, host=args.host, port=port)
            await server.start()
            print(f"Feishu bot: events at {server.url}{PATH}", flush=True)
        else:
            from skill.serve.feishu.longconn import LongConnection

            connection = LongConnection(door, config)
            if args.port is not None:
                # Its own thread: /healthz answers however busy the bot's loop is.
                app = make_app(door.bot)
                server = HttpServer(app, host=args.host, port=args.port, own_thread=True)
                await server.start()
                print(f"Feishu bot: health at {server.url}/healthz", flush=True)
            print("Feishu bot: long connection to Feishu", flush=True)
        return await serve_until_stopped(door.bot, server, intake=_Intake(door, connection))
    finally:
        await door.aclose()
        await session.aclose()
