"""``understand_request``: what a message would make and what it would cost, with no network
and nothing spent.

The words are read by the parser (as the acknowledgement reads them), the structured choices
win over them, the person's saved model choice and the defaults are applied, and the input
pictures are checked on this machine. The price is the server's, never ours: it comes from
the product list this server last read (by ``list_models`` or a ``generate_image``), however
old, and is ``null`` when it has read none yet. No request leaves for it.
"""

from __future__ import annotations

from skill import catalog
from skill.flow.ack import Request, acknowledge, missing_input
from skill.ima import (
    ImaError,
    InvalidImage,
    TooManyImages,
    UnsupportedOption,
    validate_inputs,
)
from skill.job import JobRequest, choose_model, resolve
from skill.mcp.door import Door
from skill.mcp.outputs import Understanding
from skill.reasons import Reason
from skill.render import AskImage, AskPrompt, Failure, Message

__all__ = ["understand"]


def _refusal_of(exc: ImaError) -> Message:
    if isinstance(exc, TooManyImages):
        return Failure(exc.reason, image_problem="too_many", not_started=True)
    if isinstance(exc, InvalidImage):
        return Failure(exc.reason, image_problem=exc.why, not_started=True)
    if isinstance(exc, UnsupportedOption):
        return Failure(
            exc.reason, offered=exc.allowed, field=exc.field, asked=exc.value, not_started=True
        )
    return Failure(exc.reason, not_started=True)


async def understand(door: Door, request: Request) -> Understanding:
    """The :class:`Understanding` of ``request``; reads only local files."""
    # No preference file is handed over: a message that only sets the model for next time is
    # told as it would be, and nothing is kept.
    step0 = acknowledge(request, prefs=lambda: None, renderer=door.renderer)
    intent, lang = step0.intent, step0.lang
    job_request = JobRequest.from_intent(
        intent, language=lang, user_id=request.user_id, chat_id=request.chat_id
    )
    saved = None
    if intent.preference != "clear":
        saved = await door.saved_model(request.user_id, intent.task_type)
    model_id = choose_model(job_request, saved)
    info = catalog.model_info(model_id)

    refusal: Message | None = None
    reason: Reason | None = None
    missing = missing_input(intent)
    if missing == "prompt":
        refusal, reason = AskPrompt(), Reason.BAD_REQUEST
    elif missing == "image":
        refusal, reason = AskImage(), Reason.MISSING_IMAGE
    else:
        try:
            validate_inputs(list(intent.input_images))
        except (TooManyImages, InvalidImage) as exc:
            refusal, reason = _refusal_of(exc), exc.reason

    model_name, size, ratio = info.display_name, intent.size, intent.aspect_ratio
    credits: int | None = None
    seen = door.last_product_list(intent.task_type)
    age: float | None = None
    if seen is not None:
        age, tree = seen
        try:
            plan = resolve(job_request, saved, tree).plan
        except ImaError as exc:
            if refusal is None:
                refusal, reason = _refusal_of(exc), exc.reason
        else:
            if plan is not None:
                model_name, credits = plan.model_name, plan.credit
                size, ratio = plan.size, plan.aspect_ratio

    return Understanding(
        ready=refusal is None,
        missing=missing,
        problem=door.renderer.render(refusal, lang) if refusal is not None else None,
        reason=reason.value if reason is not None else None,
        acknowledgement=step0.reply.text or "",
        task_type=intent.task_type,
        prompt=intent.prompt,
        model=model_name,
        model_id=model_id,
        size=size,
        aspect_ratio=ratio,
        input_images=len(intent.input_images),
        language=lang,
        notices=list(intent.notices),
        eta_s=list(info.eta_s),
        credits=credits,
        priced_from="product_list" if credits is not None else None,
        price_age_s=round(age, 1) if credits is not None and age is not None else None,
    )
