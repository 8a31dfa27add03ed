"""A job: one request for pictures, what the live product list made of it, and how it went.

:class:`Job` is the one record the whole core passes around. The parser's :class:`Intent`
becomes a :class:`JobRequest` (what was asked, by whom, in which chat and language);
:func:`resolve` prices it against the live product list into a :class:`~skill.ima.Plan`;
:func:`skill.flow.follow` drives it to its end, filling in its task ids, status, result and
the alternatives offered. The journal stores and loads Jobs as they are (pydantic), and the
follow-up memory keeps a person's last one.

A record written by the previous release (one flat object a task: ``task_id``, ``credit``,
``lang``, ``url``...) loads as a Job too, so a task created before an upgrade still resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skill import catalog
from skill.ima import Plan, ProductNode, make_plan
from skill.intent import Intent
from skill.reasons import Reason

__all__ = ["DELIVERED", "FAILED", "PENDING", "Job", "JobRequest", "Offer", "Status", "resolve"]

Status = Literal["pending", "delivered", "failed"]
PENDING: Status = "pending"
DELIVERED: Status = "delivered"
FAILED: Status = "failed"


class JobRequest(BaseModel):
    """What was asked: the words as the parser read them, and who asked where."""

    model_config = ConfigDict(frozen=True)

    task_type: str = "text_to_image"
    #: The model the words (or a follow-up) named; ``None``: the saved choice or the default.
    model_id: str | None = None
    size: str | None = None
    aspect_ratio: str | None = None
    prompt: str = ""
    input_images: tuple[str, ...] = ()
    #: "zh" or "en": the language every message of this job is in.
    language: str = "en"
    user_id: str = "default"
    chat_id: str = "default"
    #: How many pictures were asked for.
    count: int = Field(default=1, ge=1)
    #: "save" or "clear": the words also change the saved model choice.
    preference: str | None = None
    #: Parser notices (size_capped, unsupported_model, image_required).
    notices: tuple[str, ...] = ()
    #: The non-Nano-Banana model named ("Midjourney"), for the notice.
    unsupported_model: str | None = None
    #: Inner parameters set by hand (``create --extra-params``), merged into the create.
    extra_params: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_intent(
        cls,
        intent: Intent,
        *,
        language: str | None = None,
        user_id: str = "default",
        chat_id: str = "default",
    ) -> JobRequest:
        """The request of a parsed message; ``language`` overrides the message's own."""
        return cls(
            task_type=intent.task_type,
            model_id=intent.model_id,
            size=intent.size,
            aspect_ratio=intent.aspect_ratio,
            prompt=intent.prompt,
            input_images=intent.input_images,
            language=language or intent.language,
            user_id=user_id,
            chat_id=chat_id,
            preference=intent.preference,
            notices=intent.notices,
            unsupported_model=intent.unsupported_model,
            count=intent.count,
        )


class Offer(BaseModel):
    """An alternative offered after a failure: what a plain "yes" or "the second one" makes."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    model_name: str
    #: The size to use (``None``: the model's default); set for "same model, another size".
    size: str | None = None
    #: Its price, or its range of prices over the model's sizes.
    credits_min: int
    credits_max: int
    #: The cheapest option below the failed one's price (too few points).
    cheaper: bool = False


class Job(BaseModel):
    """One request, its resolution and its state (see the module docstring)."""

    #: Set when the job is first written down; the journal's key.
    job_id: str | None = None
    request: JobRequest
    #: The resolution against the live product list; ``None`` until resolved.
    plan: Plan | None = None
    status: Status = PENDING
    #: One a picture, in the order they were created.
    task_ids: list[str] = Field(default_factory=list)
    #: ISO 8601 UTC: when the create was sent, and when the job ended.
    created_at: str | None = None
    finished_at: str | None = None
    #: The result links, one a delivered picture.
    media: list[str] = Field(default_factory=list)
    reason: Reason | None = None
    #: The alternatives the failure offered, in the order they were shown.
    offers: list[Offer] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_flat_record(cls, data: Any) -> Any:
        """Read the previous release's flat journal record as a Job."""
        if not isinstance(data, dict) or "request" in data or "task_id" not in data:
            return data
        task_id = data["task_id"]
        request = {
            "task_type": data.get("task_type", "text_to_image"),
            "model_id": data.get("model_id"),
            "size": data.get("size"),
            "aspect_ratio": data.get("aspect_ratio"),
            "prompt": data.get("prompt", ""),
            "language": data.get("lang", "en"),
            "user_id": data.get("user_id", "default"),
        }
        plan = {
            "task_type": data.get("task_type", "text_to_image"),
            "model_id": data.get("model_id"),
            "model_name": data.get("model_name"),
            # Not kept by that release; only a new create would need them, and a follow-up
            # resolves its own plan against the live list.
            "model_version": "",
            "attribute_id": 0,
            "credit": data.get("credit"),
            "size": data.get("size"),
            "aspect_ratio": data.get("aspect_ratio"),
        }
        url = data.get("url")
        return {
            "job_id": task_id,
            "request": request,
            "plan": plan,
            "status": data.get("status", PENDING),
            "task_ids": [task_id],
            "created_at": data.get("created_at"),
            "finished_at": data.get("finished_at"),
            "media": [url] if isinstance(url, str) else [],
        }

    def redacted(self, redact: Callable[[str], str]) -> Job:
        """This job with ``redact`` applied to every text a person or caller supplied (the
        prompt, the input images, hand-set parameters): what may be written to disk."""

        def clean(value: Any) -> Any:
            if isinstance(value, str):
                return redact(value)
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(clean(v) for v in value)
            return value

        request = self.request.model_copy(
            update={
                "prompt": redact(self.request.prompt),
                "input_images": tuple(redact(i) for i in self.request.input_images),
                "extra_params": clean(self.request.extra_params),
            }
        )
        plan = self.plan
        if plan is not None:
            plan = plan.model_copy(update={"params": clean(plan.params)})
        return self.model_copy(update={"request": request, "plan": plan})

    # --- what the rest of the code asks of a job ----------------------------------------------
    @property
    def task_id(self) -> str | None:
        """The first task's id (the only one of a single picture)."""
        return self.task_ids[0] if self.task_ids else None

    @property
    def language(self) -> str:
        return self.request.language

    @property
    def model_id(self) -> str | None:
        """The model the job runs on once resolved, else the one asked for."""
        return self.plan.model_id if self.plan is not None else self.request.model_id

    @property
    def model_name(self) -> str:
        if self.plan is not None:
            return self.plan.model_name
        model_id = self.request.model_id or catalog.DEFAULT_MODEL_ID
        return catalog.model_info(model_id).display_name if catalog.is_nano_banana(model_id) else ""

    @property
    def credits(self) -> int | None:
        """The price of one picture, once resolved."""
        return self.plan.credit if self.plan is not None else None

    @property
    def started(self) -> bool:
        """A create was sent (its answer may have been lost: then there is no task id)."""
        return self.created_at is not None

    @property
    def unconfirmed(self) -> bool:
        """A create was sent and no task id came back."""
        return self.started and not self.task_ids


def utc_stamp(moment: datetime | None = None) -> str:
    """An ISO 8601 UTC time stamp, to the second."""
    return (
        (moment or datetime.now(timezone.utc))
        .astimezone(timezone.utc)
        .isoformat(timespec="seconds")
    )


def parse_stamp(text: str | None) -> datetime | None:
    """A time stamp written by :func:`utc_stamp` (or any ISO 8601 time) as an aware
    datetime; a time without a zone is UTC; ``None`` when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def choose_model(request: JobRequest, saved_model_id: str | None) -> str:
    """Named in the words > the saved choice (unless the words clear it) > the default."""
    if request.model_id:
        return request.model_id
    if request.preference != "clear" and saved_model_id and catalog.is_nano_banana(saved_model_id):
        return saved_model_id
    return catalog.DEFAULT_MODEL_ID


def resolve(
    request: JobRequest, saved_model_id: str | None, products: Sequence[ProductNode]
) -> Job:
    """The job for ``request``, priced against the live product list; pure.

    ``saved_model_id`` is the person's saved model choice for this task type (``None``: none);
    ``products`` the live list's tree for the request's task type. Raises what
    :func:`skill.ima.make_plan` raises for a model, ratio or size the list does not offer
    (:class:`~skill.ima.UnsupportedOption`, :class:`~skill.ima.ModelUnavailable`...).
    """
    model_id = choose_model(request, saved_model_id)
    plan = make_plan(
        request.task_type,
        products,
        model_id,
        size=request.size,
        aspect_ratio=request.aspect_ratio,
        extra=request.extra_params,
    )
    return Job(request=request, plan=plan)
