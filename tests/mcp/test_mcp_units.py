"""The MCP door's small parts on their own: progress values, the picture block, argument
reading, and the structured choices winning over the words."""

from __future__ import annotations

import base64

import httpx
import pytest
from mcp_types import ImageContent, ResourceLink

from skill.flow.ack import Request, acknowledge
from skill.mcp.arguments import UnknownModel, read_choices, read_language, read_model
from skill.mcp.picture import picture_block
from skill.mcp.relay import CEILING, Reporter
from skill.render import Renderer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


async def test_progress_values_only_grow_and_stay_below_the_end() -> None:
    sent: list[tuple[float, float | None, str | None]] = []

    async def send(value: float, total: float | None, message: str | None) -> None:
        sent.append((value, total, message))

    reporter = Reporter(send)
    for at in (0, 1, 37, 75, 95, 95, 95, 40, 99, 99, 99):
        await reporter.tell(at, f"at {at}")
    values = [v for v, _, _ in sent]
    assert values == sorted(set(values))
    assert values[:4] == [0, 1, 37, 75]
    assert max(values) <= CEILING < 100
    assert all(total == 100 for _, total, _ in sent)
    assert reporter.sent == len(sent)


async def test_a_failing_send_stops_the_notifications_not_the_call() -> None:
    async def broken(value: float, total: float | None, message: str | None) -> None:
        raise ConnectionError("the client went away")

    reporter = Reporter(broken)
    await reporter.tell(0, "ack")
    await reporter.tell(1, "start")
    assert reporter.sent == 0


def _serving(body: bytes, status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body))


async def test_a_picture_is_inlined_with_its_type() -> None:
    block = await picture_block("https://cdn.example/p.png", transport=_serving(PNG))
    assert isinstance(block, ImageContent)
    assert block.mime_type == "image/png"
    assert base64.b64decode(block.data) == PNG


@pytest.mark.parametrize(
    ("url", "transport", "limit"),
    [
        ("https://cdn.example/p.png", _serving(PNG), 64),  # larger than the limit
        ("https://cdn.example/p.png", _serving(b"<html>not a picture</html>"), 10_000),
        ("https://cdn.example/p.png", _serving(b"", status=404), 10_000),
        ("http://cdn.example/p.png", _serving(PNG), 10_000),  # plain http off loopback
    ],
)
async def test_otherwise_the_picture_goes_as_a_link(
    url: str, transport: httpx.MockTransport, limit: int
) -> None:
    block = await picture_block(url, transport=transport, max_bytes=limit)
    assert isinstance(block, ResourceLink)
    assert block.uri == url


def test_arguments_are_read_as_they_are_meant() -> None:
    assert read_model("nano banana pro") == "gemini-3-pro-image"
    assert read_model("Nano-Banana-2") == "gemini-3.1-flash-image"
    assert read_model("gemini-3-pro-image") == "gemini-3-pro-image"
    assert read_model(None) is None
    assert read_model(" ") is None
    with pytest.raises(UnknownModel):
        read_model("Midjourney")
    choices = read_choices(model=None, size="4k", aspect_ratio="16：9", images=[" a.png ", ""])
    assert (choices.size, choices.aspect_ratio, choices.images) == ("4K", "16:9", ("a.png",))
    assert read_choices(model=None, size="8K", aspect_ratio="wide", images=None).size == "8K"
    assert read_language("zh-CN") == "zh"
    assert read_language(None) == "auto"
    assert read_language("fr") == "auto"


def test_structured_choices_win_over_the_words_and_save_nothing() -> None:
    words = "以后都用 Nano Banana 2, 画一只猫, 8K, 16:9"
    request = Request(words, model_id="gemini-3-pro-image", size="1K", aspect_ratio="9:16")
    step0 = acknowledge(request, prefs=lambda: None, renderer=Renderer())
    intent = step0.intent
    assert (intent.model_id, intent.size, intent.aspect_ratio) == (
        "gemini-3-pro-image",
        "1K",
        "9:16",
    )
    assert intent.preference is None  # "from now on" was about another model
    assert "size_capped" not in intent.notices
    plain = acknowledge(Request("画一只猫, 16:9"), prefs=lambda: None, renderer=Renderer()).intent
    assert plain.aspect_ratio == "16:9"
