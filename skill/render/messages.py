"""The message records: what the person is told, as data. Templates turn them into text.

Python code holds no sentence: it builds one of these records and :class:`~skill.render.Renderer`
renders the template of its kind (:func:`kind_of`, exhaustive under mypy: a record kind that no
template renders fails the type check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NoReturn

from skill.render._ack import Ack, ResumeFound

if TYPE_CHECKING:
    from skill.reasons import Reason


@dataclass(frozen=True)
class AskPrompt:
    """Nothing to draw was said: ask what to draw."""


@dataclass(frozen=True)
class AskImage:
    """An edit was asked for without an image: ask for it."""


NoticeKind = Literal[
    "size_capped", "unsupported_model", "preference_saved", "preference_cleared", "count_capped"
]


@dataclass(frozen=True)
class Notice:
    """A line under the start notice."""

    kind: NoticeKind
    #: The model asked for (unsupported_model) or saved (preference_saved), as a display name.
    name: str | None = None


@dataclass(frozen=True)
class Start:
    """Step 1: model, expected time, credits."""

    model_name: str
    eta_s: tuple[int, int]
    credits: int
    size: str | None = None
    notices: tuple[Notice, ...] = ()
    #: Several pictures: ``credits`` is the price of one, the notice says the total.
    count: int = 1


@dataclass(frozen=True)
class Progress:
    """Step 2: one progress message."""

    percent: int
    elapsed_s: int
    estimated_max_s: int
    overdue: bool = False
    #: Well past the estimate: a single "still working" note instead of a percentage.
    still_working: bool = False
    #: Several pictures: how many, and how many are done so far.
    count: int = 1
    made: int = 0


@dataclass(frozen=True)
class Success:
    """Step 3: the caption of the image."""

    model_name: str
    eta_s: tuple[int, int]
    elapsed_s: int
    credits: int
    url: str
    #: The saved file, shown only where the reader is at this machine (a terminal).
    path: str | None = None
    #: Several pictures: which one this is (1-based), of how many.
    index: int | None = None
    count: int = 1


@dataclass(frozen=True)
class Alternative:
    """One suggestion after a failure, priced from the live product list."""

    model_name: str
    #: "premium" or "balanced" (catalog tier): chooses the trait words.
    tier: str
    points_min: int
    points_max: int
    #: Set for "the same model at another size" and for a cheaper option.
    size: str | None = None
    #: The cheapest option that costs less than the one that failed (too few points).
    cheaper: bool = False


@dataclass(frozen=True)
class Failure:
    """Step 4: what went wrong, in plain words, and what to try instead."""

    reason: Reason
    alternatives: tuple[Alternative, ...] = ()
    #: The ratios or sizes the model offers (unsupported option refusals).
    offered: tuple[str, ...] = ()
    #: "aspect_ratio" or "size" for unsupported option refusals.
    field: str | None = None
    #: For those refusals: the value asked for, and the other Nano Banana model that offers it.
    asked: str | None = None
    offered_by: str | None = None
    #: InvalidImage.why ("missing", "not_image", "too_large", "unsupported_type", "not_https",
    #: "too_many") for image refusals.
    image_problem: str | None = None
    #: The task exists and may still finish (client-side timeout, lost connection).
    may_still_arrive: bool = False
    #: Refused before anything was created (a ratio not offered, a broken picture): nothing
    #: was generated or charged, so the message does not say that generation failed.
    not_started: bool = False
    #: No key is set up at all (rather than a key the service refused).
    no_key: bool = False
    #: The description is longer than this many characters (refused, nothing cut).
    too_long: int | None = None
    #: Several pictures: which one failed (1-based), of how many.
    index: int | None = None
    count: int = 1


@dataclass(frozen=True)
class FollowupNothing:
    """A follow-up that cannot be carried out: nothing to follow (``why`` "nothing"), no such
    alternative ("no_offer") or nothing worth trying again ("not_retryable"). ``kind`` is the
    follow-up's kind."""

    why: str
    kind: str | None = None
    choice: int | None = None


@dataclass(frozen=True)
class Summary:
    """The last word of several pictures: how many were made."""

    count: int
    made: int


@dataclass(frozen=True)
class DemoBanner:
    """The first lines of ``demo``: this is a simulation, and what the person said."""

    speed: float
    #: The chat message the demo answers, shown as the person's own line.
    said: str = ""


@dataclass(frozen=True)
class ResumeNothing:
    """Nothing to resume: no pending task (``asked_for`` False) or an unknown task id; or
    (``gone``) the service no longer knows the journal's task, so it will never arrive; or
    (``unconfirmed``) the last request's answer was lost, so there is no task to look up."""

    asked_for: bool = False
    gone: bool = False
    unconfirmed: bool = False


Stage = Literal["not_started", "starting", "started"]


@dataclass(frozen=True)
class Interrupted:
    """SIGINT or SIGTERM ended the wait. ``stage`` says whether the picture may still come."""

    stage: Stage


@dataclass(frozen=True)
class Hint:
    """One line on a terminal for a failure: the reason's sentence (the technical detail, for
    whoever runs the command, is added after it by the caller)."""

    reason: Reason
    no_key: bool = False
    #: As for :class:`Failure`: what the model offers, and what is wrong with a picture.
    offered: tuple[str, ...] = ()
    field: str | None = None
    image_problem: str | None = None


@dataclass(frozen=True)
class Queued:
    """A bot's message waits for its turn: ``place`` 1 is next (others are being served)."""

    place: int


ControlKind = Literal["choice", "not_yours"]


@dataclass(frozen=True)
class Control:
    """A bot's button: ``choice`` is an alternative offered after a failure (its label);
    ``not_yours`` the short note for someone who pressed a button meant for another person."""

    kind: ControlKind
    alternative: Alternative | None = None


#: What ``serve <platform> --check`` found: a setting missing (``name`` the variable), an
#: address refused, the platform refusing the credentials or out of reach, the store out of
#: reach, or everything ready (``detail``: the bot's name on the platform).
CheckProblem = Literal[
    "missing", "refused_url", "unreachable", "credentials_refused", "no_bot", "store", "ready"
]


@dataclass(frozen=True)
class ServeCheck:
    """One line of ``serve --check``, for whoever runs the bot (a terminal, not a chat)."""

    problem: CheckProblem
    #: The variable concerned (a name, never its value).
    name: str | None = None
    #: The bot's name (``ready``).
    detail: str | None = None


ButtonKind = Literal["again", "portrait", "landscape", "model", "offer"]


@dataclass(frozen=True)
class ButtonLabel:
    """The label of a button under a bot's picture: a follow-up in one press."""

    kind: ButtonKind
    #: "model": the model it makes the picture again with; "offer": the alternative's model.
    model_name: str | None = None
    #: "offer": the alternative's size, when it is "the same model at another size".
    size: str | None = None


BotNoteKind = Literal["not_yours", "stale_button", "unknown_command", "full_picture"]


@dataclass(frozen=True)
class BotNote:
    """A short line of a bot's own: a button pressed by someone else, a button that no longer
    works, a command it does not know, the title of a picture shown by its link."""

    kind: BotNoteKind


CommandHelpPart = Literal["imagine", "prompt", "model", "size", "ratio", "image", "ratio_choice"]


@dataclass(frozen=True)
class CommandHelp:
    """A slash command's description, an option's, or a ratio choice's name (``ratio``)."""

    part: CommandHelpPart
    ratio: str | None = None


UsageProblem = Literal[
    "endpoint_refused",
    "text_env_unset",
    "not_positive",
    "not_a_folder",
    "task_type_required",
    "prompt_required",
    "extra_params_json",
    "extra_params_object",
    "images_need_i2i",
    "i2i_needs_images",
    "mcp_token_required",
]


@dataclass(frozen=True)
class Usage:
    """A command line that cannot be run as given, in one line."""

    problem: UsageProblem
    #: The flag or variable concerned (a name, never a value the person typed).
    name: str | None = None


Message = (
    Ack
    | AskPrompt
    | AskImage
    | Start
    | Progress
    | Success
    | Failure
    | DemoBanner
    | ResumeFound
    | ResumeNothing
    | Interrupted
    | Hint
    | Usage
    | FollowupNothing
    | Summary
    | Queued
    | Control
    | ServeCheck
    | ButtonLabel
    | BotNote
    | CommandHelp
)
MessageKind = Literal[
    "ack",
    "ask_prompt",
    "ask_image",
    "start",
    "progress",
    "success",
    "failure",
    "demo",
    "resume_found",
    "resume_nothing",
    "resume_interrupted",
    "hint",
    "usage",
    "followup_nothing",
    "summary",
    "queued",
    "control",
    "serve_check",
    "button_label",
    "bot_note",
    "command_help",
]


def assert_never(value: NoReturn) -> NoReturn:
    """Exhaustiveness check for ``match`` (``typing.assert_never`` is 3.11+; we support 3.10)."""
    raise AssertionError(f"unhandled message: {value!r}")


def kind_of(message: Message) -> MessageKind:
    """The template name of a message (also the kind of its safe fallback)."""
    match message:
        case Ack():
            return "ack"
        case AskPrompt():
            return "ask_prompt"
        case AskImage():
            return "ask_image"
        case Start():
            return "start"
        case Progress():
            return "progress"
        case Success():
            return "success"
        case Failure():
            return "failure"
        case DemoBanner():
            return "demo"
        case ResumeFound():
            return "resume_found"
        case ResumeNothing():
            return "resume_nothing"
        case Interrupted():
            return "resume_interrupted"
        case Hint():
            return "hint"
        case Usage():
            return "usage"
        case FollowupNothing():
            return "followup_nothing"
        case Summary():
            return "summary"
        case Queued():
            return "queued"
        case Control():
            return "control"
        case ServeCheck():
            return "serve_check"
        case ButtonLabel():
            return "button_label"
        case BotNote():
            return "bot_note"
        case CommandHelp():
            return "command_help"
        case _:
            assert_never(message)
