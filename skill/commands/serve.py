"""``ima-nano-banana serve PLATFORM ...``: a bot of its own on a chat platform (docs/contracts.md).

One sub-command a platform, each in its package under :mod:`skill.serve` (``main(args)``),
imported only when it runs. What they share is set up here: every log line to stderr,
redacted (the daily log file comes with :func:`skill.logs.protect_process` once the key is
read), and httpx's own request lines kept out: their URLs carry the platforms' tokens (an
interaction's webhook, for one).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

__all__ = ["PLATFORMS", "main"]

#: Each platform's module, with its ``main(args) -> exit code``.
PLATFORMS: dict[str, str] = {
    "discord": "skill.serve.discord.main",
    "feishu": "skill.serve.feishu.command",
}


def _log_to_stderr() -> None:
    from skill.logs import LOG_DATE_FORMAT, LOG_FORMAT, RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt=LOG_DATE_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(args: argparse.Namespace) -> int:
    """Run the platform's bot (or its one-off action: ``--register``, ``--check``)."""
    _log_to_stderr()
    module = importlib.import_module(PLATFORMS[args.platform])
    code: int = module.main(args)
    return code
