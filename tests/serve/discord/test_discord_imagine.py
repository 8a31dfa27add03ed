"""The Discord bot end to end: signed interactions posted to its endpoint over loopback HTTP, the
fake Discord REST API, the simulator (sped up) and a real Redis."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skill.serve import ServeConfig
from skill.sim import SimServer
from tests.serve.conftest import NB2
from tests.serve.discord.conftest import Replicas, until
from tests.serve.discord.fakediscord import FakeDiscordApi

PRO = "gemini-3-pro-image"


async def test_a_ping_is_answered_pong(
    discord_replicas: Replicas, discord_api: FakeDiscordApi
) -> None:
    bot = await discord_replicas()
    answer = await bot.deliver(discord_api, discord_api.interaction(1))
    assert answer.status_code == 200
    assert answer.json() == {"type": 1}


@pytest.mark.parametrize("how", ["unsigned", "forged", "other body", "stale", "other key"])
async def test_an_unsigned_or_forged_request_gets_401_and_nothing_happens(
    discord_replicas: Replicas,
    discord_api: FakeDiscordApi,
    fast_sim_server: SimServer,
    how: str,
) -> None:
    bot = await discord_replicas()
    payload = discord_api.command("a cat")
    body = json.dumps(payload).encode()
    headers = discord_api.signed(body)
    if how == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif how == "forged":
        headers["X-Signature-Ed25519"] = "ab" * 64
    elif how == "other body":
        body = json.dumps({**payload, "type": 1}).encode()
    elif how == "stale":  # a captured request played back an hour later
        headers = discord_api.signed(body, at=time.time() - 3600)
    else:  # signed, but with another application's key
        stamp = headers["X-Signature-Timestamp"]
        other = Ed25519PrivateKey.generate().sign(stamp.encode() + body)
        headers["X-Signature-Ed25519"] = other.hex()
    discord_api.delivered(payload)
    answer = await bot.http.post(
        f"{bot.server.url}/discord/interactions", content=body, headers=headers
    )
    assert answer.status_code == 401
    assert discord_api.calls == []
    assert fast_sim_server.sim.stats()["creates"] == 0


async def test_imagine_defers_then_edits_in_place_and_attaches_the_picture_with_buttons(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    payload = discord_api.command("a cat wearing sunglasses")
    began = time.monotonic()
    answer = await bot.deliver(discord_api, payload)
    # The first answer went through the callback, within Discord's 3 s, and the request was
    # answered 202 with no body, as Discord asks.
    assert answer.status_code == 202
    assert answer.content == b""
    assert time.monotonic() - began < 3.0
    (callback,) = discord_api.callbacks()
    assert callback.json == {"type": 5}
    await until(bot.idle)
    message = discord_api.answer_to(payload)
    assert message is not None
    assert discord_api.problems == []
    # Edited in place: the acknowledgement first, the outcome last, on the one message.
    edits = discord_api.of("PATCH", "/messages/@original")
    assert len(edits) >= 2
    assert edits[0].json["content"].startswith("OK")  # the acknowledgement, in English
    assert "✅" in message.content
    assert "Nano Banana 2" in message.content
    # The picture as a file (listed in attachments, v10), with its caption.
    final = edits[-1]
    assert final.headers["content-type"].startswith("multipart/form-data")
    payload_json = json.loads(final.parts["payload_json"][2])
    assert payload_json["attachments"] == [{"id": 0, "filename": final.parts["files[0]"][0]}]
    ((_, name, data),) = message.attachments
    assert data.startswith(b"\x89PNG")
    assert name.endswith(".png")
    # Buttons under it: another one, portrait, landscape (a square picture), Pro.
    labels = [b["label"] for row in message.components for b in row["components"]]
    assert labels == [
        "🔁 Another one",
        "📱 Make it portrait",
        "🖼️ Make it landscape",
        "✨ Again with Nano Banana Pro",
    ]
    user = payload["member"]["user"]["id"]
    assert all(b["custom_id"].endswith(f":{user}") for b in message.components[0]["components"])
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_the_options_win_over_the_words(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    options = {"model": PRO, "size": "2K", "ratio": "16:9"}
    payload = discord_api.command("画一只猫,竖图,用 Nano Banana 2", options=options)
    assert (await bot.deliver(discord_api, payload)).status_code == 202
    await until(bot.idle)
    (task,) = fast_sim_server.sim.tasks.values()
    assert (task.order.model_id, task.order.size, task.order.aspect_ratio) == (PRO, "2K", "16:9")
    message = discord_api.answer_to(payload)
    assert message is not None
    assert "Nano Banana Pro" in message.content
    # A landscape picture made with Pro: portrait is offered, and Nano Banana 2.
    labels = [b["label"] for row in message.components for b in row["components"]]
    assert labels == ["🔁 Another one", "📱 Make it portrait", "✨ Again with Nano Banana 2"]


async def test_a_chinese_locale_gets_chinese_texts(
    discord_replicas: Replicas, discord_api: FakeDiscordApi
) -> None:
    bot = await discord_replicas()
    payload = discord_api.command("a cat", locale="zh-CN")
    await bot.deliver(discord_api, payload)
    await until(bot.idle)
    message = discord_api.answer_to(payload)
    assert message is not None
    assert "图片生成成功" in message.content
    labels = [b["label"] for row in message.components for b in row["components"]]
    assert labels == ["🔁 再来一张", "📱 换成竖图", "🖼️ 换成横图", "✨ 用 Nano Banana Pro 再画一次"]


async def test_a_picture_over_the_upload_limit_is_shown_by_its_link(
    discord_replicas: Replicas, discord_api: FakeDiscordApi
) -> None:
    bot = await discord_replicas()
    # Discord says how much may be attached here; the simulator's picture is larger.
    payload = discord_api.command("a cat", attachment_size_limit=64)
    await bot.deliver(discord_api, payload)
    await until(bot.idle)
    message = discord_api.answer_to(payload)
    assert message is not None
    assert discord_api.problems == []
    assert message.attachments == []
    (embed,) = message.embeds
    assert embed["title"].endswith("Open the full-size picture")
    assert embed["image"]["url"] == embed["url"]
    assert embed["url"] in message.content  # the caption's link, the same picture
    assert message.components  # the buttons still come


async def test_429_answers_are_waited_out_as_long_as_they_ask(
    discord_replicas: Replicas, discord_api: FakeDiscordApi
) -> None:
    from tests.channels.fake_platforms import rate_limited_discord

    bot = await discord_replicas()
    discord_api.script(
        rate_limited_discord("/callback", "POST", retry_after=0.3),
        rate_limited_discord("/messages/@original", "PATCH", retry_after="1", in_body=False),
    )
    payload = discord_api.command("a cat")
    answer = await bot.deliver(discord_api, payload)
    assert answer.status_code == 202
    await until(bot.idle)
    callbacks = discord_api.of("POST", "/callback")
    assert [c.status for c in callbacks] == [429, 204]
    assert callbacks[1].at - callbacks[0].at >= 0.3
    edits = discord_api.of("PATCH", "/messages/@original")
    assert edits[0].status == 429
    assert edits[1].status == 200
    assert edits[1].at - edits[0].at >= 1.0
    message = discord_api.answer_to(payload)
    assert message is not None
    assert message.attachments


async def test_a_slow_picture_is_still_made_once_and_progress_is_edited_in(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, 300.0)  # 1.5 s of real time: a few edits
    bot = await discord_replicas()
    payload = discord_api.command("a cat")
    await bot.deliver(discord_api, payload)
    await until(bot.idle)
    edits = discord_api.of("PATCH", "/messages/@original")
    texts = [e.json["content"] for e in edits]
    assert any("⏳" in t or "🎨" in t for t in texts[:-1])  # start or progress before the end
    times = [e.at for e in edits]
    # Never faster than the edit interval, but the outcome is never held back.
    assert all(b - a >= 0.18 for a, b in itertools.pairwise(times[:-1]))
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_a_body_too_large_for_an_interaction_is_refused_unread(
    discord_replicas: Replicas, discord_api: FakeDiscordApi
) -> None:
    bot = await discord_replicas()
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    answer = await bot.http.post(
        f"{bot.server.url}/discord/interactions", content=body, headers=discord_api.signed(body)
    )
    assert answer.status_code == 413
    assert discord_api.calls == []


async def test_a_request_that_waits_for_its_turn_says_its_place_in_line(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, 100.0)  # 0.5 s of real time
    bot = await discord_replicas(serve=ServeConfig(concurrency=1))
    first = discord_api.command("a cat", user="333333333333333333")
    second = discord_api.command("a dog", user="444444444444444444", locale="zh-CN")
    await bot.deliver(discord_api, first)
    await bot.deliver(discord_api, second)
    await until(bot.idle)
    token = second["token"]
    shown = [c.json["content"] for c in discord_api.of("PATCH", f"/{token}/messages/@original")]
    assert "下一个就轮到你" in shown[0], shown[0]  # told before anything else
    answer = discord_api.answer_to(second)
    assert answer is not None
    assert answer.attachments
    assert fast_sim_server.sim.stats()["creates"] == 2
