"""``ima-nano-banana serve PLATFORM ...``: a chat bot of its own (docs/contracts.md).

Each platform's bot is a package of :mod:`skill.serve` with a ``command`` module whose
``main(args)`` runs it (``skill.serve.feishu.command``); this only hands over to it, so that a
platform's SDK is imported only when its bot runs.
"""

from __future__ import annotations

import argparse
import importlib


def main(args: argparse.Namespace) -> int:
    """Run the bot of ``args.platform``; its exit code."""
    module = importlib.import_module(f"skill.serve.{args.platform}.command")
    code: int = module.main(args)
    return code
