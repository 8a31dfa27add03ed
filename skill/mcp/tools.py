"""The four tools, registered on an :class:`~mcp.server.mcpserver.MCPServer`.

``generate_image`` makes a picture from the person's words (it spends credits);
``list_models``, ``understand_request`` and ``get_last_image`` only look. Each tool's
arguments are its JSON schema (the parameters below, with their descriptions), its result
has an output schema (:mod:`skill.mcp.outputs`), and its title and annotations tell a host
which one costs money. A message goes through the core exactly as a chat message does
(:meth:`skill.session.Session.answer`), so follow-ups such as "好的" work through ``chat_id``.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field, WithJsonSchema

from skill import catalog
from skill.flow.ack import Request
from skill.ima import ImaError, ModelSummary
from skill.intent import parse
from skill.mcp.arguments import (
    MODEL_NAMES,
    Choices,
    UnknownModel,
    read_choices,
    read_language,
)
from skill.mcp.door import Door, NoKey
from skill.mcp.outputs import ModelEntry, ModelsOutcome, PictureOutcome, SizePrice, Understanding
from skill.mcp.relay import Reporter, relay
from skill.mcp.results import data_result, failure_result, picture_result
from skill.mcp.understand import understand
from skill.reasons import Reason
from skill.render import Failure, ResumeNothing, lang_of

__all__ = ["TOOL_NAMES", "register_tools"]

TOOL_NAMES = ("generate_image", "list_models", "understand_request", "get_last_image")


def _nullable(schema: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [schema, {"type": "null"}]})


# --- the arguments, as their schemas say them ------------------------------------------------
RequestText = Annotated[
    str,
    Field(
        description="The person's message, exactly as they wrote it, in any language "
        '(e.g. "画一只戴墨镜的柴犬,16:9, 4K" or "a watercolor fox"). Model, size and shape '
        'words in it are understood. A reply to an earlier answer ("好的", "the second one", '
        '"再来一张") works too, with the same chat_id and user_id.'
    ),
]
ModelArg = Annotated[
    str | None,
    _nullable({"type": "string", "enum": list(MODEL_NAMES)}),
    Field(
        description="The model to use; wins over a model named in the request. Nano Banana 2 "
        "is balanced and cheaper, Nano Banana Pro the highest quality. Default: the person's "
        "saved choice, else Nano Banana 2."
    ),
]
SizeArg = Annotated[
    str | None,
    _nullable({"type": "string", "enum": list(catalog.SIZES)}),
    Field(description="The size; wins over a size named in the request."),
]
RatioArg = Annotated[
    str | None,
    _nullable({"type": "string", "pattern": r"^\d{1,3}:\d{1,3}$"}),
    Field(
        description='The aspect ratio as "W:H" (e.g. "16:9", "9:16", "1:1"); wins over the '
        "request's words. list_models gives each model's ratios."
    ),
]
ImagesArg = Annotated[
    list[str] | None,
    _nullable({"type": "array", "items": {"type": "string"}, "maxItems": catalog.MAX_INPUT_IMAGES}),
    Field(
        description="Pictures to edit or draw from: paths of PNG, JPEG or WebP files on the "
        "machine the server runs on (absolute paths; a relative one is taken from the server's "
        f"working folder) or https URLs, at most {catalog.MAX_INPUT_IMAGES}."
    ),
]
ChatArg = Annotated[
    str | None,
    Field(
        description="The conversation this message belongs to. With user_id it keys the "
        'follow-up memory (what "好的" or "again" refer to) and get_last_image. Default: '
        '"default".'
    ),
]
UserArg = Annotated[
    str | None,
    Field(
        description="Who is asking: keys their saved model choice and, with chat_id, the "
        'follow-up memory. Default: "default".'
    ),
]
LanguageArg = Annotated[
    str | None,
    _nullable({"type": "string", "enum": ["auto", "zh", "en"]}),
    Field(description='The language of the replies; "auto" (the default) follows the request.'),
]
TaskTypeArg = Annotated[
    str | None,
    _nullable({"type": "string", "enum": list(catalog.TASK_TYPES)}),
    Field(description="Only this task type; default: both."),
]
TaskIdArg = Annotated[
    str | None,
    Field(description="A task id from an earlier result; default: the chat's last picture."),
]

SPENDS = ToolAnnotations(
    title="Make a picture with Nano Banana",
    read_only_hint=False,
    destructive_hint=False,
    idempotent_hint=False,
    open_world_hint=True,
)
LOOKS_UP = ToolAnnotations(
    title="List the Nano Banana models",
    read_only_hint=True,
    idempotent_hint=True,
    open_world_hint=True,
)
WORKS_OUT = ToolAnnotations(
    title="Understand a request (free, offline)",
    read_only_hint=True,
    idempotent_hint=True,
    open_world_hint=False,
)
FETCHES = ToolAnnotations(
    title="Get the last picture of a chat",
    read_only_hint=True,
    idempotent_hint=True,
    open_world_hint=True,
)


def _lang(language: str, text: str) -> str:
    """The language of a reply made here: the one asked for, else the request's own."""
    return language if language in ("zh", "en") else lang_of(parse(text).language)


def _request(
    request: str, choices: Choices, *, user_id: str | None, chat_id: str | None, lang: str
) -> Request:
    return Request(
        text=request,
        images=choices.images,
        user_id=user_id or "default",
        chat_id=chat_id or "default",
        lang=lang,
        model_id=choices.model_id,
        size=choices.size,
        aspect_ratio=choices.aspect_ratio,
    )


def _entry(task_type: str, summary: ModelSummary) -> ModelEntry:
    return ModelEntry(
        model=summary.model_name,
        model_id=summary.model_id,
        task_type=task_type,
        sizes=[SizePrice(size=p.size, credits=p.points) for p in summary.prices],
        aspect_ratios=list(summary.aspect_ratios),
        default_size=summary.default_size,
        default_aspect_ratio=summary.default_aspect_ratio,
        eta_s=list(catalog.model_info(summary.model_id).eta_s),
    )


def register_tools(server: MCPServer[Any], door: Door) -> None:
    """Add the four tools to ``server``, all working through ``door``."""

    def no_key(lang: str) -> CallToolResult:
        text = door.renderer.render(
            Failure(Reason.UNAUTHORIZED, no_key=True, not_started=True), lang
        )
        return failure_result(text, Reason.UNAUTHORIZED)

    def unknown_model(lang: str) -> CallToolResult:
        failure = Failure(Reason.UNSUPPORTED_MODEL, offered=MODEL_NAMES, not_started=True)
        return failure_result(door.renderer.render(failure, lang), Reason.UNSUPPORTED_MODEL)

    @server.tool(title=SPENDS.title, annotations=SPENDS)
    async def generate_image(
        request: RequestText,
        ctx: Context,
        model: ModelArg = None,
        size: SizeArg = None,
        aspect_ratio: RatioArg = None,
        images: ImagesArg = None,
        chat_id: ChatArg = None,
        user_id: UserArg = None,
        language: LanguageArg = None,
    ) -> Annotated[CallToolResult, PictureOutcome]:
        """Make a picture with Nano Banana (Google's image models) on the IMA Open API, from
        the person's own words; spends the person's IMA credits.

        Takes 20-40 s (Nano Banana 2) to 60-120 s (Nano Banana Pro). While it runs, progress
        notifications carry the messages to show the person: the acknowledgement, the start
        notice (model, expected time, credits), then progress. The result is the picture, its
        caption with the link, and the facts as structured content. A failure comes back as an
        error whose text explains it in plain words and offers alternatives; if the person
        then says yes ("好的", "ok"), call again with their reply and the same chat_id.
        """
        lang = read_language(language)
        try:
            choices = read_choices(model=model, size=size, aspect_ratio=aspect_ratio, images=images)
        except UnknownModel:
            return unknown_model(_lang(lang, request))
        message = _request(request, choices, user_id=user_id, chat_id=chat_id, lang=lang)
        try:
            conversation = await door.answer(message)
        except NoKey:
            return no_key(_lang(lang, request))
        ending = await relay(conversation, Reporter(ctx.report_progress), keep=door.keep)
        return await picture_result(ending)

    @server.tool(title=LOOKS_UP.title, annotations=LOOKS_UP)
    async def list_models(
        task_type: TaskTypeArg = None, language: LanguageArg = None
    ) -> Annotated[CallToolResult, ModelsOutcome]:
        """The Nano Banana models the IMA product list offers now: for each, its sizes with
        their prices in credits, its aspect ratios, defaults and expected time. Free."""
        lang = lang_of(read_language(language))
        wanted = [task_type] if task_type in catalog.TASK_TYPES else list(catalog.TASK_TYPES)
        try:
            client = (await door.session()).client
            entries = [
                _entry(kind, summary) for kind in wanted for summary in await client.models(kind)
            ]
        except NoKey:
            return no_key(lang)
        except ImaError as exc:
            text = door.renderer.render(Failure(exc.reason, not_started=True), lang)
            return failure_result(text, exc.reason)
        return data_result(ModelsOutcome(models=entries))

    @server.tool(title=WORKS_OUT.title, annotations=WORKS_OUT)
    async def understand_request(
        request: RequestText,
        model: ModelArg = None,
        size: SizeArg = None,
        aspect_ratio: RatioArg = None,
        images: ImagesArg = None,
        chat_id: ChatArg = None,
        user_id: UserArg = None,
        language: LanguageArg = None,
    ) -> Annotated[CallToolResult, Understanding]:
        """What generate_image would make of these arguments and what it would cost, without
        the network and without spending anything: the model, size, ratio and prompt it
        reads, whether anything is missing or would be refused, and the price from the last
        product list this server read (null until list_models or generate_image ran once)."""
        lang = read_language(language)
        try:
            choices = read_choices(model=model, size=size, aspect_ratio=aspect_ratio, images=images)
        except UnknownModel:
            return unknown_model(_lang(lang, request))
        message = _request(request, choices, user_id=user_id, chat_id=chat_id, lang=lang)
        return data_result(await understand(door, message))

    @server.tool(title=FETCHES.title, annotations=FETCHES)
    async def get_last_image(
        ctx: Context,
        chat_id: ChatArg = None,
        user_id: UserArg = None,
        task_id: TaskIdArg = None,
        language: LanguageArg = None,
    ) -> Annotated[CallToolResult, PictureOutcome]:
        """The last picture of a chat: sent again if it was made, waited for (with progress
        notifications) if it is still being made, for instance after a generate_image call
        was cancelled or timed out. Never starts a new picture and spends nothing."""
        lang = lang_of(read_language(language))
        job = await door.last_job(chat_id or "default", user_id or "default", task_id)
        if job is None:
            text = door.renderer.render(ResumeNothing(asked_for=bool(task_id)), lang)
            return failure_result(text, Reason.BAD_REQUEST)
        try:
            follow = await door.fetch(job)
        except NoKey:
            return no_key(lang_of(job.language))
        ending = await relay(follow, Reporter(ctx.report_progress), keep=door.keep)
        return await picture_result(ending)
