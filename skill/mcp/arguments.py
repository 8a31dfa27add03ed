"""A tool call's arguments, read the way a person would mean them, before anything is sent.

An agent may write "nano banana pro", "4k" or "16：9": each is taken for what it plainly
names. What is still wrong after that is left to the core's own checks, which refuse it in
the person's language before anything is created (an empty request, too many pictures, a file
that is not a picture, a link that is not https, a ratio the model does not offer). Only the
model, which the core would otherwise take from the words, is checked here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from skill import catalog

__all__ = ["MODEL_NAMES", "Choices", "read_choices", "read_language", "read_model"]

#: The ``model`` argument's values, as the tool schema lists them.
MODEL_NAMES: tuple[str, ...] = tuple(info.display_name for info in catalog.MODELS.values())
#: "16:9", "16：9", "16/9", "16 x 9": two whole numbers with a separator.
_RATIO = re.compile(r"^\s*(\d{1,3})\s*[:：/xX×]\s*(\d{1,3})\s*$")
_LANGUAGES = {"zh": "zh", "en": "en", "auto": "auto"}


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


def read_model(value: str | None) -> str | None:
    """The catalog model id ``value`` names (display name or id, any case or spacing);
    ``None`` when nothing is given. :class:`UnknownModel` when it names no Nano Banana model."""
    if value is None or not value.strip():
        return None
    wanted = _squash(value)
    for info in catalog.MODELS.values():
        if wanted in (_squash(info.display_name), _squash(info.model_id)):
            return info.model_id
    raise UnknownModel(value)


class UnknownModel(ValueError):
    """The ``model`` argument names no Nano Banana model."""


def read_size(value: str | None) -> str | None:
    """``"4k"`` -> ``"4K"``; a size the catalog does not know is passed on as given (the
    product list decides, and its refusal names the sizes offered)."""
    if value is None or not value.strip():
        return None
    for size in catalog.SIZES:
        if value.strip().lower() == size.lower():
            return size
    return value.strip()


def read_ratio(value: str | None) -> str | None:
    """``"16：9"`` -> ``"16:9"``; anything else is passed on as given (refused later, with the
    ratios the model offers)."""
    if value is None or not value.strip():
        return None
    match = _RATIO.match(value)
    return f"{int(match[1])}:{int(match[2])}" if match else value.strip()


def read_language(value: str | None) -> str:
    """``"zh"``, ``"en"`` or ``"auto"`` (the request's own language); "zh-CN" is "zh"."""
    if value is None:
        return "auto"
    text = value.strip().lower().replace("_", "-")
    if text.startswith("zh"):
        return "zh"
    if text.startswith("en"):
        return "en"
    return _LANGUAGES.get(text, "auto")


@dataclass(frozen=True)
class Choices:
    """The structured fields of a ``generate_image`` call, read."""

    model_id: str | None
    size: str | None
    aspect_ratio: str | None
    images: tuple[str, ...]


def read_choices(
    *,
    model: str | None,
    size: str | None,
    aspect_ratio: str | None,
    images: Sequence[str] | None,
) -> Choices:
    """Read every structured field; :class:`UnknownModel` for a model that is not ours."""
    return Choices(
        model_id=read_model(model),
        size=read_size(size),
        aspect_ratio=read_ratio(aspect_ratio),
        images=tuple(item.strip() for item in images or () if item and item.strip()),
    )
