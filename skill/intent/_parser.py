"""``parse``: one chat message (and any ``--image`` values) -> :class:`Intent`.

The message is folded (full-width -> half-width, one code point for one, so positions stay
aligned with what was written), then control words are cut out one kind at a time: URLs,
pixel sizes, ratios, sizes, orientation words, model names with their preference phrases,
budget and premium words, preference phrases that name no model, task words, and finally
request verbs at the start of a chunk. What is left, tidied, is the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from math import gcd

from skill.catalog import BUDGET_MODEL_ID, BUDGET_SIZE, MAX_PICTURES, MAX_SIZE, PREMIUM_MODEL_ID
from skill.intent import _lexicon as lx
from skill.intent._followup import read as read_followup
from skill.intent._model import (
    DEFAULT_EMOJI,
    IMAGE_TO_IMAGE,
    NOTICE_COUNT_CAPPED,
    NOTICE_IMAGE_REQUIRED,
    NOTICE_SIZE_CAPPED,
    NOTICE_UNSUPPORTED_MODEL,
    PREFERENCE_CLEAR,
    PREFERENCE_SAVE,
    SUBJECTS,
    TEXT_TO_IMAGE,
    Intent,
)
from skill.intent._subjects import find_subject

_PRO_ID = PREMIUM_MODEL_ID
_NB2_ID = BUDGET_MODEL_ID


class _Work:
    """The folded text and the original side by side; cutting one cuts the other.

    ``low`` is the folded text lowercased, kept in step, for the patterns compiled without
    IGNORECASE (see :meth:`cut_low`); None where lowercasing would not do what IGNORECASE
    does (it changes a length, as "İ" does, or the text holds "ı" or "ſ", which IGNORECASE
    matches as "i" and "s").
    """

    __slots__ = ("low", "norm", "orig")

    def __init__(self, orig: str) -> None:
        self.orig = orig
        self.norm = orig.translate(lx.FOLD)
        low = self.norm.lower()
        self.low: str | None = (
            low
            if len(low) == len(self.norm) and (low.isascii() or not ("ı" in low or "ſ" in low))
            else None
        )

    def cut(
        self,
        pattern: re.Pattern[str],
        keep: Callable[[re.Match[str]], bool] | None = None,
        *,
        on_low: bool = False,
    ) -> list[re.Match[str]]:
        """Replace every (kept) match of ``pattern`` with one :data:`CUT` mark; return them.
        ``on_low``: search the lowercased text (positions are the same)."""
        found: list[re.Match[str]] = []
        text = self.low if on_low and self.low is not None else self.norm
        for match in pattern.finditer(text):
            if match.end() > match.start() and (keep is None or keep(match)):
                found.append(match)
        if found:
            low = self.low
            norm_parts: list[str] = []
            orig_parts: list[str] = []
            low_parts: list[str] = []
            last = 0
            for match in found:
                start, end = match.span()
                norm_parts += (self.norm[last:start], lx.CUT)
                orig_parts += (self.orig[last:start], lx.CUT)
                if low is not None:
                    low_parts += (low[last:start], lx.CUT)
                last = end
            norm_parts.append(self.norm[last:])
            orig_parts.append(self.orig[last:])
            self.norm = "".join(norm_parts)
            self.orig = "".join(orig_parts)
            if low is not None:
                low_parts.append(low[last:])
                self.low = "".join(low_parts)
        return found

    def cut_low(
        self, name: str, keep: Callable[[re.Match[str]], bool] | None = None
    ) -> list[re.Match[str]]:
        """:meth:`cut` with the lexicon's pattern ``name``, compiled without IGNORECASE (a
        third of the compile time, on the first message that needs it), on the lowercased
        text; where that text is None, its IGNORECASE twin ``name_I`` on the folded text."""
        if self.low is None:
            return self.cut(getattr(lx, name + "_I"), keep)
        return self.cut(getattr(lx, name), keep, on_low=True)


def _clean_input(text: str) -> str:
    return lx.INVISIBLE.sub("", lx.JUNK.sub(" ", text))


def _take_urls(work: _Work) -> list[str]:
    return [match.group() for match in work.cut(lx.URL)]


def _pixel_size(long_side: int) -> tuple[str, bool]:
    for upto, size in lx.PIXEL_SIZE_STEPS:
        if long_side <= upto:
            return size, False
    return MAX_SIZE, long_side > lx.PIXEL_SIZE_4K_UPTO


def han_number(text: str) -> int:
    """A Chinese numeral up to 99 ("三", "十六", "二十一") as an int."""
    tens, _, ones = text.partition("十")
    if not _:
        return lx.HAN_DIGITS.get(text, 0)
    return lx.HAN_DIGITS.get(tens, 1) * 10 + lx.HAN_DIGITS.get(ones, 0)


def _ratio_sides(match: re.Match[str]) -> tuple[int, int]:
    if match.group("w") is not None:
        return int(match.group("w")), int(match.group("h"))
    return han_number(match.group("hw")), han_number(match.group("hh"))


def _is_ratio(match: re.Match[str]) -> bool:
    w, h = _ratio_sides(match)
    if w == 0 or h == 0 or match.group("time"):
        return False
    if match.group("kw"):  # "ratio 12:30" is a ratio whatever it looks like
        return max(w, h) <= lx.RATIO_MAX_SIDE
    if max(w, h) > lx.RATIO_MAX_SIDE or max(w, h) > lx.RATIO_MAX_ELONGATION * min(w, h):
        return False
    # "12:30", "9:45": clock times, not shapes ("十二比三十" is said of scores, not shapes).
    return not (h in lx.CLOCK_MINUTES or (match.group("h") or "").startswith("0"))


class _Sizes:
    """Collects size mentions: the first one said wins; anything above 4K is capped."""

    def __init__(self) -> None:
        self.size: str | None = None
        self.capped = False

    def add(self, size: str | None, capped: bool = False) -> None:
        if self.size is None and size is not None:
            self.size = size
            self.capped = capped


def _k(match: re.Match[str]) -> int:
    digits = match.group("k")
    return int(digits) if digits is not None else han_number(match.group("hk"))


def _size_k(match: re.Match[str]) -> bool:
    k = _k(match)
    return k in lx.SIZE_K_VALUES or lx.SIZE_K_CAP_FROM <= k <= lx.SIZE_K_CAP_UPTO


def _orientation(match: re.Match[str]) -> str | None:
    for group, ratio in lx.ORIENT_RATIOS.items():
        if match.group(group):
            return ratio
    return None


def _standalone(work: _Work) -> Callable[[re.Match[str]], bool]:
    """Keep "landscape"/"portrait"/"square" only when qualified or said on their own."""

    def keep(match: re.Match[str]) -> bool:
        if match.group("qual") or match.group("make"):
            return True
        text = work.norm
        window = lx.TAIL_WINDOW  # only the neighbourhood matters; no copies of long text
        before = text[max(0, match.start() - window) : match.start()].rstrip(" \t")
        after = text[match.end() : match.end() + window].lstrip(" \t")
        opens = not before or before[-1] in lx.CHUNK_EDGE or match.group().lower().startswith("in ")
        closes = not after or after[0] in lx.CHUNK_EDGE
        return opens and closes

    return keep


def _plausible_pixels(match: re.Match[str]) -> bool:
    return int(match.group("w")) >= 64 <= int(match.group("h"))


def _numeral_before(text: str, mark: str, numerals: str, *, spaces: bool) -> bool:
    """Whether one of ``numerals`` stands right before a ``mark`` in ``text`` (or before
    the spaces in front of it, with ``spaces``)."""
    at = text.find(mark)
    while at > 0:
        last = (text[:at].rstrip() if spaces else text[:at])[-1:]
        if last and last in numerals:
            return True
        at = text.find(mark, at + 1)
    return False


def _take_numbers(work: _Work, sizes: _Sizes, low: str) -> str | None:
    """Cut pixel sizes, ratios and sizes; record sizes; return the ratio said, if any.
    ``low`` is the message lowercased, for the gates."""
    ratio: str | None = None
    pixels = work.cut(lx.PIXELS, _plausible_pixels) if lx.MAY_PIXELS.search(low) else []
    for match in pixels:
        w, h = int(match.group("w")), int(match.group("h"))
        sizes.add(*_pixel_size(max(w, h)))
        if ratio is None:
            d = gcd(w, h)
            ratio = f"{w // d}:{h // d}"
    if ":" in work.norm or "比" in work.norm:
        # "十六比九" needs its own alternatives (as costly to compile as the rest): only when
        # a Chinese numeral stands right before 比.
        han = _numeral_before(work.norm, "比", lx.HAN_NUMERALS, spaces=False)
        explicit = work.cut_low("RATIO_HAN" if han else "RATIO", _is_ratio)
        if explicit:
            w, h = _ratio_sides(explicit[0])
            ratio = f"{w}:{h}"
    size_k: list[re.Match[str]] = []
    if "k" in work.norm or "K" in work.norm:
        # "四K" likewise: only when one of its numerals stands before a K.
        han = _numeral_before(low, "k", lx.SIZE_K_HAN_DIGITS, spaces=True)
        size_k = work.cut_low("SIZE_K_HAN" if han else "SIZE_K", _size_k)
    for match in size_k:
        k = _k(match)
        sizes.add(lx.SIZE_K_VALUES.get(k, MAX_SIZE), k not in lx.SIZE_K_VALUES)
    size_px = work.cut(lx.SIZE_PX) if lx.MAY_SIZE_PX.search(low) else []
    for match in size_px:
        if match.group("n"):
            sizes.add(lx.SIZE_PX_VALUES[int(match.group("n"))])
        else:
            p_size = lx.SIZE_P_VALUES[int(match.group("p"))]
            sizes.add(MAX_SIZE if p_size == "8K" else p_size, p_size == "8K")
    return ratio


def parse(text: str, images: Sequence[str] = ()) -> Intent:
    """Understand one chat message (Chinese, English or both) and any ``--image`` values.

    Pure: no I/O, no clock. Never raises for any ``str``.
    """
    work = _Work(_clean_input(text if isinstance(text, str) else ""))
    said = work.norm  # the whole message, for the follow-up reading

    # Input images: --image values first, then URLs in the text, without repeats.
    given = [v.strip() for v in images if isinstance(v, str) and v.strip()]
    urls = _take_urls(work) if "://" in work.norm else []
    input_images = tuple(dict.fromkeys([*given, *urls]))
    # The gates look at the message once lowercased (see the lexicon): cuts only ever take
    # text away, so what a gate sees here is more than what is left when it is asked.
    low = work.norm.lower()
    has_han = lx.has_han(work.norm)
    has_latin = lx.LATIN.search(low) is not None
    has_digit = lx.DIGIT.search(work.norm) is not None
    language = "zh" if has_han else "en"

    # Ratio and size. An explicit ratio beats a pixel size, which beats an orientation word.
    sizes = _Sizes()
    ratio: str | None = None
    # Chinese numerals ("十六比九", "四K") need no digit: 比 or K is enough to look.
    if has_digit or (has_han and ("比" in work.norm or "k" in low)):
        ratio = _take_numbers(work, sizes, low)
    orient: list[re.Match[str]] = []
    if has_han:
        orient += work.cut_low("ORIENT_ZH")
    if has_latin and lx.MAY_ORIENT_EN.search(low):
        orient += work.cut(lx.ORIENT_EN)
    if has_latin and lx.MAY_ORIENT_AMBIGUOUS.search(low):
        orient += work.cut(lx.ORIENT_EN_AMBIGUOUS, _standalone(work))
    shapes = [m for m in orient if not m.group("not")]
    ratio_refused = len(shapes) < len(orient)  # "不要竖图": not that shape
    if ratio is None and shapes:
        ratio = _orientation(min(shapes, key=lambda m: m.start()))
    if ratio is None and has_latin and lx.MAY_ORIENT_AMBIGUOUS.search(low):
        said_shape = lx.ORIENT_PICTURE.search(work.norm)
        if said_shape is not None:
            ratio = _orientation(said_shape)
    if ratio is None and "square" in low and lx.SQUARE_PICTURE.search(work.norm):
        ratio = lx.ORIENT_RATIOS["square"]

    # Models, and the preference phrases around them.
    model_id: str | None = None
    model_save = False
    other: str | None = None
    if lx.MAY_NAME_MODEL.search(low):
        if work.low is None:
            models = work.cut(lx.model_pattern(low, ignore_case=True), _names_model)
        else:
            models = work.cut(lx.model_pattern(work.low), _names_model, on_low=True)
        for match in models:
            if match.group("neg"):
                continue
            if match.group("other"):
                other = _other_display_name(match.group("other"))
                continue
            model_id = _PRO_ID if match.group("pro") else _NB2_ID
            # For this picture, unless lasting words say so, or "用 Pro" is the whole message.
            model_save = bool(
                match.group("save")
                or match.group("deft")
                or (match.group("use") and not match.group("once") and _alone(match))
            )

    # Budget and premium words.
    budget = premium = value_lead = False
    value_model: str | None = None
    if lx.MAY_VALUE.search(low):
        for match in work.cut(lx.VALUE, _value_keep(work)):
            value_lead = value_lead or bool(match.group("lead"))
            if match.group("budget"):
                budget, value_model = True, _NB2_ID
            else:
                premium, value_model = True, _PRO_ID
    cleared = bool(lx.MAY_CLEAR.search(low) and work.cut(lx.CLEAR))
    if lx.MAY_SAVE_ALONE.search(low) and work.cut_low("SAVE_ALONE"):
        model_save = True

    # How many pictures.
    count, count_capped = _take_count(work, low, has_han=has_han, has_latin=has_latin)

    # Task words; edit wording (kept in the prompt: it is the instruction).
    task_words = work.cut(lx.TASK_WORDS) if lx.MAY_TASK_WORDS.search(low) else []
    wants_edit = any(m.group("i2i") for m in task_words) or bool(lx.EDIT.search(work.norm))

    if has_han:
        work.cut_low("ZH_REQUEST")
    if has_latin and lx.MAY_EN_REQUEST.search(work.norm):
        work.cut_low("EN_REQUEST")
    prompt = _finish_prompt(work.orig)

    # Decide.
    preference: str | None = None
    named_model = model_id
    if model_id is not None:
        preference = PREFERENCE_SAVE if model_save else None
    elif (value_model is not None and value_lead) or cleared:
        preference = PREFERENCE_CLEAR
    if model_id is None:
        model_id = value_model
    size, capped = sizes.size, sizes.capped
    if size is None and budget and model_id != _PRO_ID:
        size = BUDGET_SIZE

    task_type = IMAGE_TO_IMAGE if input_images or wants_edit else TEXT_TO_IMAGE
    notices: list[str] = []
    if wants_edit and not input_images:
        notices.append(NOTICE_IMAGE_REQUIRED)
    unsupported = other if model_id is None and other is not None else None
    if unsupported is not None:
        notices.append(NOTICE_UNSUPPORTED_MODEL)
    if capped:
        notices.append(NOTICE_SIZE_CAPPED)
    if count_capped:
        notices.append(NOTICE_COUNT_CAPPED)

    changes: dict[str, object] = {}
    if model_id is not None:
        changes["model_id"] = model_id
    if size is not None:
        changes["size"] = size
    if ratio is not None or ratio_refused:
        changes["aspect_ratio"] = ratio
    if named_model is None and cleared and lx.OTHER_MODEL_WORDS.search(said):
        changes["other_model"] = True
    followup = read_followup(
        said,
        prompt=prompt,
        changes=changes,
        count=count,
        preference=preference,
        value_words=budget or premium,
        has_images=bool(input_images),
    )

    subject = find_subject(prompt.translate(lx.FOLD)) if prompt else None
    return Intent(
        task_type=task_type,
        model_id=model_id,
        size=size,
        aspect_ratio=ratio,
        prompt=prompt,
        input_images=input_images,
        language=language,
        preference=preference,
        notices=tuple(notices),
        subject=subject,
        emoji=SUBJECTS[subject] if subject else DEFAULT_EMOJI,
        budget=budget,
        premium=premium,
        unsupported_model=unsupported,
        followup=followup,
        count=count,
    )


def _alone(match: re.Match[str]) -> bool:
    """Whether the model's words are the whole message ("用 Pro", "use Pro!"): nothing else
    was said, nor cut out before (a ratio, a size)."""
    text = match.string
    rest = text[: match.start()] + text[match.end() :]
    return lx.CUT not in rest and lx.ALONE_REST.fullmatch(rest) is not None


def _count_of(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("n"):
        return int(groups["n"])
    if groups.get("hn"):
        return han_number(groups["hn"])
    return lx.EN_NUMBERS.get(" ".join((groups.get("wn") or "").lower().split()), 1)


def _several(match: re.Match[str]) -> bool:
    # "一张" is left where it always was (in the prompt, or cut with the request verb).
    return _count_of(match) >= 2


def _take_count(work: _Work, low: str, *, has_han: bool, has_latin: bool) -> tuple[int, bool]:
    """Cut "三张", "4 versions"; return how many pictures (at most MAX_PICTURES) and whether
    more were asked for. The first number said wins."""
    found: list[re.Match[str]] = []
    if has_han and any(word in work.norm for word in lx.COUNT_ZH_WORDS):
        found += work.cut(lx.COUNT_ZH, _several)
    if has_latin and lx.MAY_COUNT_EN.search(low):
        found += work.cut(lx.COUNT_EN, _several)
    if not found:
        return 1, False
    asked = _count_of(min(found, key=lambda m: m.start()))
    return min(asked, MAX_PICTURES), asked > MAX_PICTURES


def _names_model(match: re.Match[str]) -> bool:
    # A bare 香蕉 is a banana to draw; with a lead ("用香蕉") or a tail ("香蕉模型")
    # it is the model.
    name = match.group("nb2")
    if name is not None and lx.BARE_BANANA.fullmatch(name):
        return bool(
            match.group("save")
            or match.group("use")
            or match.group("switch")
            or match.group("once")
            or match.group("neutral")
            or match.group("tail")
        )
    return True


def _other_display_name(name: str) -> str:
    for display, pattern in lx.OTHER_MODELS:
        # Compiled on first use and kept by `re`'s own cache: few messages name such a model.
        if re.fullmatch(pattern, name, re.IGNORECASE):
            return display
    return name.strip()


def _value_keep(work: _Work) -> Callable[[re.Match[str]], bool]:
    def keep(match: re.Match[str]) -> bool:
        word = (match.group("premium") or "").lower()
        if word not in lx.VALUE_NEEDS_CONTEXT or match.group("lead") or match.group("tail"):
            return True
        return bool(lx.VALUE_END.match(work.norm, match.end()))

    return keep


def _join_cut(match: re.Match[str]) -> str:
    text = match.string
    start, end = match.span()
    if start == 0 or end == len(text):
        return ""
    # Between two Chinese characters a removed word leaves nothing; elsewhere, a space.
    return "" if text[start - 1] >= "\u2e80" and text[end] >= "\u2e80" else " "


def _strip_tail(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text, max(0, len(text) - lx.TAIL_WINDOW))
    return text[: match.start()] if match else text


def _finish_prompt(text: str) -> str:
    text = lx.WHITESPACE.sub(" ", text)
    text = lx.CUT_RUN.sub(_join_cut, text)
    text = lx.EMPTY_BRACKETS.sub("", text)
    text = lx.PUNCT_RUN.sub(r"\1", text)
    text = lx.SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = lx.SPACE_AFTER_WIDE_PUNCT.sub(r"\1", text)
    for _ in range(4):  # each pass can expose another edge word; four is plenty
        before = text
        text = text.strip(lx.EDGE_CHARS)
        # Each pattern below is anchored at one end: a look at that end skips it cheaply
        # (this runs on every message, twice at least).
        if ":" in text or "：" in text:
            text = lx.LABEL.sub("", text)
        text = _strip_tail(lx.TRAILING_POLITE, text)
        if text[:1].isascii():
            text = lx.LEADING_FUNCTION.sub("", text)
        if text[-1:].isascii():
            text = _strip_tail(lx.TRAILING_FUNCTION, text)
        if text[:1] in lx.EDGE_PARTICLE_CHARS:
            text = lx.EDGE_PARTICLE.sub("", text)
        if text[:1] in lx.MEASURE_CHARS:
            text = lx.DANGLING_MEASURE.sub("", text)
        if text == before:
            break
    if not lx.MEANINGFUL.search(text) or lx.GENERIC_ONLY.fullmatch(text):
        return ""
    return text
