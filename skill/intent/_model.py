"""The parser's result: :class:`Intent`, the subject emoji table and the notice codes."""

from __future__ import annotations

from dataclasses import dataclass

from skill.intent._followup import Followup

#: Subject key -> emoji for the acknowledgement. The conversation's templates translate the
#: keys into nouns ("猫咪" / "a cat"), so this key set is a contract: do not add keys here alone.
SUBJECTS: dict[str, str] = {
    "cat": "🐱",
    "dog": "🐶",
    "bird": "🐦",
    "animal": "🐾",
    "landscape": "🏔️",
    "sea": "🌊",
    "flower": "🌸",
    "space": "🚀",
    "food": "🍔",
    "city": "🏙️",
    "portrait": "👤",
    "car": "🚗",
    "logo": "✏️",
    "robot": "🤖",
    "house": "🏠",
    "anime": "✨",
}
#: The acknowledgement's emoji when no subject is recognised.
DEFAULT_EMOJI = "🎨"

# Notice codes (``Intent.notices``), always listed in this order.
#: Edit wording ("把这张图变成油画", "make this photo look like…") but no image was given.
NOTICE_IMAGE_REQUIRED = "image_required"
#: A model outside the Nano Banana series was named (and no Nano Banana model was).
NOTICE_UNSUPPORTED_MODEL = "unsupported_model"
#: More than 4K was asked for (8K, 7680x4320): 4K is given instead.
NOTICE_SIZE_CAPPED = "size_capped"
#: More pictures than :data:`skill.catalog.MAX_PICTURES` were asked for: that many are made.
NOTICE_COUNT_CAPPED = "count_capped"
NOTICES: tuple[str, ...] = (
    NOTICE_IMAGE_REQUIRED,
    NOTICE_UNSUPPORTED_MODEL,
    NOTICE_SIZE_CAPPED,
    NOTICE_COUNT_CAPPED,
)

TEXT_TO_IMAGE = "text_to_image"
IMAGE_TO_IMAGE = "image_to_image"
PREFERENCE_SAVE = "save"
PREFERENCE_CLEAR = "clear"


@dataclass(frozen=True)
class Intent:
    """What one chat message asks for, before defaults and saved preferences are applied."""

    #: "text_to_image" | "image_to_image"
    task_type: str
    #: A catalog model id the words ask for, or None when they name none.
    model_id: str | None
    #: "512px" | "1K" | "2K" | "4K" | None
    size: str | None
    #: "W:H" as said (reduced for pixel sizes such as 1920x1080), or None.
    aspect_ratio: str | None
    #: What to draw, control words removed; "" when nothing describes a picture.
    prompt: str
    #: ``--image`` values first, then the http(s) URLs found in the text; no duplicates.
    input_images: tuple[str, ...]
    #: "zh" | "en"
    language: str
    #: "save" | "clear" | None
    preference: str | None
    #: Codes from :data:`NOTICES`, in that order.
    notices: tuple[str, ...]
    #: One key of :data:`SUBJECTS`, or None.
    subject: str | None
    #: The subject's emoji; :data:`DEFAULT_EMOJI` when there is no subject.
    emoji: str
    #: Budget words were used ("最便宜", "cheap").
    budget: bool
    #: Premium words were used ("最好的", "best quality").
    premium: bool
    #: The non-Nano-Banana model named, as a display name ("Midjourney"), else None.
    unsupported_model: str | None
    #: What the words say about the chat's last picture ("好的", "再来一张"), else None.
    followup: Followup | None = None
    #: How many pictures were asked for (1 unless said; at most MAX_PICTURES).
    count: int = 1

    def to_json(self) -> dict[str, object]:
        """The ``parse --json`` object of docs/contracts.md: exactly these keys, in this order
        (``followup`` and ``count`` were added last)."""
        return {
            "task_type": self.task_type,
            "model_id": self.model_id,
            "size": self.size,
            "aspect_ratio": self.aspect_ratio,
            "prompt": self.prompt,
            "input_images": list(self.input_images),
            "language": self.language,
            "preference": self.preference,
            "notices": list(self.notices),
            "followup": self.followup.to_json() if self.followup is not None else None,
            "count": self.count,
        }
