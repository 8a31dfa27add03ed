"""The structured results of the MCP tools, as pydantic models: their JSON schemas are the
tools' output schemas, and a result is checked against them before it leaves.

A failed call (``isError``) carries :class:`FailureOutcome` instead: clients do not check an
error's structured content against the output schema (the MCP spec; the SDK's client skips it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AlternativeOffer",
    "FailureOutcome",
    "ModelEntry",
    "ModelsOutcome",
    "PictureOutcome",
    "SizePrice",
    "Understanding",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PictureOutcome(_Out):
    """What ``generate_image`` and ``get_last_image`` made or fetched.

    Every key is always there; they are ``null`` when the message made no picture (it only
    set the model for next time, or turned an offer down).
    """

    media_url: str | None = Field(description="The picture's link (the original file).")
    model: str | None = Field(description='The model that made it, e.g. "Nano Banana 2".')
    credits: int | None = Field(description="The points it cost.")
    elapsed_s: int | None = Field(description="Seconds from the start of the task to the picture.")
    size: str | None = Field(description='The size made: "512px", "1K", "2K" or "4K".')
    aspect_ratio: str | None = Field(description='The aspect ratio made, e.g. "16:9".')
    task_id: str | None = Field(description="The IMA task id (get_last_image fetches it again).")
    media_urls: list[str] = Field(
        default_factory=list,
        description="Every picture's link, in the order they came (one for a single picture).",
    )


class AlternativeOffer(_Out):
    """One alternative a failure offers; the chat's next "yes" makes the first one."""

    model: str = Field(description="The model's display name.")
    size: str | None = Field(description="The size to use; null: the model's default size.")
    credits: int = Field(description="Its price in points (the lowest, over its sizes).")
    credits_max: int = Field(description="The highest price over its sizes.")


class FailureOutcome(_Out):
    """Why a call made no picture, and what to try instead."""

    reason: str = Field(description="One of the failure reasons of docs/contracts.md.")
    alternatives: list[AlternativeOffer] = Field(default_factory=list)
    task_id: str | None = Field(
        default=None,
        description="The task, when one exists and may still finish (get_last_image fetches it).",
    )


class SizePrice(_Out):
    size: str
    credits: int


class ModelEntry(_Out):
    """One Nano Banana model as the live product list offers it."""

    model: str = Field(description='Display name, e.g. "Nano Banana Pro": the model argument.')
    model_id: str
    task_type: str = Field(description="text_to_image or image_to_image.")
    sizes: list[SizePrice]
    aspect_ratios: list[str]
    default_size: str | None
    default_aspect_ratio: str | None
    eta_s: list[int] = Field(description="The expected time, [low, high] seconds.")


class ModelsOutcome(_Out):
    models: list[ModelEntry]


class Understanding(_Out):
    """What a message would make and cost: worked out with no network and nothing spent."""

    ready: bool = Field(description="True when the message can be made as it stands.")
    missing: str | None = Field(
        description='"prompt" (nothing to draw was said) or "image" (an edit without a picture).'
    )
    problem: str | None = Field(
        description="Why it would be refused as it stands (in the person's language), if so."
    )
    reason: str | None = Field(description="The failure reason of that refusal, if any.")
    acknowledgement: str = Field(description="The first reply the person would get.")
    task_type: str
    prompt: str
    model: str = Field(description="The model it would use (named, saved choice, or default).")
    model_id: str
    size: str | None = Field(description="The size asked for or, once priced, the one made.")
    aspect_ratio: str | None
    input_images: int
    language: str
    notices: list[str]
    eta_s: list[int]
    credits: int | None = Field(
        description="The price in points, from the last product list this server read; null "
        "when it has read none yet (call list_models once to price requests)."
    )
    priced_from: str | None = Field(
        description='"product_list" when credits come from the product list this server last '
        "read, else null."
    )
    price_age_s: float | None = Field(description="How old that product list is, in seconds.")
