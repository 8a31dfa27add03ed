"""Step 0, the acknowledgement: from what is cheap, before anything reaches the network.

The first reply needs only the parser, the renderer and, for a message that only sets the
model for next time, the preference file. Nothing here imports the IMA client, httpx or
pydantic, so ``run`` can print the acknowledgement while those are still loading. Every
front door builds its acknowledgement here; ``run`` prints it at once and tells
:func:`skill.flow.follow` that it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from skill import catalog
from skill.events import Reply
from skill.intent import (
    NOTICE_IMAGE_REQUIRED,
    NOTICE_SIZE_CAPPED,
    NOTICE_UNSUPPORTED_MODEL,
    Intent,
    parse,
)
from skill.render import Ack, Lang, Renderer, lang_of

if TYPE_CHECKING:
    from skill.store.prefs import PreferenceStore

__all__ = ["Acknowledgement", "Request", "acknowledge", "missing_input", "with_choices"]


@dataclass(frozen=True)
class Request:
    """One chat message and how to run it (the arguments of ``run``)."""

    text: str
    images: tuple[str, ...] = ()
    user_id: str = "default"
    #: The chat the message came from (with ``user_id``, it keys the follow-up memory).
    chat_id: str = "default"
    #: "auto" follows the message's language; "zh" or "en" forces one.
    lang: str = "auto"
    timeout_s: float | None = None
    poll_interval_s: float | None = None
    out_dir: Path | None = None
    #: Choices made apart from the words (an MCP tool call's fields): each one given wins over
    #: what the words say. A catalog model id, a size ("4K") and a ratio ("16:9"); they are
    #: checked against the live product list exactly as the words' own choices are.
    model_id: str | None = None
    size: str | None = None
    aspect_ratio: str | None = None


@dataclass(frozen=True)
class Acknowledgement:
    """Step 0 done: what the message asks for, the language spoken, and the first reply."""

    intent: Intent
    lang: Lang
    #: The acknowledgement as a message record, and as the event given.
    message: Ack
    reply: Reply


def missing_input(intent: Intent) -> str | None:
    """What the person still has to give before anything can be made: "prompt", "image" or None.

    The acknowledgement and the refusal both follow it, so the first reply never promises a
    picture that the next one has to ask about.
    """
    if not intent.prompt.strip():
        return "prompt"
    wants_edit = intent.task_type == "image_to_image" or NOTICE_IMAGE_REQUIRED in intent.notices
    if wants_edit and not intent.input_images:
        return "image"
    return None


def acknowledge(
    request: Request, *, prefs: Callable[[], PreferenceStore | None], renderer: Renderer
) -> Acknowledgement:
    """Parse the message and render the first reply; no network.

    ``prefs`` opens the preference file; it is called only for a message that sets or drops
    the model for next time with nothing to draw (the only first reply that writes a file).
    It may give ``None`` (a store that is not files): the choice is then not kept here.
    """
    intent = with_choices(parse(request.text, request.images), request)
    lang = lang_of(request.lang if request.lang in ("zh", "en") else intent.language)
    missing = missing_input(intent)
    remembered, forgot = (None, False)
    if missing == "prompt" and intent.preference is not None:
        opened = prefs()
        if opened is not None:
            remembered, forgot = _remember_only(intent, request.user_id, opened)
    ack = Ack(
        emoji=intent.emoji,
        subject=intent.subject,
        task_type=intent.task_type,
        aspect_ratio=intent.aspect_ratio,
        size=intent.size,
        missing=missing,
        remembered=remembered,
        forgot=forgot,
    )
    reply = Reply("ack", text=renderer.render(ack, lang), lang=lang)
    return Acknowledgement(intent=intent, lang=lang, message=ack, reply=reply)


def with_choices(intent: Intent, request: Request) -> Intent:
    """``intent`` with the request's own choices (model, size, ratio) in place of the words'.

    A model chosen this way is for this picture only: it never becomes the saved choice, even
    when the words also say "from now on" about another model. What the words' own choice
    would have noted (8K capped to 4K, a model that is not Nano Banana) is dropped with it.
    """
    if request.model_id is None and request.size is None and request.aspect_ratio is None:
        return intent
    notices = intent.notices
    model_id, preference, unsupported = intent.model_id, intent.preference, intent.unsupported_model
    if request.model_id is not None:
        if preference == "save" and model_id != request.model_id:
            preference = None
        model_id, unsupported = request.model_id, None
        notices = tuple(n for n in notices if n != NOTICE_UNSUPPORTED_MODEL)
    if request.size is not None:
        notices = tuple(n for n in notices if n != NOTICE_SIZE_CAPPED)
    return replace(
        intent,
        model_id=model_id,
        size=request.size if request.size is not None else intent.size,
        aspect_ratio=(
            request.aspect_ratio if request.aspect_ratio is not None else intent.aspect_ratio
        ),
        preference=preference,
        notices=notices,
        unsupported_model=unsupported,
    )


def _remember_only(intent: Intent, user: str, prefs: PreferenceStore) -> tuple[str | None, bool]:
    """A message that only sets the model for next time ("以后都用 Pro", "用默认的"), with
    nothing to draw: keep or drop the choice now, for every task type, since no picture
    will come from this message to carry it. Local files only: no network before the ack.

    Returns the remembered model's name, and whether a saved choice was dropped.
    """
    try:
        model_id = intent.model_id or ""
        if intent.preference == "save" and catalog.is_nano_banana(model_id):
            name = catalog.model_info(model_id).display_name
            for task_type in catalog.TASK_TYPES:
                prefs.save(user, task_type, model_id=model_id, model_name=name, credit=None)
            return name, False
        if intent.preference == "clear":
            prefs.clear(user)
            return None, True
    except OSError:
        import logging  # only on this path: the first reply does not pay for logging

        logging.getLogger("skill.flow").warning(
            "could not update the saved preference", exc_info=True
        )
    return None, False
