"""``ima-nano-banana tool-schema``: the generate_image tool for agent frameworks, as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from skill.toolschema import anthropic_tool, openai_tool


def main(args: argparse.Namespace) -> int:
    """Print the tool in the chosen format (``both``: an object with both)."""
    fmt: str = args.format
    if fmt == "openai":
        out: object = openai_tool()
    elif fmt == "anthropic":
        out = anthropic_tool()
    else:
        out = {"openai": openai_tool(), "anthropic": anthropic_tool()}
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    return 0
