"""``ima-nano-banana parse``: show how a message is understood. No network.

Imports only the parser (no httpx, pydantic, jinja2 or babel) so it starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from skill.exits import EXIT_OK, EXIT_USAGE
from skill.intent import Intent, parse


def _summary(intent: Intent) -> str:
    """A short human-readable account of the intent, one field a line."""
    data = intent.to_json()
    lines = [f"{intent.emoji} {intent.prompt or '(nothing to draw yet)'}"]
    for key in ("task_type", "model_id", "size", "aspect_ratio", "language", "preference"):
        if data[key] is not None:
            lines.append(f"  {key}: {data[key]}")
    for image in intent.input_images:
        lines.append(f"  image: {image}")
    if intent.notices:
        lines.append(f"  notices: {', '.join(intent.notices)}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Print the Intent of ``args.text`` (or of the ``--text-env`` variable)."""
    text: str = args.text or ""
    if args.text_env:
        value = os.environ.get(args.text_env)
        if value is None:
            print(f"ima-nano-banana parse: {args.text_env} is not set", file=sys.stderr)
            return EXIT_USAGE
        text = value if not args.text else f"{args.text} {value}"
    intent = parse(text, tuple(args.image or ()))
    out = json.dumps(intent.to_json(), ensure_ascii=False) if args.json else _summary(intent)
    # Invalid UTF-8 in argv arrives as surrogate escapes; the parser drops them, but be safe.
    sys.stdout.write(out.encode("utf-8", "replace").decode("utf-8") + "\n")
    return EXIT_OK
