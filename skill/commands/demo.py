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
from skill.cli import EXIT_USAGE

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
    from skill.flow.deliver import deliver
    from skill.flow.driver import Request, converse
    from skill.ima import ImaClient
    from skill.intent import parse
    from skill.journal import TaskJournal
    from skill.prefs import PreferenceStore
    from skill.render import DemoBanner, lang_of, render
    from skill.settings import Endpoints
    from skill.sim import SimServer, Simulator

    speed = demo_speed()
    shown = lang_of(lang if lang in ("zh", "en") else parse(text).language)
    banner = render(DemoBanner(speed, said=text), shown)
    channel: Channel
    if output_format == "jsonl":
        from skill.channels.jsonl import JsonLinesChannel

        print(banner, file=sys.stderr)  # stdout holds only JSON lines
        channel = JsonLinesChannel()
    else:
        from skill.channels.terminal import TerminalChannel

        print(banner + "\n", flush=True)
        channel = TerminalChannel()

    sim = Simulator(speed=speed)
    clock = RealClock(speed)
    with tempfile.TemporaryDirectory(prefix="ima-demo-") as home, SimServer(sim) as server:
        ends = Endpoints(server.url, server.url)
        request = Request(text=text, lang=lang, out_dir=out_dir)
        async with ImaClient(catalog.DEMO_KEY, endpoints=ends, clock=clock) as client:
            conversation = converse(
                request,
                client=client,
                clock=clock,
                prefs=PreferenceStore(Path(home) / "ima_prefs.json"),
                journal=TaskJournal(Path(home) / "ima_tasks"),
            )
            return await deliver(conversation, channel)
