"""The first replies' records (the acknowledgement, resume's "fetching it") and the language
type: all ``run``'s first line needs of the message records (:mod:`skill.render.messages`
holds the rest, loaded when another message is rendered: its two dozen dataclasses were
18 ms of the first line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Ack:
    """Step 0: the short first reply."""

    emoji: str
    subject: str | None = None
    task_type: str = "text_to_image"
    aspect_ratio: str | None = None
    size: str | None = None
    #: "prompt" or "image" when the person must still say what to draw or send the picture:
    #: then the acknowledgement promises nothing yet.
    missing: str | None = None
    #: A message that only sets the model for next time ("以后都用 Pro"): the model now
    #: remembered, or ``forgot`` when the saved choice was dropped ("用默认的").
    remembered: str | None = None
    forgot: bool = False
    #: A follow-up's first reply: how the new picture comes from the last one ("offer",
    #: "retry", "again", "change", "edit"), or "declined", "busy" (a generation is still
    #: running for this person), "checking" (a follow-up that will be answered by a question).
    followup: str | None = None
    #: The model the follow-up uses when it names one (an alternative taken, a model asked
    #: for), and the alternative's size (both known before the product list is read).
    model_name: str | None = None
    offer_size: str | None = None
    #: How many pictures (more than one: one task each).
    count: int = 1


@dataclass(frozen=True)
class ResumeFound:
    """The first reply of resume: the picture from earlier is being fetched (or re-sent)."""

    model_name: str
    #: Already delivered once: it is sent again from the journal.
    delivered: bool = False
    #: The create's answer was lost: there is only the request to look at, no picture.
    unconfirmed: bool = False
