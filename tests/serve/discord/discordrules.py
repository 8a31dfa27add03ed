"""What the fake Discord checks in what it receives: Discord's documented limits on a message
(content, components, embeds) and on an application command (names, descriptions, options,
choices, localizations). A broken rule is an AssertionError: the fake answers 400."""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"^[-_\w]{1,32}$")
LOCALES = {"zh-CN", "zh-TW", "en-US", "en-GB", "ja", "fr", "de"}


def check_message(payload: dict[str, Any]) -> None:
    content = payload.get("content")
    assert isinstance(content, str), "content is text"
    assert len(content) <= 2000, "content is at most 2000 characters"
    mentions = payload.get("allowed_mentions")
    assert isinstance(mentions, dict), "allowed_mentions is always given"
    assert mentions.get("parse") == [], "no words from the chat ping anyone"
    ids: set[str] = set()
    rows = payload.get("components", [])
    assert len(rows) <= 5, "at most 5 action rows"
    for row in rows:
        assert row["type"] == 1, "a top-level component is an action row"
        assert 1 <= len(row["components"]) <= 5, "1 to 5 buttons a row"
        for button in row["components"]:
            assert button["type"] == 2
            assert button["style"] in (1, 2, 3, 4)
            assert 1 <= len(button["label"]) <= 80, "a label is 1 to 80 characters"
            custom = button["custom_id"]
            assert 1 <= len(custom) <= 100, "a custom_id is 1 to 100 characters"
            assert custom not in ids, "custom_ids are unique in a message"
            ids.add(custom)
    embeds = payload.get("embeds", [])
    assert len(embeds) <= 10
    for embed in embeds:
        assert len(embed.get("title", "")) <= 256
        assert embed["url"].startswith("http")


def check_text(text: Any, what: str) -> None:
    assert isinstance(text, str), f"{what}: text"
    assert 1 <= len(text) <= 100, f"{what}: 1 to 100 characters"


def check_localized(localized: dict[str, str] | None, what: str) -> None:
    for locale, text in (localized or {}).items():
        assert locale in LOCALES, f"{what}: unknown locale {locale}"
        check_text(text, f"{what} ({locale})")


def check_command(command: dict[str, Any]) -> None:
    assert _NAME.match(command["name"])
    assert command["name"] == command["name"].lower()
    assert command.get("type", 1) == 1
    check_text(command["description"], "a command's description")
    check_localized(command.get("description_localizations"), "description")
    options = command.get("options", [])
    assert len(options) <= 25
    seen_optional = False
    for option in options:
        assert _NAME.match(option["name"])
        assert option["name"] == option["name"].lower()
        assert option["type"] in (3, 4, 5, 10, 11)
        check_text(option["description"], f"option {option['name']}")
        check_localized(option.get("description_localizations"), option["name"])
        if option.get("required"):
            assert not seen_optional, "required options come before optional ones"
        else:
            seen_optional = True
        choices = option.get("choices", [])
        assert len(choices) <= 25
        assert not (choices and option["type"] == 11), "an attachment has no choices"
        for choice in choices:
            check_text(choice["name"], "a choice's name")
            check_localized(choice.get("name_localizations"), "a choice")
            assert isinstance(choice["value"], str)
            assert len(choice["value"]) <= 100
