"""``prefs show|set|clear``: look at and change the saved model choices.

``show`` prints the Nano Banana choices as pretty JSON (the file's own shape). ``set`` accepts
only Nano Banana model ids; the credit is left unknown (``null``) because the live price is not
known offline. ``clear`` says how many choices it removed. Choices that sibling IMA skills saved
for their own models are never shown, changed or removed here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from skill import catalog
from skill.exits import EXIT_OK, EXIT_USAGE
from skill.logs import install_redacting_streams, setup_logging
from skill.store.prefs import PreferenceStore

logger = logging.getLogger("skill.commands.prefs")


def _show(store: PreferenceStore, args: argparse.Namespace) -> int:
    shown = store.show(args.user_id)
    print(json.dumps(shown, ensure_ascii=False, indent=2))
    return EXIT_OK


def _set(store: PreferenceStore, args: argparse.Namespace) -> int:
    model_id: str = args.model_id
    if not catalog.is_nano_banana(model_id):
        known = ", ".join(f"{m.model_id} ({m.display_name})" for m in catalog.MODELS.values())
        print(f"{model_id!r} is not a Nano Banana model; choose one of: {known}", file=sys.stderr)
        return EXIT_USAGE
    if args.task_type not in catalog.TASK_TYPES:
        choices = ", ".join(catalog.TASK_TYPES)
        print(f"unknown task type {args.task_type!r}; choose one of: {choices}", file=sys.stderr)
        return EXIT_USAGE
    name = catalog.model_info(model_id).display_name
    store.save(args.user_id, args.task_type, model_id=model_id, model_name=name, credit=None)
    print(f"Saved: {name} ({model_id}) for {args.task_type}, user {args.user_id}")
    return EXIT_OK


def _clear(store: PreferenceStore, args: argparse.Namespace) -> int:
    removed = store.clear(args.user_id)
    whose = f"user {args.user_id}" if args.user_id is not None else "all users"
    plural = "" if removed == 1 else "s"
    print(f"Removed {removed} saved preference{plural} ({whose})")
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    """Run ``prefs show``, ``prefs set`` or ``prefs clear``."""
    install_redacting_streams()
    setup_logging()
    store = PreferenceStore()
    action = args.prefs_command
    if action == "show":
        return _show(store, args)
    if action == "set":
        return _set(store, args)
    if action == "clear":
        return _clear(store, args)
    print(f"unknown prefs action {action!r}", file=sys.stderr)
    return EXIT_USAGE
