"""The ``/imagine`` slash command, as registered (``serve discord --register``).

One global command (type 1, CHAT_INPUT) usable in servers and in DMs with the bot:

- ``prompt`` (string, required): what to draw;
- ``model`` (string choices): Nano Banana 2 or Nano Banana Pro (their display names; the value
  is the catalog's model id);
- ``size`` (string choices): 512px, 1K, 2K, 4K;
- ``ratio`` (string choices): the common ratios (:data:`RATIOS`);
- ``image`` (attachment, type 11): a picture to change: the request becomes image-to-image.

Every description and choice name comes from the templates (``command_help.j2``) in English,
with its Chinese in ``*_localizations`` for Discord's ``zh-CN`` and ``zh-TW`` clients. The
choices win over what the words say (:attr:`skill.flow.ack.Request.model_id` and the rest); a
ratio or size the chosen model does not offer is refused as for typed words.
"""

from __future__ import annotations

from typing import Any

from skill import catalog
from skill.render import CommandHelp, CommandHelpPart, Renderer
from skill.serve.discord.wire import OPTION_ATTACHMENT, OPTION_STRING

__all__ = ["COMMAND_NAME", "RATIOS", "SIZES", "imagine_command"]

COMMAND_NAME = "imagine"
#: The sizes Nano Banana offers (the product list says which model takes which).
SIZES = ("512px", "1K", "2K", "4K")
#: The ratios offered as choices: those most asked for, each offered by both models.
RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9")
#: Discord's locales that get the Chinese texts (zh-TW readers get the simplified ones).
CHINESE_LOCALES = ("zh-CN", "zh-TW")
#: The longest prompt Discord lets a person type here (the follow-up reader refuses longer
#: descriptions with a message anyway; a message's own limit is the same 2,000 characters).
PROMPT_MAX_CHARS = 2000
#: Discord's limit on a description or a choice's name.
TEXT_MAX_CHARS = 100
#: Discord's command types and where a command may be used.
CHAT_INPUT = 1
INTEGRATION_TYPES = (0, 1)  # installed to a server, or to a person
CONTEXTS = (0, 1, 2)  # servers, DMs with the bot, other DMs


def _texts(renderer: Renderer, help_: CommandHelp) -> dict[str, Any]:
    english = renderer.render(help_, "en", strict=True)[:TEXT_MAX_CHARS]
    chinese = renderer.render(help_, "zh", strict=True)[:TEXT_MAX_CHARS]
    return {"en": english, "zh": {locale: chinese for locale in CHINESE_LOCALES}}


def _described(renderer: Renderer, part: CommandHelpPart) -> dict[str, Any]:
    texts = _texts(renderer, CommandHelp(part))
    return {"description": texts["en"], "description_localizations": texts["zh"]}


def _choice(name: str, value: str, localized: dict[str, str] | None = None) -> dict[str, Any]:
    choice: dict[str, Any] = {"name": name, "value": value}
    if localized:
        choice["name_localizations"] = localized
    return choice


def imagine_command(renderer: Renderer | None = None) -> dict[str, Any]:
    """The ``/imagine`` command object for Discord's commands endpoint."""
    renderer = renderer or Renderer()
    ratio_choices = []
    for ratio in RATIOS:
        texts = _texts(renderer, CommandHelp("ratio_choice", ratio=ratio))
        ratio_choices.append(_choice(texts["en"], ratio, texts["zh"]))
    models = [
        _choice(info.display_name, info.model_id)
        for info in (catalog.NANO_BANANA_2, catalog.NANO_BANANA_PRO)
    ]
    options: list[dict[str, Any]] = [
        {
            "type": OPTION_STRING,
            "name": "prompt",
            **_described(renderer, "prompt"),
            "required": True,
            "max_length": PROMPT_MAX_CHARS,
        },
        {
            "type": OPTION_STRING,
            "name": "model",
            **_described(renderer, "model"),
            "choices": models,
        },
        {
            "type": OPTION_STRING,
            "name": "size",
            **_described(renderer, "size"),
            "choices": [_choice(size, size) for size in SIZES],
        },
        {
            "type": OPTION_STRING,
            "name": "ratio",
            **_described(renderer, "ratio"),
            "choices": ratio_choices,
        },
        {"type": OPTION_ATTACHMENT, "name": "image", **_described(renderer, "image")},
    ]
    return {
        "name": COMMAND_NAME,
        "type": CHAT_INPUT,
        **_described(renderer, "imagine"),
        "options": options,
        "integration_types": list(INTEGRATION_TYPES),
        "contexts": list(CONTEXTS),
    }
