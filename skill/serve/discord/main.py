"""``ima-nano-banana serve discord [--host H] [--port N] [--register]`` (docs/discord.md).

Without ``--register``: the interactions endpoint at ``http://HOST:PORT/discord/interactions``
(and ``GET /healthz``) until SIGTERM or SIGINT; the URL is printed on stderr as
``ima-nano-banana serve discord: serving URL``. With ``--register``: the ``/imagine`` command
created or updated through Discord's REST API, then exit.

Exit codes: 0 registered, or stopped by a signal after the hand-off; 2 a setting missing or
refused, no key, the address cannot be bound, Discord refused the registration, or the
``discord`` extra is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from skill.exits import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:  # the packages load once the command runs, not with the command line
    from skill.serve.config import ServeConfig
    from skill.serve.discord.config import DiscordConfig
    from skill.settings import Access

__all__ = ["EXTRA", "main"]

#: The pip requirement that brings what this door needs.
EXTRA = "ima-nano-banana[discord]"

log = logging.getLogger("skill.serve.discord")


def _fail(line: str) -> int:
    print(f"ima-nano-banana serve discord: {line}", file=sys.stderr)
    return EXIT_USAGE


def _missing_extra() -> str | None:
    """The first package of the ``discord`` extra that is not installed, if any."""
    import importlib.util

    for name in ("cryptography", "starlette", "uvicorn"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def main(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    """Register the command, or serve until a signal; see the module docstring."""
    env = os.environ if env is None else env
    missing = _missing_extra()
    if missing is not None:
        return _fail(f"{missing} is not installed; install the extra: pip install '{EXTRA}'")
    from skill.serve.discord.config import DiscordConfig, DiscordConfigError

    try:
        config = DiscordConfig.from_env(env)
    except DiscordConfigError as exc:
        return _fail(str(exc))
    if args.register:
        return asyncio.run(_register(config))
    if not 0 <= args.port <= 65535:
        return _fail("--port must be between 0 and 65535")

    from skill import settings
    from skill.logs import protect_process
    from skill.reasons import Reason
    from skill.render import Hint, Renderer, Usage
    from skill.serve.config import ConfigError, ServeConfig

    lang = settings.operator_language(env)
    key = settings.api_key(env=env)
    if key is None:
        print(Renderer().render(Hint(Reason.UNAUTHORIZED, no_key=True), lang), file=sys.stderr)
        return EXIT_USAGE
    try:
        ends = settings.endpoints(env)
    except settings.EndpointRefused as exc:
        refused = Usage("endpoint_refused", name=exc.variable)
        print(Renderer().render(refused, lang), file=sys.stderr)
        return EXIT_USAGE
    try:
        serve_config = ServeConfig.from_env(env)
    except ConfigError as exc:
        return _fail(str(exc))
    protect_process(key)
    try:
        return asyncio.run(
            _serve(config, settings.Access(key, ends), serve_config, args.host, args.port, env)
        )
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")


async def _register(config: DiscordConfig) -> int:
    import httpx

    from skill import catalog
    from skill.channels._http import ChannelError
    from skill.serve.discord.command import COMMAND_NAME, imagine_command
    from skill.serve.discord.rest import DiscordRest

    async with httpx.AsyncClient(timeout=catalog.HTTP_TIMEOUT_S) as http:
        try:
            listed = await DiscordRest(config, http).put_commands([imagine_command()])
        except ChannelError as exc:
            return _fail(f"the registration failed: {exc}")
    ids = [str(c.get("id")) for c in listed if c.get("name") == COMMAND_NAME]
    shown = f" (id {ids[0]})" if ids else ""
    print(f"ima-nano-banana serve discord: /{COMMAND_NAME} registered{shown}", file=sys.stderr)
    return EXIT_OK


async def _serve(
    config: DiscordConfig,
    access: Access,
    serve_config: ServeConfig,
    host: str,
    port: int,
    env: Mapping[str, str],
) -> int:
    import httpx

    from skill import catalog
    from skill.serve.discord.door import PATH, DiscordDoor
    from skill.serve.discord.rest import DiscordRest
    from skill.serve.http import HttpServer, make_app, serve_until_stopped
    from skill.session import Session

    session = Session.open(access, env=env)
    http = httpx.AsyncClient(timeout=catalog.HTTP_TIMEOUT_S)
    door = DiscordDoor(session, DiscordRest(config, http), config, serve_config=serve_config)
    server = HttpServer(make_app(door.bot, door.routes()), host=host, port=port)
    try:
        await server.start()
        print(f"ima-nano-banana serve discord: serving {server.url}{PATH}", file=sys.stderr)
        return await serve_until_stopped(door.bot, server)
    finally:
        await door.aclose()
        await http.aclose()
        await session.aclose()
