"""The two stdout channels: JSON lines for agents, chat-like text for terminals."""

from __future__ import annotations

import io
import json
import sys

import pytest

from skill.channels.jsonl import JsonLinesChannel
from skill.channels.terminal import TerminalChannel
from skill.events import Reply

REPLIES = [
    Reply("ack", text="好的!来帮你画一只萌萌的猫咪 🐱", lang="zh"),
    Reply(
        "start", text="🎨 开始生成图片,请稍候…", model="Nano Banana 2", credits=6, eta_s=(20, 40)
    ),
    Reply("progress", text="⏳ 正在生成中… 37%", percent=37, elapsed_s=15),
    Reply("success", text="✅ 图片生成成功!", media="https://cdn.example/x.png", path="out/x.png"),
    Reply("done"),
]


class Counting(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


async def test_json_lines_one_object_a_line_flushed_each_time() -> None:
    stream = Counting()
    channel = JsonLinesChannel(stream)
    for reply in REPLIES:
        await channel.send(reply)
    await channel.aclose()
    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [r.to_json() for r in REPLIES]
    assert "猫咪" in lines[0]  # UTF-8 text, not \u escapes
    assert stream.flushes == len(REPLIES)
    assert json.loads(lines[1])["eta_s"] == [20, 40]


async def test_terminal_shows_messages_then_the_picture() -> None:
    stream = Counting()
    channel = TerminalChannel(stream)
    for reply in REPLIES:
        await channel.send(reply)
    out = stream.getvalue()
    blocks = out.strip().split("\n\n")
    assert blocks[0] == "好的!来帮你画一只萌萌的猫咪 🐱"
    assert blocks[-1] == "✅ 图片生成成功!\n🖼️ out/x.png"
    assert "done" not in out
    assert stream.flushes == 4


async def test_terminal_points_at_the_link_when_nothing_was_saved() -> None:
    stream = io.StringIO()
    channel = TerminalChannel(stream)
    await channel.send(Reply("success", text="✅ Image generated!", media="https://cdn/x.png"))
    assert stream.getvalue().rstrip().endswith("🖼️ https://cdn/x.png")


def test_without_a_stream_they_write_to_stdout_as_it_is_when_they_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # run opens its channel before protect_process() swaps sys.stdout for the redacting
    # stream: a channel that kept the original stdout would write around the redaction.
    channels = (JsonLinesChannel(), TerminalChannel())
    later = io.StringIO()
    monkeypatch.setattr(sys, "stdout", later)
    for channel in channels:
        channel.write(REPLIES[0])
    assert later.getvalue().count("萌萌的猫咪") == 2
