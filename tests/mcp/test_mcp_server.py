"""The MCP server as agents use it: the SDK's own ClientSession over stdio and over streamable
HTTP, the server a subprocess of ``ima-nano-banana mcp``, IMA the simulator on loopback."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import anyio

from skill.sim import SimServer
from tests.mcp.mcpkit import Progress, connect, images, texts

NB2 = "gemini-3.1-flash-image"
PNG = b"\x89PNG\r\n\x1a\n"
TOOLS = {"generate_image", "list_models", "understand_request", "get_last_image"}


def creates(server: SimServer) -> int:
    return server.sim.stats()["creates"]


async def test_the_four_tools_are_listed_with_schemas_and_annotations(
    transport: str, server_env: dict[str, str], tmp_path: Path
) -> None:
    async with connect(transport, server_env, tmp_path) as link:
        listed = {tool.name: tool for tool in (await link.session.list_tools()).tools}
    assert set(listed) == TOOLS
    make = listed["generate_image"]
    assert make.title
    assert make.description
    assert make.input_schema["required"] == ["request"]
    props = make.input_schema["properties"]
    assert {"model", "size", "aspect_ratio", "images", "chat_id", "user_id", "language"} <= set(
        props
    )
    assert props["model"]["anyOf"][0]["enum"] == ["Nano Banana 2", "Nano Banana Pro"]
    assert props["images"]["anyOf"][0]["maxItems"] == 14
    assert make.annotations is not None
    assert make.annotations.read_only_hint is False
    assert make.annotations.idempotent_hint is False
    assert make.output_schema is not None
    assert {"media_url", "model", "credits", "elapsed_s", "size", "aspect_ratio", "task_id"} <= set(
        make.output_schema["required"]
    )
    for name in TOOLS - {"generate_image"}:
        tool = listed[name]
        assert tool.title, name
        assert tool.description, name
        assert tool.annotations is not None, name
        assert tool.annotations.read_only_hint is True, name
        assert tool.output_schema is not None, name


async def test_generate_image_gives_the_picture_after_progress(
    transport: str, counting_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    fast_sim_server.sim.set_duration(NB2, 35)  # longer than two 15 s progress intervals
    progress = Progress()
    async with connect(transport, counting_env, tmp_path) as link:
        result = await link.call(
            "generate_image", {"request": "画一只猫,16:9", "chat_id": "c-pic"}, progress
        )
    assert not result.is_error, texts(result)
    # The acknowledgement, the start notice, then progress at the card's cadence: each one's
    # message the person's own words, the values only growing, out of 100.
    assert len(progress.seen) >= 3
    assert progress.messages[0] == "收到!马上为你生成一张 16:9 的猫咪图 🐱"
    assert "开始生成图片" in progress.messages[1]
    assert "Nano Banana 2" in progress.messages[1]
    assert any("正在生成中" in m for m in progress.messages[2:])
    assert progress.values == sorted(set(progress.values))
    assert all(total == 100 for _, total, _ in progress.seen)
    assert progress.values[0] >= 0
    assert progress.values[-1] < 100

    (picture,) = images(result)
    assert picture.mime_type == "image/png"
    assert base64.b64decode(picture.data).startswith(PNG)
    facts = result.structured_content
    assert facts is not None
    assert facts["model"] == "Nano Banana 2"
    assert (facts["size"], facts["aspect_ratio"], facts["credits"]) == ("1K", "16:9", 6)
    assert facts["media_url"].startswith(fast_sim_server.url)
    assert facts["task_id"] in fast_sim_server.sim.tasks
    (caption,) = texts(result)
    assert "图片生成成功" in caption
    assert facts["media_url"] in caption
    assert creates(fast_sim_server) == 1


async def test_a_failed_task_is_an_error_with_its_reason_and_alternatives(
    transport: str, server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    fast_sim_server.sim.inject("resource_failed")
    async with connect(transport, server_env, tmp_path) as link:
        result = await link.call("generate_image", {"request": "draw a red fox"})
    assert result.is_error
    (text,) = texts(result)
    assert text.startswith("❌ Image generation failed")
    assert "Nano Banana Pro" in text  # the alternative offered, in words
    detail = result.structured_content
    assert detail is not None
    assert detail["reason"] == "generation_failed"
    offered = detail["alternatives"]
    assert offered
    assert offered[0]["model"] == "Nano Banana Pro"
    assert all(isinstance(o["credits"], int) and o["credits"] > 0 for o in offered)
    assert creates(fast_sim_server) == 1


async def test_a_cancelled_call_keeps_its_task_for_get_last_image(
    transport: str, server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    sim = fast_sim_server.sim
    sim.set_duration(NB2, 300)  # 1.5 s of real time: long enough to cancel midway
    started = anyio.Event()

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        if value >= 1:  # the start notice: the task exists
            started.set()

    async with connect(transport, server_env, tmp_path) as link:
        async with anyio.create_task_group() as group:

            async def call() -> None:
                await link.session.call_tool(
                    "generate_image",
                    {"request": "a lighthouse at dawn", "chat_id": "c-cancel", "user_id": "u1"},
                    progress_callback=on_progress,
                )

            group.start_soon(call)
            with anyio.fail_after(30):
                await started.wait()
            group.cancel_scope.cancel()  # the client gives up: notifications/cancelled
        assert creates(fast_sim_server) == 1
        progress = Progress()
        fetched = await link.call(
            "get_last_image", {"chat_id": "c-cancel", "user_id": "u1"}, progress
        )
    assert not fetched.is_error, texts(fetched)
    (picture,) = images(fetched)
    assert base64.b64decode(picture.data).startswith(PNG)
    assert fetched.structured_content is not None
    assert fetched.structured_content["task_id"] in sim.tasks
    assert progress.seen  # "found it", then progress while it finishes
    assert creates(fast_sim_server) == 1  # never a second create


async def test_bad_arguments_say_what_to_fix_and_create_nothing(
    transport: str, server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    not_a_picture = tmp_path / "notes.png"
    not_a_picture.write_text("just some words, not a picture")
    pictures = [tmp_path / f"cat{i}.png" for i in range(15)]
    for picture in pictures:
        picture.write_bytes(PNG + b"\x00" * 64)
    calls = {
        "empty": ({"request": "   "}, "bad_request", "What would you like me to draw"),
        "ratio": (
            {"request": "a cat", "aspect_ratio": "5:7"},
            "unsupported_aspect_ratio",
            "Use a supported aspect ratio: 1:1",
        ),
        "too many": (
            {"request": "blend these", "images": [str(p) for p in pictures]},
            "invalid_image",
            "Too many pictures at once",
        ),
        "not a picture": (
            {"request": "make it a watercolor", "images": [str(not_a_picture)]},
            "invalid_image",
            "That file isn't a picture",
        ),
        "plain http": (
            {"request": "make it a watercolor", "images": ["http://example.com/cat.png"]},
            "invalid_image",
            "A picture link must be a secure (https) address",
        ),
        "model": (
            {"request": "a cat", "model": "Midjourney"},
            "unsupported_model",
            "Use one of these models: Nano Banana 2 and Nano Banana Pro",
        ),
    }
    async with connect(transport, server_env, tmp_path) as link:
        for case, (arguments, reason, fix) in calls.items():
            result = await link.call("generate_image", arguments)
            assert result.is_error, case
            (text,) = texts(result)
            assert fix in text, (case, text)
            assert result.structured_content is not None
            assert result.structured_content["reason"] == reason, case
    paths = {request.path for request in fast_sim_server.sim.requests}
    assert "/open/v1/tasks/create" not in paths
    assert not any("upload" in path for path in paths)
    assert creates(fast_sim_server) == 0


async def test_the_key_is_in_no_byte_the_client_receives(
    transport: str, fast_sim_server: SimServer, sim_env, tmp_path: Path
) -> None:
    canary = "ima_canary_mcp_key_7f3a9c"
    sim = fast_sim_server.sim
    sim.echo_key = True  # a careless server that quotes the caller's key in its errors
    env = sim_env(fast_sim_server, key=canary)
    async with connect(transport, env, tmp_path) as link:
        listed = await link.call("list_models", {})
        made = await link.call("generate_image", {"request": f"a cat named {canary[:4]}"})
        sim.inject("insufficient_points")
        refused = await link.call("generate_image", {"request": "a dog", "chat_id": "c-k"})
        await link.call("understand_request", {"request": "a dog in 4K"})
        await link.call("get_last_image", {"chat_id": "c-k"})
        raw, logged = link.raw(), link.stderr()
    assert not listed.is_error
    assert not made.is_error
    assert refused.is_error
    assert refused.structured_content is not None
    assert refused.structured_content["reason"] == "insufficient_points"
    assert len(raw) > 1000  # the replies really were captured
    for form in (canary, json.dumps(canary)[1:-1], base64.b64encode(canary.encode()).decode()):
        assert form.encode() not in raw
        assert form not in logged
    assert b'"result"' in raw
