"""One replica of the fake bot in a process of its own (the SIGTERM test runs it):

    python tests/serve/fake_bot_main.py CARDS_FILE

The environment gives the simulator (IMA_BASE_URL, IMA_IM_BASE_URL, IMA_API_KEY,
IMA_TIME_SCALE), the store (IMA_STORE_URL) and the bot's settings (IMA_SERVE_*). The port is
printed on the first line once it serves; every card is written to CARDS_FILE as JSON lines.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from skill.serve import Bot, ServeConfig
from skill.serve.http import HttpServer, make_app, serve_until_stopped
from skill.session import Session
from skill.settings import Access
from tests.serve.fakeplatform import FakePlatform


async def main(cards: Path) -> int:
    access = Access.from_env(env=os.environ)
    if access is None:
        print("no key", file=sys.stderr)
        return 2
    session = Session.open(access, env=os.environ)
    platform = FakePlatform(cards)
    bot = Bot(
        session,
        namespace="fake",
        config=ServeConfig.from_env(),
        resume_sink=platform.resume_sink,
    )
    server = HttpServer(make_app(bot, platform.routes(bot)))
    await server.start()
    print(server.port, flush=True)
    try:
        return await serve_until_stopped(bot, server)
    finally:
        await session.aclose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]))))
