"""``ima-nano-banana demo ["text" | --text-env VAR]``: the whole conversation, simulated.

No key, no credits, no network beyond 127.0.0.1. Simulated time is sped up so the slowest
model's longest expected time takes about :data:`skill.catalog.DEMO_TARGET_S` real seconds.
Preferences and the task journal go to a temporary folder, so the demo never touches
``~/.openclaw``; the picture is saved into ``--out-dir`` (default ``./out``). ``--text-env VAR``
reads the message from an environment variable, which is how ``make demo TEXT=...`` hands it
over without make or a shell expanding it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from skill import catalog
from skill.channels.base import Channel
from skill.exits import EXIT_USAGE

#: The message used when none is given, per language.
DEFAULT_TEXT = {
    "zh": "画一只戴墨镜的柴犬在海边冲浪,16:9",
    "en": "a corgi astronaut floating above the Earth, 16:9",
}


def demo_speed() -> float:
    """Simulated seconds per real second: the slowest model's max eta in DEMO_TARGET_S."""
    slowest = max(m.estimated_max_s for m in catalog.MODELS.values())
    return slowest / catalog.DEMO_TARGET_S


def main(args: argparse.Namespace) -> int:
    """Serve the simulator on loopback, run the conversation against it, print it."""
    said = os.environ.get(args.text_env) if args.text_env else args.text
    if said is None and args.text_env:
        print(
            f"ima-nano-banana demo: the environment variable {args.text_env} is not set",
            file=sys.stderr,
        )
        return EXIT_USAGE
    text = said if said else DEFAULT_TEXT["en" if args.lang == "en" else "zh"]
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        print(f"ima-nano-banana demo: {out_dir} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_demo(text, args.lang, args.output_format, out_dir))


async def _demo(text: str, lang: str, output_format: str, out_dir: Path) -> int:
    from skill.clock import RealClock
    from skill.deliver import deliver
    from skill.flow.ack import Request, acknowledge
    from skill.render import DemoBanner, Renderer
    from skill.session import Session
    from skill.settings import Access, Endpoints
    from skill.sim import SimServer, Simulator
    from skill.store import FileStore

    speed = demo_speed()
    renderer = Renderer()
    request = Request(text=text, lang=lang, out_dir=out_dir)
    with tempfile.TemporaryDirectory(prefix="ima-demo-") as home:
        store = FileStore.at(Path(home))
        step0 = acknowledge(request, prefs=lambda: store.prefs, renderer=renderer)
        banner = renderer.render(DemoBanner(speed, said=text), step0.lang)
        channel: Channel
        if output_format == "jsonl":
            from skill.channels.jsonl import JsonLinesChannel

            print(banner, file=sys.stderr)  # stdout holds only JSON lines
            channel = JsonLinesChannel()
        else:
            from skill.channels.terminal import TerminalChannel

            print(banner + "\n", flush=True)
            channel = TerminalChannel()
        with SimServer(Simulator(speed=speed)) as server:
            access = Access(catalog.DEMO_KEY, Endpoints(server.url, server.url))
            async with Session.open(
                access, store=store, clock=RealClock(speed), renderer=renderer
            ) as session:
                return await deliver(session.answer(request, step0=step0), channel)
