"""The buttons under a picture: each one is a follow-up typed in one press.

A button's ``custom_id`` says what it does and whose picture it is under:
``ima:<action>:<requester's user id>`` (at most 100 characters, Discord's limit), so any
replica can tell, with nothing looked up, whether the person pressing it is the one who
asked. A press by the requester becomes the chat message the action stands for, in the
person's language (:data:`SAID`), answered by :func:`skill.flow.message.answer` exactly as if
they had typed it: it finds the chat's last job in the follow-up memory by the same chat and
person.

* after a picture: another one; portrait and/or landscape (whichever the picture is not);
  again with the other model (Nano Banana Pro after Nano Banana 2, and back);
* after a failure: the alternatives the failure offered (:attr:`skill.job.Job.offers`), as
  "the first one", "the second one".

Every label comes from the templates (``button_label.j2``); what a press says is not a
sentence anyone reads but the words the follow-up reader knows, so it is kept here, beside
the actions, and must not be translated differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from skill import catalog
from skill.job import Job
from skill.render import ButtonLabel, Lang, Renderer
from skill.serve.discord.wire import ACTION_ROW, BUTTON, PRIMARY, SECONDARY

__all__ = ["SAID", "Action", "Press", "components_for", "custom_id", "read_custom_id"]

Action = Literal["again", "portrait", "landscape", "pro", "nb2", "pick1", "pick2"]

#: What each press says, in each language: follow-ups the follow-up reader knows.
SAID: dict[Action, dict[Lang, str]] = {
    "again": {"en": "another one", "zh": "再来一张"},
    "portrait": {"en": "make it portrait", "zh": "换成竖图"},
    "landscape": {"en": "make it landscape", "zh": "换成横图"},
    "pro": {"en": "again with Nano Banana Pro", "zh": "用 Pro 再画一次"},
    "nb2": {"en": "again with Nano Banana 2", "zh": "用 Nano Banana 2 再画一次"},
    "pick1": {"en": "the first one", "zh": "第一个"},
    "pick2": {"en": "the second one", "zh": "第二个"},
}
_PICKS: tuple[Action, ...] = ("pick1", "pick2")
_PREFIX = "ima"
_CUSTOM_ID = re.compile(r"^ima:([a-z0-9]+):(\d{1,20})$")
#: Discord's limits on a button.
LABEL_MAX_CHARS = 80
CUSTOM_ID_MAX_CHARS = 100
BUTTONS_PER_ROW = 5


@dataclass(frozen=True)
class Press:
    """A button pressed: what it does, and who asked for the picture it is under."""

    action: Action
    owner: str

    def said(self, lang: Lang) -> str:
        """The chat message this press stands for."""
        return SAID[self.action][lang]


def custom_id(action: Action, owner: str) -> str:
    """The ``custom_id`` of ``action`` under a picture ``owner`` (a user id) asked for."""
    made = f"{_PREFIX}:{action}:{owner}"
    if len(made) > CUSTOM_ID_MAX_CHARS or not _CUSTOM_ID.match(made):
        raise ValueError("a Discord user id is a number of at most 20 digits")
    return made


def read_custom_id(value: str | None) -> Press | None:
    """The press a ``custom_id`` stands for, or None (not one of ours, or an old action)."""
    match = _CUSTOM_ID.match(value or "")
    if match is None or match.group(1) not in SAID:
        return None
    action: Action = match.group(1)  # type: ignore[assignment]  # checked just above
    return Press(action, match.group(2))


def _shape(ratio: str | None) -> str:
    """ "portrait", "landscape" or "square" for a "W:H" ratio (square when unknown)."""
    try:
        width, height = (float(part) for part in (ratio or "1:1").split(":"))
    except ValueError:
        return "square"
    if width < height:
        return "portrait"
    return "landscape" if width > height else "square"


def _actions_after_success(job: Job) -> list[tuple[Action, ButtonLabel]]:
    plan = job.plan
    ratio = (plan.aspect_ratio if plan is not None else None) or job.request.aspect_ratio
    shape = _shape(ratio)
    found: list[tuple[Action, ButtonLabel]] = [("again", ButtonLabel("again"))]
    if shape != "portrait":
        found.append(("portrait", ButtonLabel("portrait")))
    if shape != "landscape":
        found.append(("landscape", ButtonLabel("landscape")))
    if job.model_id == catalog.NANO_BANANA_PRO.model_id:
        name = catalog.NANO_BANANA_2.display_name
        found.append(("nb2", ButtonLabel("model", model_name=name)))
    else:
        name = catalog.NANO_BANANA_PRO.display_name
        found.append(("pro", ButtonLabel("model", model_name=name)))
    return found


def _actions_after_failure(job: Job) -> list[tuple[Action, ButtonLabel]]:
    return [
        (pick, ButtonLabel("offer", model_name=offer.model_name, size=offer.size))
        for pick, offer in zip(_PICKS, job.offers[: len(_PICKS)], strict=False)
    ]


def components_for(
    job: Job | None, outcome: str, *, owner: str, lang: Lang, renderer: Renderer
) -> list[dict[str, Any]]:
    """The action row under an outcome (``"success"`` or ``"failure"``) of ``job``; empty
    when there is nothing to offer (no job, a failure with no alternatives)."""
    if job is None:
        return []
    actions = _actions_after_success(job) if outcome == "success" else _actions_after_failure(job)
    buttons = [
        {
            "type": BUTTON,
            "style": PRIMARY if index == 0 else SECONDARY,
            "label": renderer.render(label, lang)[:LABEL_MAX_CHARS],
            "custom_id": custom_id(action, owner),
        }
        for index, (action, label) in enumerate(actions[:BUTTONS_PER_ROW])
    ]
    return [{"type": ACTION_ROW, "components": buttons}] if buttons else []
