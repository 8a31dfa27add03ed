"""The flags of ``serve feishu``: what the command line adds when ``serve`` is named (nothing
else of the bot is imported to build them)."""

from __future__ import annotations

import argparse

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "add_arguments"]

#: ``serve feishu --webhook`` listens here unless told otherwise.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8767


def add_arguments(feishu: argparse.ArgumentParser) -> None:
    """The sub-command's flags (the command line adds them only when ``serve`` is named)."""
    feishu.add_argument(
        "--webhook",
        action="store_true",
        help="serve Feishu's request URL (POST /feishu/events) instead of the long connection",
    )
    feishu.add_argument(
        "--host", default=DEFAULT_HOST, help=f"with --webhook: the address (default {DEFAULT_HOST})"
    )
    feishu.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"the port (--webhook: default {DEFAULT_PORT}; 0: any free one); without --webhook, "
        "serve GET /healthz there",
    )
    feishu.add_argument(
        "--check",
        action="store_true",
        help="check the settings with Feishu, say what is missing, and exit",
    )
