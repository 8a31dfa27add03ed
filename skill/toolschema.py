"""The ``generate_image`` tool: one JSON Schema, in OpenAI's and Anthropic's tool formats.

Its arguments are ``run``'s flags under other names, so a framework that calls the tool can
start ``ima-nano-banana run`` (see :func:`run_command`) or call :func:`skill.generate` with the
same values. The message travels in an environment variable, never on the command line.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

TOOL_NAME = "generate_image"

TOOL_DESCRIPTION = (
    "Make or edit a picture with Nano Banana (Nano Banana 2 by default, Nano Banana Pro for best "
    "quality) from a chat message in Chinese or English. Pass the person's message unchanged: "
    "model, size (512px/1K/2K/4K), shape (1:1, 16:9, 9:16, 4:3, 3:4) and saved preferences are "
    "understood from it. Returns the conversation as events: ack, start (model, expected time, "
    "credits), progress, then success with the image URL or failure with a plain-language "
    "reason and two alternatives, then done. Show each event's text to the person as it comes."
)

#: The JSON Schema of the arguments.
PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {
            "type": "string",
            "minLength": 1,
            "description": "The person's message, exactly as they wrote it.",
        },
        "images": {
            "type": "array",
            "items": {"type": "string"},
            "maxItems": 14,
            "description": "Pictures to edit or use as reference: local file paths or https "
            "URLs. Leave empty to make a new picture.",
        },
        "user_id": {
            "type": "string",
            "default": "default",
            "description": "Who is asking; keys their remembered model choice on this machine "
            "and is never sent anywhere.",
        },
        "lang": {
            "type": "string",
            "enum": ["auto", "zh", "en"],
            "default": "auto",
            "description": "Language of the replies; auto follows the message.",
        },
        "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Stop waiting after this many seconds (the picture can still be "
            "fetched later).",
        },
        "out_dir": {
            "type": "string",
            "description": "Also save the picture into this folder; the success event then "
            "carries its path.",
        },
    },
    "required": ["text"],
    "additionalProperties": False,
}

#: Each argument and the ``run`` flag that carries it. ``text`` goes through the environment.
RUN_FLAGS: dict[str, str] = {
    "text": "--text-env",
    "images": "--image",
    "user_id": "--user-id",
    "lang": "--lang",
    "timeout": "--timeout",
    "out_dir": "--out-dir",
}

#: The environment variable :func:`run_command` puts the message in.
TEXT_ENV = "IMA_TOOL_TEXT"


def openai_tool() -> dict[str, Any]:
    """The tool in OpenAI's function-calling format."""
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": TOOL_DESCRIPTION,
            "parameters": copy.deepcopy(PARAMETERS),
        },
    }


def anthropic_tool() -> dict[str, Any]:
    """The tool in Anthropic's tool-use format."""
    return {
        "name": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "input_schema": copy.deepcopy(PARAMETERS),
    }


def run_command(arguments: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The ``run`` argument list (after the program name) and the extra environment for one
    tool call. The message goes into :data:`TEXT_ENV`; events come back as JSON lines.

    Raises ``ValueError`` for arguments the schema does not allow.
    """
    unknown = set(arguments) - set(RUN_FLAGS)
    if unknown:
        raise ValueError(f"unknown arguments: {', '.join(sorted(unknown))}")
    text = arguments.get("text")
    if not isinstance(text, str) or not text:
        raise ValueError("text is required")
    argv = ["run", RUN_FLAGS["text"], TEXT_ENV, "--format", "jsonl"]
    for image in arguments.get("images") or ():
        argv += [RUN_FLAGS["images"], str(image)]
    for name in ("user_id", "lang", "timeout", "out_dir"):
        value = arguments.get(name)
        if value is not None:
            argv += [RUN_FLAGS[name], str(value)]
    return argv, {TEXT_ENV: text}
