"""Rendering: every message kind and failure reason, in both languages, passes the never-say
guard; the guard catches real leaks; a leaking message falls back to the safe text."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill import catalog
from skill.events import REASONS
from skill.intent import SUBJECTS
from skill.render import (
    LANGS,
    Ack,
    Alternative,
    AskImage,
    AskPrompt,
    DemoBanner,
    Failure,
    Message,
    NeverSayViolation,
    Notice,
    Progress,
    Queued,
    Renderer,
    Start,
    Success,
    kind_of,
    violations,
)

R = Renderer()
ALTS = (
    Alternative("Nano Banana Pro", "premium", 10, 18),
    Alternative("Nano Banana 2", "balanced", 4, 4, size="512px"),
)
IMAGE_PROBLEMS = ("missing", "not_image", "too_large", "unsupported_type", "not_https", "too_many")


def every_message() -> list[Message]:
    messages: list[Message] = [Ack(emoji=e, subject=s) for s, e in SUBJECTS.items()] + [
        Ack(emoji="🎨"),
        Ack(emoji="🏔️", subject="landscape", aspect_ratio="16:9"),
        Ack(emoji="🎨", size="4K"),
        Ack(emoji="🎨", task_type="image_to_image"),
        Ack(emoji="🎨", task_type="image_to_image", aspect_ratio="9:16"),
        AskPrompt(),
        AskImage(),
        Start("Nano Banana 2", (20, 40), 6),
        Start(
            "Nano Banana Pro",
            (60, 120),
            18,
            size="4K",
            notices=(
                Notice("size_capped"),
                Notice("unsupported_model", "Midjourney"),
                Notice("unsupported_model"),
                Notice("preference_saved", "Nano Banana Pro"),
                Notice("preference_cleared"),
            ),
        ),
        Progress(37, 15, 40),
        Progress(95, 450, 120, overdue=True),
        Success("Nano Banana 2", (20, 40), 17, 6, "https://cdn.example.com/a/500/x.png"),
        Success("Nano Banana Pro", (60, 120), 95, 18, "http://127.0.0.1:1/x.png", "out/x.png"),
        DemoBanner(24),
    ]
    for reason in REASONS:
        messages.append(Failure(reason))
        messages.append(Failure(reason, alternatives=ALTS, may_still_arrive=True))
    messages += [Failure("invalid_image", image_problem=p) for p in IMAGE_PROBLEMS]
    messages += [
        Failure("unsupported_aspect_ratio", offered=("1:1", "16:9"), field="aspect_ratio"),
        Failure("bad_request", offered=("1K", "2K", "4K"), field="size"),
    ]
    return messages


MESSAGES = every_message()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{kind_of(m)}-{m!r}"[:60])
def test_every_message_renders_clean(message: Message, lang: str) -> None:
    text = R.render(message, lang, strict=True)
    assert text.strip()
    assert "{{" not in text
    assert "%(" not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_has_its_own_words(reason: str, lang: str) -> None:
    generic = R.render(Failure("unknown"), lang)
    text = R.render(Failure(reason), lang, strict=True)
    if reason not in ("unknown", "missing_image"):
        assert text != generic, reason


@pytest.mark.parametrize(
    ("reason", "zh", "en"),
    [
        ("unauthorized", "API密钥无效或未授权", "API key is invalid or unauthorized"),
        ("insufficient_points", "积分不足,无法创建任务", "Insufficient points to create this task"),
        ("invalid_attribute", "生成参数配置异常", "Configuration error, please try"),
        ("credit_mismatch", "积分计算异常,系统正在修复", "Points calculation error"),
        ("attribute_mismatch", "模型参数不匹配,请尝试其他模型", "Model parameters incompatible"),
        ("bad_request", "图片参数设置有误,请调整尺寸或比例", "Image parameter error"),
        ("generation_failed", "建议换个模型试试", "Image generation failed, try"),
        ("task_failed", "这次生成没成功,要不换个模型试试?", "Generation unsuccessful"),
        ("timeout", "生成时间过长已超时", "Generation took too long"),
        ("network", "网络连接不稳定,请检查网络后重试", "Network connection unstable"),
        ("rate_limited", "请求过于频繁,请稍等片刻再试", "Too many requests, please wait"),
        ("unsupported_aspect_ratio", "请使用支持的比例", "Use a supported aspect ratio"),
        ("unknown", "图片生成遇到问题,请稍后重试或换个模型试试", "please try again or use another"),
    ],
)
def test_the_error_table_of_the_card(reason: str, zh: str, en: str) -> None:
    assert zh in R.render(Failure(reason), "zh", strict=True)
    assert en in R.render(Failure(reason), "en", strict=True)


def test_key_and_credit_problems_give_their_links() -> None:
    for lang in LANGS:
        assert catalog.API_KEY_URL in R.render(Failure("unauthorized"), lang)
        assert catalog.SUBSCRIPTION_URL in R.render(Failure("insufficient_points"), lang)


def test_failure_with_alternatives_ends_with_the_question() -> None:
    zh = R.render(Failure("timeout", alternatives=ALTS), "zh", strict=True)
    assert "Nano Banana Pro(高质量,10–18 积分)" in zh
    assert "Nano Banana 2 512px(同款换尺寸,4 积分)" in zh
    assert zh.endswith("需要我帮你用其他模型重试吗?")
    en = R.render(Failure("timeout", alternatives=ALTS), "en", strict=True)
    assert en.endswith("Want me to try another model?")


def test_the_card_examples() -> None:
    ack = Ack(emoji="🏔️", subject="landscape", aspect_ratio="16:9")
    assert R.render(ack, "zh") == "收到!马上为你生成一张 16:9 的风景照 🏔️"
    assert R.render(Ack(emoji="🐱", subject="cat"), "zh") == "好的!来帮你画一只萌萌的猫咪 🐱"
    assert R.render(Progress(37, 15, 40), "zh") == "⏳ 正在生成中… 37%\n已等待 15s,预计最长 40s"
    overdue = R.render(Progress(95, 45, 40, overdue=True), "zh")
    assert overdue.endswith("稍等,即将完成…")
    assert R.render(Progress(95, 45, 40, overdue=True), "en").endswith("Almost there…")
    start = R.render(Start("Nano Banana Pro", (60, 120), 18), "zh")
    assert "预计耗时:60~120 秒" in start
    assert "消耗积分:18 积分" in start


@pytest.mark.parametrize("lang", LANGS)
def test_acks_are_short(lang: str) -> None:
    for message in MESSAGES:
        if isinstance(message, Ack):
            text = R.render(message, lang)
            if lang == "en":
                assert len(text.split()) < 15, text
            else:
                assert len(text) <= 30, text


def test_numbers_are_formatted_for_the_locale() -> None:
    assert "1,234" in R.render(Progress(95, 1234, 40, overdue=True), "en")


@pytest.mark.parametrize(
    "leak",
    [
        "see ima_image_create.py",
        "the script failed",
        "脚本出错了",
        "API 调用失败",
        "HTTP 500",
        "error 4008",
        "server said 401",
        "code 6010",
        "failed with 6006",
        "attribute_id missing",
        "bad model_version",
        "form_config broken",
        "task_id abc",
        "resource_status 2",
        "credit_rules empty",
        "gemini-3-pro-image",
        "model gemini-3.1-flash-image",
        'Traceback (most recent call last):\n  File "x.py", line 3',
        "key ima_abcdefgh123",
    ],
)
def test_the_guard_catches_leaks(leak: str) -> None:
    assert violations(leak), leak


@pytest.mark.parametrize(
    "fine",
    [
        "4K",
        "16:9",
        "预计耗时:20~40 秒",
        "已等待 450s",
        "Waited 120 s",
        "消耗积分:18 积分",
        "95%",
        "10–18 pts",
        "https://www.imaclaw.ai/imaclaw/apikey",
        "512px",
        "Nano Banana 2",
        "a picture link must be a secure (https) address",
    ],
)
def test_the_guard_lets_real_text_through(fine: str) -> None:
    assert violations(fine) == []


def test_a_leak_falls_back_to_the_safe_text(caplog: pytest.LogCaptureFixture) -> None:
    leaky = Start("gemini-3-pro-image", (60, 120), 18)  # a model id where a name should be
    with pytest.raises(NeverSayViolation):
        R.render(leaky, "zh", strict=True)
    with caplog.at_level(logging.ERROR, logger="skill.render"):
        text = R.render(leaky, "zh")
    assert "gemini" not in text
    assert text == R.fallback("start", "zh")
    assert "never-say" in caplog.text


@given(place=st.integers(min_value=1, max_value=20_000), lang=st.sampled_from(LANGS))
def test_any_place_in_line_is_said_as_it_is(place: int, lang: str) -> None:
    """The 100th in line (or the 404th) is a count, not a status code for the guard."""
    text = R.render(Queued(place), lang, strict=True)
    assert f"{place:,}" in text or str(place) in text or place == 1


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "kind", ["ack", "ask_prompt", "ask_image", "start", "progress", "success", "failure", "demo"]
)
def test_fallbacks_are_safe(kind: str, lang: str) -> None:
    text = R.fallback(kind, lang)  # type: ignore[arg-type]
    assert text
    assert violations(text) == []


def test_resumes_messages_go_through_the_guard_like_every_other() -> None:
    """resume's messages are records like the rest: a leak gives the safe text of its kind."""
    from skill.render import ResumeFound

    renderer = Renderer()
    clean = renderer.render(ResumeFound("Nano Banana Pro"), "en")
    assert "Nano Banana Pro" in clean
    leaked = renderer.render(ResumeFound("gemini-3-pro-image"), "zh")
    assert "gemini" not in leaked
    assert leaked == renderer.fallback("progress", "zh")
    with pytest.raises(NeverSayViolation):
        renderer.render(ResumeFound("gemini-3-pro-image"), "en", strict=True)


# --- numbers without Babel's data on every run ----------------------------------------------
@given(
    st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
    ),
    st.sampled_from(["zh", "en"]),
)
def test_numbers_are_written_exactly_as_babel_writes_them(value: float, lang: str) -> None:
    from babel.numbers import format_decimal

    from skill.render.formatting import LOCALES, format_number

    assert format_number(value, lang) == format_decimal(value, locale=LOCALES[lang])  # type: ignore[arg-type]


def test_a_number_needs_no_babel_once_its_facts_are_kept(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from skill.render.formatting import format_number\n"
        "print(format_number(1234, 'zh'), format_number(6, 'en'), 'babel' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    first = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert first.stdout.split() == ["1,234", "6", "True"]  # read from Babel, then kept
    assert second.stdout.split() == ["1,234", "6", "False"]
