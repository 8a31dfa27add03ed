"""Properties that hold for any text: parse never raises and always keeps the contract."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.catalog import MAX_PICTURES
from skill.intent import DEFAULT_EMOJI, FOLLOWUP_KINDS, NOTICES, SUBJECTS, Intent, parse

TASKS = {"text_to_image", "image_to_image"}
MODELS = {None, "gemini-3.1-flash-image", "gemini-3-pro-image"}
SIZES = {None, "512px", "1K", "2K", "4K"}
RATIO = re.compile(r"[1-9]\d*:[1-9]\d*")

# Words the parser knows, so generated messages hit its branches, not only random noise.
WORDS = [
    "画", "一只", "猫", "帮我", "用", "Pro", "nano banana", "NB2", "香蕉", "4K", "8k", "512",
    "16:9", "16：9", "3比4", "横屏", "竖版", "landscape", "portrait", "square", "1920x1080",
    "最便宜", "最好的", "best quality", "cheap", "以后都用", "默认", "推荐一个", "use",
    "always use", "draw", "generate an image of", "a cat", "this photo", "把这张图", "变成油画",
    "Midjourney", "flux", "不要用", "don't use", "https://x.test/a.png", "http://y.test/b",
    "好的", "ok", "第二个", "the second one", "再来一张", "one more", "换成", "算了", "上一张图呢",
    "三张", "4 versions", "十六比九", "四K", "不要竖图", "这次", "把它", "make it",
    "，", ",", "!", "。", " ", "  ", "\n", "\x00", "\u200b", "🐱", "的", "in", "at", "12:30",
]  # fmt: skip
chatty = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=14).map("".join)
anything = st.text() | chatty | st.text(alphabet=st.characters(codec="utf-8"), max_size=50)
images = st.lists(st.text(max_size=20) | st.just("https://x.test/a.png"), max_size=3)


def assert_contract(intent: Intent) -> None:
    data = intent.to_json()
    assert list(data) == [
        "task_type", "model_id", "size", "aspect_ratio", "prompt", "input_images",
        "language", "preference", "notices", "followup", "count",
    ]  # fmt: skip
    assert data["task_type"] in TASKS
    assert data["model_id"] in MODELS
    assert data["size"] in SIZES
    assert data["aspect_ratio"] is None or RATIO.fullmatch(str(data["aspect_ratio"]))
    assert isinstance(data["prompt"], str)
    assert data["prompt"] == data["prompt"].strip()
    assert "\x00" not in intent.prompt
    assert isinstance(data["input_images"], list)
    assert all(isinstance(i, str) and i for i in intent.input_images)
    assert len(set(intent.input_images)) == len(intent.input_images)
    assert data["language"] in {"zh", "en"}
    assert data["preference"] in {None, "save", "clear"}
    assert list(intent.notices) == [n for n in NOTICES if n in intent.notices]
    assert intent.subject is None or intent.subject in SUBJECTS
    assert intent.emoji == (SUBJECTS[intent.subject] if intent.subject else DEFAULT_EMOJI)
    assert ("unsupported_model" in intent.notices) == (intent.unsupported_model is not None)
    if intent.unsupported_model is not None:
        assert intent.model_id is None
    if intent.input_images:
        assert intent.task_type == "image_to_image"
    assert ("image_required" in intent.notices) == (
        intent.task_type == "image_to_image" and not intent.input_images
    )
    assert 1 <= data["count"] <= MAX_PICTURES
    assert ("count_capped" in intent.notices) <= (data["count"] == MAX_PICTURES)
    followup = data["followup"]
    if followup is not None:
        assert list(followup) == ["kind", "choice", "changes"]
        assert followup["kind"] in FOLLOWUP_KINDS
        assert followup["choice"] in ({1, 2} if followup["kind"] == "choose" else {None})
        assert set(followup["changes"]) <= {"model_id", "size", "aspect_ratio", "other_model"}
        assert not intent.input_images  # a picture given makes it a new request
    # The JSON line the CLI prints must encode and decode.
    line = json.dumps(data, ensure_ascii=False)
    assert json.loads(line.encode("utf-8").decode("utf-8")) == data


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=anything, given_images=images)
def test_any_text_gives_a_contract_valid_intent(text: str, given_images: list[str]) -> None:
    assert_contract(parse(text, given_images))


@given(text=chatty)
def test_urls_that_became_input_images_leave_the_prompt(text: str) -> None:
    intent = parse(text)
    for url in intent.input_images:
        assert url not in intent.prompt
    assert "http://" not in intent.prompt
    assert "https://" not in intent.prompt


@given(text=chatty)
def test_the_prompt_alone_asks_for_nothing_new(text: str) -> None:
    # Parsing the cleaned prompt again finds no images and no new size: the control words
    # that set them are gone from it.
    intent = parse(text)
    again = parse(intent.prompt)
    assert again.input_images == ()
    assert "size_capped" not in again.notices


@given(text=chatty)
def test_parse_is_deterministic(text: str) -> None:
    assert parse(text) == parse(text)


@given(text=chatty, extra=st.sampled_from(["  ", "\n", "\u200b", "\x07"]))
def test_invisible_and_extra_whitespace_do_not_change_the_task(text: str, extra: str) -> None:
    base, padded = parse(text), parse(extra + text + extra)
    assert (padded.model_id, padded.size, padded.aspect_ratio) == (
        base.model_id,
        base.size,
        base.aspect_ratio,
    )


@given(image=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_an_image_flag_always_means_image_to_image(image: str) -> None:
    intent = parse("画一只猫", [image])
    assert intent.task_type == "image_to_image"
    assert intent.input_images[0] == image.strip()


def test_very_long_input() -> None:
    text = ("用 Pro 画一只戴墨镜的柴犬,16:9,4K https://x.test/a.png " * 200)[:10_000]
    intent = parse(text)
    assert_contract(intent)
    assert intent.model_id == "gemini-3-pro-image"
    assert len(intent.prompt) < len(text)


# Repeated runs are what once made patterns backtrack quadratically (a 10,000-space
# message took 26 s); each of these must stay fast enough not to be noticed here.
NOISE = ("a", "猫", "4", ":", " ", "\x00", "k", "x1", "pro ", "用 ", "pls ", "!", "the best ", "(")


def test_very_long_noise_is_handled() -> None:
    for chunk in NOISE:
        text = chunk * (10_000 // len(chunk))
        for variant in (text, text + "x", "x" + text):
            assert_contract(parse(variant))


def test_control_characters_and_emoji_only() -> None:
    assert_contract(parse("".join(chr(c) for c in range(32)) + "\x7f"))
    intent = parse("🎉🎉🎉")
    assert_contract(intent)
    assert intent.prompt == "🎉🎉🎉"
    assert parse("\ud800 lone surrogate \udcff").prompt == "lone surrogate"
