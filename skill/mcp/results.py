"""Tool results from what a conversation ended with.

A picture: the image block (or its link, :mod:`skill.mcp.picture`), the caption as text with
the picture's link in it, and :class:`~skill.mcp.outputs.PictureOutcome` as structured
content. A failure: ``isError``, the plain-language failure text, and
:class:`~skill.mcp.outputs.FailureOutcome` (the reason and the alternatives offered). Every
text here was rendered from the templates; nothing else reaches the client.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from mcp_types import CallToolResult, ContentBlock, TextContent
from pydantic import BaseModel

from skill.job import PENDING, Job
from skill.mcp.outputs import AlternativeOffer, FailureOutcome, PictureOutcome
from skill.mcp.picture import INLINE_IMAGE_MAX_BYTES, picture_block
from skill.mcp.relay import Ending
from skill.reasons import Reason

__all__ = ["data_result", "failure_result", "picture_result"]


def _text(text: str) -> TextContent:
    return TextContent(text=text)


def failure_result(text: str, reason: Reason | str, job: Job | None = None) -> CallToolResult:
    """An ``isError`` result: what went wrong in plain words, and what to try instead."""
    offers = job.offers if job is not None else []
    waiting = job is not None and job.status == PENDING and bool(job.task_ids)
    outcome = FailureOutcome(
        reason=Reason(reason).value,
        alternatives=[
            AlternativeOffer(
                model=offer.model_name,
                size=offer.size,
                credits=offer.credits_min,
                credits_max=offer.credits_max,
            )
            for offer in offers
        ],
        task_id=job.task_id if waiting and job is not None else None,
    )
    return CallToolResult(
        content=[_text(text)], structured_content=outcome.model_dump(mode="json"), is_error=True
    )


def _picture_outcome(ending: Ending) -> PictureOutcome:
    job = ending.job
    plan = job.plan if job is not None else None
    first = ending.successes[0] if ending.successes else None
    return PictureOutcome(
        media_url=first.media if first is not None else None,
        model=(first.model if first is not None else None) or (plan.model_name if plan else None),
        credits=plan.credit if plan is not None and first is not None else None,
        elapsed_s=first.elapsed_s if first is not None else None,
        size=plan.size if plan is not None and first is not None else None,
        aspect_ratio=plan.aspect_ratio if plan is not None and first is not None else None,
        task_id=job.task_id if job is not None and first is not None else None,
        media_urls=[s.media for s in ending.successes if s.media],
    )


async def picture_result(
    ending: Ending, *, max_inline_bytes: int = INLINE_IMAGE_MAX_BYTES
) -> CallToolResult:
    """The result of a conversation that ran to its end (or of a refusal before it began)."""
    if ending.failure is not None:
        return failure_result(
            ending.failure.text or "", ending.failure.reason or Reason.UNKNOWN, ending.job
        )
    content: list[ContentBlock] = []
    for success in ending.successes:
        if success.media:
            content.append(await picture_block(success.media, max_bytes=max_inline_bytes))
        content.append(_text(success.text or ""))
    if not ending.successes:
        # An answer that made no picture and did not fail (a choice kept for next time, an
        # offer turned down): what was said, in order.
        content = [_text(r.text or "") for r in ending.said]
    outcome = _picture_outcome(ending)
    return CallToolResult(content=content, structured_content=outcome.model_dump(mode="json"))


def data_result(outcome: BaseModel, *, lead: Sequence[str] = ()) -> CallToolResult:
    """A read-only tool's result: ``lead`` texts, then the structured content as JSON text
    too (the spec's advice, for clients that read only the text)."""
    data = outcome.model_dump(mode="json")
    texts = [*lead, json.dumps(data, ensure_ascii=False, indent=2)]
    return CallToolResult(content=[_text(t) for t in texts], structured_content=data)
