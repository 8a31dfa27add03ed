"""What a button press says: the follow-up a person would type for the same choice.

A bot's buttons under a failure offer its alternatives (``Job.offers``). Pressing one is the
same as typing "第二个" / "the second one" in the chat: the press becomes that text, answered
by :func:`skill.flow.message.answer` exactly as a typed follow-up is (the chat's memory knows
the offers), so buttons and words cannot drift apart. These are words the parser reads, never
shown to anyone; the parser takes them in either language.
"""

from __future__ import annotations

__all__ = ["MAX_CHOICES", "choice_text"]

#: The follow-up words for each alternative, in each language (1 is the first alternative).
_WORDS = {
    "zh": ("第一个", "第二个"),
    "en": ("the first one", "the second one"),
}
#: How many alternatives a button can take (the follow-ups name the first and the second).
MAX_CHOICES = len(_WORDS["en"])


def choice_text(choice: int, lang: str) -> str:
    """The words that take alternative ``choice`` (1-based), in ``lang`` ("zh" or "en")."""
    if not 1 <= choice <= MAX_CHOICES:
        raise ValueError(f"there is no alternative number {choice}")
    return _WORDS["zh" if lang == "zh" else "en"][choice - 1]
