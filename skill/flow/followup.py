"""Follow-ups applied to the chat's memory: what "好的", "第二个", "再来一张", "换成竖图",
"把它变成水彩画", "上一张图呢" and "算了" do, given the person's last job in that chat.

:func:`decide` is the one place these rules live. It is pure, and works on the remembered job
as plain JSON (the file store's record, or ``Job.model_dump(mode="json")``), so ``run``'s first
reply can be made from it before pydantic is imported (:mod:`skill.flow.ack`); the rest of
the answer (:mod:`skill.flow.message`) then carries out the same :class:`Turn`.

=========  ======================================================================================
accept     after a failure: the first alternative offered; none offered and the picture may
           still arrive (a timeout): fetch it; none offered and the reason is retryable (the
           network): the same again; after a success: the same again
choose     that alternative ("第二个": the second)
again      the same request, a new task (as many pictures as this message asks for)
change     the last request with only what the words change, checked like a new request
edit       image-to-image on the last picture, the new words as the prompt
fetch      the last task: still running, resume it; done, send it again; none, say so
decline    one short friendly line; the alternatives offered are forgotten
=========  ======================================================================================

With nothing to follow (a new chat, another person, a day later) a follow-up gets a plain
question and exit code 2, and nothing is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from skill import catalog
from skill.exits import EXIT_OK, EXIT_USAGE
from skill.intent import Followup, Intent
from skill.reasons import reason_info

__all__ = ["Action", "Said", "Turn", "decide", "needs"]

#: What a message does: a new picture from its words, a new job made from the last one, the
#: last job taken up again, or a fixed answer with nothing made.
Action = Literal["new", "make", "fetch", "say"]
#: The fixed answers: the choice was saved, the follow-up was declined, a generation is still
#: running for this chat and person, or the follow-up cannot be carried out (and why).
Said = Literal["saved", "declined", "busy", "nothing", "no_offer", "not_retryable"]
#: How the new job came from the last one (the acknowledgement says it).
How = Literal["offer", "retry", "again", "change", "edit"]

#: Fields of the request that a new job takes over from the last one when the message does
#: not say them; the conversation drops one the new model does not offer (its default then).
INHERITABLE = ("size", "aspect_ratio")
#: The request fields a change may set.
CHANGEABLE = ("model_id", "size", "aspect_ratio")


@dataclass(frozen=True)
class Turn:
    """What to do with one message (see the module docstring)."""

    action: Action
    #: ``make``: how the new job came from the last one, and its request as plain JSON (the
    #: fields of :class:`skill.job.JobRequest`).
    how: How | None = None
    request: Mapping[str, Any] | None = None
    #: ``make``: the fields taken over without being said (see :data:`INHERITABLE`).
    inherited: tuple[str, ...] = ()
    #: ``make``: the model the acknowledgement names (an alternative taken, a model asked for),
    #: and the size of an alternative (it came from the live product list).
    model_name: str | None = None
    size: str | None = None
    count: int = 1
    #: ``fetch`` (and ``declined``): the remembered job, as plain JSON.
    job: Mapping[str, Any] | None = None
    #: ``say``: which answer, the follow-up's kind and the choice asked for.
    said: Said | None = None
    kind: str | None = None
    choice: int | None = None

    @property
    def exit_code(self) -> int:
        """For ``say``: 0 for a saved choice, a decline or "still working", else 2."""
        return EXIT_OK if self.said in ("saved", "declined", "busy") else EXIT_USAGE

    @property
    def makes(self) -> bool:
        """Whether a generation starts (or is taken up): the claim per chat and person."""
        return self.action in ("new", "make", "fetch")


def needs(intent: Intent, missing: str | None) -> tuple[bool, bool]:
    """What deciding on ``intent`` needs: (the memory, the claim "a generation is running").

    A new picture needs the claim only; a follow-up needs both (a decline needs neither: it
    makes nothing); a message that cannot be used yet (``missing``), or only changes the saved
    choice, needs neither.
    """
    followup = intent.followup
    if followup is None:
        return False, missing is None
    if followup.kind == "decline":
        return False, False
    return True, True


def decide(
    intent: Intent, memory: Mapping[str, Any] | None, *, lang: str, missing: str | None
) -> Turn:
    """What to do with ``intent`` given the remembered job (``memory``, plain JSON, or None).

    ``lang`` is the language the answer is in; ``missing`` what the message still lacks
    (:func:`skill.flow.ack.missing_input`). The claim is the caller's: a follow-up that would
    make something while another generation runs is answered "still working" before this.
    """
    followup = intent.followup
    if followup is None:
        if missing == "prompt" and intent.preference is not None:
            return Turn("say", said="saved")
        return Turn("new", count=intent.count)
    if followup.kind == "decline":
        return Turn("say", said="declined", kind="decline", job=memory)
    if memory is None:
        return Turn("say", said="nothing", kind=followup.kind)
    return _follow(intent, followup, memory, lang)


# --- the rules ------------------------------------------------------------------------------


def _follow(intent: Intent, followup: Followup, job: Mapping[str, Any], lang: str) -> Turn:
    kind = followup.kind
    status = job.get("status")
    offers = [o for o in job.get("offers") or () if isinstance(o, dict)]
    if kind == "fetch":
        if job.get("created_at") or job.get("task_ids"):
            return Turn("fetch", job=job)
        return Turn("say", said="nothing", kind=kind)
    if kind == "choose":
        index = (followup.choice or 1) - 1
        if 0 <= index < len(offers) and status != "delivered":
            return _take(offers[index], job, intent, lang)
        return Turn("say", said="no_offer", kind=kind, choice=followup.choice)
    if kind == "accept":
        if status != "delivered" and offers:
            return _take(offers[0], job, intent, lang)
        if status == "pending" and job.get("created_at"):
            return Turn("fetch", job=job)  # the picture may still arrive: that first
        if status == "delivered":
            return _again(job, intent, lang, count=_count_of(job))
        if reason_info(str(job.get("reason") or "unknown")).retryable:
            return _make("retry", job, intent, lang, {}, inherited=INHERITABLE)
        return Turn("say", said="not_retryable", kind=kind)
    if kind == "again":
        return _again(job, intent, lang, count=intent.count)
    if kind == "change":
        return _change(followup, job, intent, lang)
    if kind == "edit":
        media = [m for m in job.get("media") or () if isinstance(m, str) and m]
        if not media:
            return Turn("say", said="nothing", kind=kind)  # no picture to change: ask for one
        updates: dict[str, Any] = {
            "task_type": "image_to_image",
            "input_images": [media[-1]],
            "prompt": intent.prompt,
            "count": intent.count,
        }
        return _make("edit", job, intent, lang, updates, inherited=INHERITABLE)
    return Turn("say", said="nothing", kind=kind)


def _last_model(job: Mapping[str, Any]) -> str | None:
    """The model the last job ran on (its plan), else the one it asked for."""
    plan = job.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("model_id"), str):
        return str(plan["model_id"])
    request = job.get("request") or {}
    model = request.get("model_id")
    return model if isinstance(model, str) else None


def _count_of(job: Mapping[str, Any]) -> int:
    count = (job.get("request") or {}).get("count", 1)
    return count if isinstance(count, int) and count >= 1 else 1


def _model_name(model_id: str | None) -> str | None:
    if model_id is None or not catalog.is_nano_banana(model_id):
        return None
    return catalog.model_info(model_id).display_name


def _make(
    how: How,
    job: Mapping[str, Any],
    intent: Intent,
    lang: str,
    updates: Mapping[str, Any],
    *,
    inherited: tuple[str, ...] = (),
    model_name: str | None = None,
    size: str | None = None,
) -> Turn:
    """A new job from the last one's request with ``updates``: the last job's model unless
    they name one; no notices or choices of the last message carried over."""
    last = dict(job.get("request") or {})
    request: dict[str, Any] = {
        "task_type": last.get("task_type", "text_to_image"),
        "model_id": _last_model(job),
        "size": last.get("size"),
        "aspect_ratio": last.get("aspect_ratio"),
        "prompt": last.get("prompt", ""),
        "input_images": list(last.get("input_images") or ()),
        "language": lang,
        "user_id": last.get("user_id", "default"),
        "chat_id": last.get("chat_id", "default"),
        "count": _count_of(job),
        "preference": intent.preference,
        "notices": [],
        "unsupported_model": None,
        "extra_params": dict(last.get("extra_params") or {}),
    }
    request.update(updates)
    if intent.preference == "clear" and "model_id" not in updates:
        request["model_id"] = None  # "用默认的, 再画一次": the default model
    kept = tuple(f for f in inherited if f not in updates and request.get(f) is not None)
    return Turn(
        "make",
        how=how,
        request=request,
        inherited=kept,
        model_name=model_name,
        size=size,
        count=int(request["count"]),
    )


def _take(offer: Mapping[str, Any], job: Mapping[str, Any], intent: Intent, lang: str) -> Turn:
    """The alternative ``offer``: its model, and its size when it named one."""
    updates: dict[str, Any] = {"model_id": offer.get("model_id")}
    if offer.get("size"):
        updates["size"] = offer["size"]
    name = offer.get("model_name") if isinstance(offer.get("model_name"), str) else None
    return _make(
        "offer",
        job,
        intent,
        lang,
        updates,
        inherited=INHERITABLE,
        model_name=name or _model_name(str(offer.get("model_id"))),
        size=offer.get("size") or None,
    )


def _again(job: Mapping[str, Any], intent: Intent, lang: str, *, count: int) -> Turn:
    return _make("again", job, intent, lang, {"count": count}, inherited=INHERITABLE)


def _change(followup: Followup, job: Mapping[str, Any], intent: Intent, lang: str) -> Turn:
    changes = followup.changed
    updates: dict[str, Any] = {k: v for k, v in changes.items() if k in CHANGEABLE}
    model_id = updates.get("model_id")
    if changes.get("other_model") and model_id is None:
        last = _last_model(job) or catalog.DEFAULT_MODEL_ID
        model_id = catalog.FALLBACK_MODEL.get(last)
        if model_id is not None:
            updates["model_id"] = model_id
    name = _model_name(model_id) if isinstance(model_id, str) else None
    return _make("change", job, intent, lang, updates, inherited=INHERITABLE, model_name=name)
