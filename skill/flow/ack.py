"""Step 0, the acknowledgement: from what is cheap, before anything reaches the network.

The first reply needs only the parser, the renderer and, for a message that only sets the
model for next time, the preference file; for a follow-up ("好的", "再来一张") also the chat's
memory and the claim "a generation is running" (:class:`Recall`: plain JSON and an ``flock``,
:class:`skill.store.chats.FileRecall`). Nothing here imports the IMA client, httpx or
pydantic, so ``run`` can print the acknowledgement while those are still loading. Every
front door builds its acknowledgement here; ``run`` prints it at once and tells
:func:`skill.flow.message.answer` that it was given.

The acknowledgement promises only what is known before the product list is read: the model
of an alternative taken, and a ratio or size only when every Nano Banana model offers it
(:data:`skill.catalog.ACK_RATIOS`, :data:`skill.catalog.ACK_SIZES`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from skill import catalog
from skill.events import Reply
from skill.flow.followup import Turn, decide, needs
from skill.intent import (
    NOTICE_IMAGE_REQUIRED,
    NOTICE_SIZE_CAPPED,
    NOTICE_UNSUPPORTED_MODEL,
    Intent,
    parse,
)
from skill.render import Ack, Lang, Renderer, ResumeFound, lang_of

if TYPE_CHECKING:
    from skill.store.prefs import PreferenceStore

__all__ = [
    "Acknowledgement",
    "Claim",
    "Recall",
    "Request",
    "acknowledge",
    "missing_input",
    "recalled",
    "with_choices",
]


#: The turn of a message that is a new picture.
NEW_PICTURE = Turn("new")


class Claim(Protocol):
    """A held claim "a generation is running" (:class:`skill.store.base.Lease`): the answer
    gives it up when it ends."""

    async def release(self) -> None: ...


class Recall(Protocol):
    """The chat's memory and the claim, read without the network or pydantic."""

    def last(self, chat_id: str, user_id: str) -> Mapping[str, Any] | None:
        """The person's last job in the chat, as plain JSON, or None."""
        ...

    def hold(self, chat_id: str, user_id: str) -> Claim | None:
        """The claim, or None when a generation is already running for them."""
        ...


class _Recalled:
    """A :class:`Recall` of what was already read (the async store of a front door)."""

    def __init__(self, memory: Mapping[str, Any] | None, claim: Claim | None, busy: bool) -> None:
        self._memory = memory
        self._claim = claim
        self._busy = busy

    def last(self, chat_id: str, user_id: str) -> Mapping[str, Any] | None:
        return self._memory

    def hold(self, chat_id: str, user_id: str) -> Claim | None:
        if self._busy:
            return None
        if self._claim is None:
            # Not taken here (the caller holds it, or the store could not keep one): the
            # generation goes ahead without it, as for a store with no place for claims.
            raise OSError("no claim taken for this answer")
        return self._claim


def recalled(memory: Mapping[str, Any] | None, claim: Claim | None, *, busy: bool) -> Recall:
    """A :class:`Recall` that gives ``memory`` and ``claim`` (None with ``busy``: someone
    holds it): what an async store read beforehand."""
    return _Recalled(memory, claim, busy)


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
    #: What the message does (:func:`skill.flow.followup.decide`), and whether it was decided
    #: with the chat's memory and the claim at hand (a :class:`Recall`): if not, and it needs
    #: them, :func:`skill.flow.message.answer` decides again with its store.
    turn: Turn = NEW_PICTURE
    recalled: bool = True
    #: The remembered job it was decided on (plain JSON), and the claim held for it (given
    #: up by the answer when it ends).
    memory: Mapping[str, Any] | None = None
    claim: Claim | None = None
    #: A saved choice the acknowledgement announced but could not write (a store that is not
    #: files): the answer writes it.
    choice_unwritten: bool = False

    @property
    def deferred(self) -> bool:
        """Made without the memory or the claim it needs: not to be given before the answer
        decides (``run`` then waits for it)."""
        return not self.recalled


def missing_input(intent: Intent) -> str | None:
    """What the person still has to give before anything can be made: "prompt", "image",
    "shorter" (a description over :data:`skill.catalog.MAX_PROMPT_CHARS`) or None.

    The acknowledgement and the refusal both follow it, so the first reply never promises a
    picture that the next one has to ask about.
    """
    if not intent.prompt.strip():
        return "prompt"
    if len(intent.prompt) > catalog.MAX_PROMPT_CHARS:
        return "shorter"
    wants_edit = intent.task_type == "image_to_image" or NOTICE_IMAGE_REQUIRED in intent.notices
    if wants_edit and not intent.input_images:
        return "image"
    return None


def acknowledge(
    request: Request,
    *,
    prefs: Callable[[], PreferenceStore | None],
    renderer: Renderer,
    recall: Recall | None = None,
) -> Acknowledgement:
    """Parse the message, decide what it does and render the first reply; no network.

    ``prefs`` opens the preference file; it is called only for a message that sets or drops
    the model for next time with nothing to draw (the only first reply that writes a file).
    It may give ``None`` (a store that is not files): the answer then writes the choice.
    ``recall`` reads the chat's memory and takes the claim; without it, a message that needs
    them gets an acknowledgement marked :attr:`Acknowledgement.deferred`.
    """
    intent = with_choices(parse(request.text, request.images), request)
    lang = lang_of(request.lang if request.lang in ("zh", "en") else intent.language)
    missing = missing_input(intent)
    need_memory, need_claim = needs(intent, missing)
    memory: Mapping[str, Any] | None = None
    claim: Claim | None = None
    busy = False
    if recall is not None:
        if need_claim:
            claim, busy = _claim(recall, request)
        if need_memory and not busy:
            memory = recall.last(request.chat_id, request.user_id)
    busy_turn = Turn("say", said="busy")
    turn = busy_turn if busy else decide(intent, memory, lang=lang, missing=missing)
    remembered, forgot, unwritten = (None, False, False)
    if turn.said == "saved":
        remembered, forgot, unwritten = _remember_only(intent, request.user_id, prefs())
    message = _ack(intent, turn, missing, remembered=remembered, forgot=forgot)
    if turn.action == "fetch" and turn.job is not None:
        text = renderer.render(_found(turn.job), lang)
    else:
        text = renderer.render(message, lang)
    return Acknowledgement(
        intent=intent,
        lang=lang,
        message=message,
        reply=Reply("ack", text=text, lang=lang),
        turn=turn,
        recalled=recall is not None or not (need_memory or need_claim),
        memory=memory,
        claim=claim,
        choice_unwritten=unwritten,
    )


def _claim(recall: Recall, request: Request) -> tuple[Claim | None, bool]:
    """The claim, and whether someone else holds it."""
    try:
        claim = recall.hold(request.chat_id, request.user_id)
    except OSError:
        # No place to keep the claim: the generation goes ahead without it (the journal
        # still never sends a create twice), rather than the person hearing nothing.
        return None, False
    return claim, claim is None


def _ack(
    intent: Intent, turn: Turn, missing: str | None, *, remembered: str | None, forgot: bool
) -> Ack:
    """The acknowledgement's record: what is known for sure before the product list."""
    ratio = intent.aspect_ratio if intent.aspect_ratio in catalog.ACK_RATIOS else None
    size = intent.size if intent.size in catalog.ACK_SIZES else None
    followup: str | None = None
    if turn.action == "make":
        followup = turn.how
    elif turn.said in ("declined", "busy"):
        followup = turn.said
    elif turn.said == "nothing":
        missing = missing or "prompt"  # nothing to follow: as for a message missing its words
    elif turn.action == "say" and turn.said != "saved":
        followup = "checking"
    return Ack(
        emoji=intent.emoji,
        subject=intent.subject,
        task_type=intent.task_type,
        aspect_ratio=ratio if turn.action == "new" else None,
        size=size if turn.action == "new" else None,
        missing=missing if turn.action == "new" or turn.said in ("saved", "nothing") else None,
        remembered=remembered,
        forgot=forgot,
        followup=followup,
        model_name=turn.model_name,
        offer_size=turn.size,
        count=turn.count,
    )


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


def _found(job: Mapping[str, Any]) -> ResumeFound:
    """The first reply of a fetch, from the remembered job as plain JSON."""
    plan = job.get("plan") if isinstance(job.get("plan"), dict) else {}
    name = (plan or {}).get("model_name") or ""
    delivered = job.get("status") == "delivered" and bool(job.get("media"))
    unconfirmed = not job.get("task_ids") and not delivered
    return ResumeFound(model_name=str(name), delivered=delivered, unconfirmed=unconfirmed)


def _remember_only(
    intent: Intent, user: str, prefs: PreferenceStore | None
) -> tuple[str | None, bool, bool]:
    """A message that only sets the model for next time ("以后都用 Pro", "用默认的"), with
    nothing to draw: keep or drop the choice now, for every task type, since no picture
    will come from this message to carry it. Local files only: no network before the ack.

    Returns the remembered model's name, whether a saved choice was dropped, and whether it
    is still to be written (``prefs`` is None: a store that is not files; the answer does it).
    """
    model_id = intent.model_id or ""
    saving = intent.preference == "save" and catalog.is_nano_banana(model_id)
    name = catalog.model_info(model_id).display_name if saving else None
    clearing = intent.preference == "clear"
    if prefs is None:
        return name, clearing, saving or clearing
    try:
        if saving and name is not None:
            for task_type in catalog.TASK_TYPES:
                prefs.save(user, task_type, model_id=model_id, model_name=name, credit=None)
        elif clearing:
            prefs.clear(user)
    except OSError:
        import logging  # only on this path: the first reply does not pay for logging

        logging.getLogger("skill.flow").warning(
            "could not update the saved preference", exc_info=True
        )
    return name, clearing, False
