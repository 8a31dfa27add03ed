"""The card that shows one conversation: its text, the picture, the alternatives as buttons.

A message card (JSON 1.0) with ``config.update_multi: true`` from its first version, so that
every edit reaches everyone in the chat; one ``plain_text`` block, so nothing of the person's
own words is read as markup; the picture as an ``img`` element (its ``image_key`` uploaded by
this app); the alternatives offered after a failure as ``button`` elements whose ``value``
comes back in the ``card.action.trigger`` callback when pressed (:data:`CHOOSE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CHOOSE", "Button", "card"]

#: A button's ``value["ima"]``: "take alternative number ``value["choice"]``" (1 is the first).
CHOOSE = "choose"


@dataclass(frozen=True)
class Button:
    """One button: its label (already localized) and the value its press sends back."""

    label: str
    value: dict[str, Any]
    primary: bool = False


def card(
    text: str, *, image_key: str | None = None, buttons: Sequence[Button] = ()
) -> dict[str, Any]:
    """The card showing ``text``, then the picture, then the buttons."""
    elements: list[dict[str, Any]] = [
        {"tag": "div", "text": {"tag": "plain_text", "content": text}}
    ]
    if image_key:
        elements.append(
            {"tag": "img", "img_key": image_key, "alt": {"tag": "plain_text", "content": ""}}
        )
    if buttons:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": b.label},
                        "type": "primary" if b.primary else "default",
                        "value": b.value,
                    }
                    for b in buttons
                ],
            }
        )
    return {"config": {"update_multi": True, "wide_screen_mode": True}, "elements": elements}
