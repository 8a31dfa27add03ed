"""Buttons, replicas and the interaction token's 15 minutes, end to end (the fake Discord, the
simulator sped up, a real Redis)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from skill.serve import ServeConfig
from skill.sim import SimServer
from tests.serve.conftest import NB2
from tests.serve.discord.conftest import Replica, Replicas, until
from tests.serve.discord.fakediscord import TOKEN_LIFETIME_S, FakeDiscordApi, Message

OTHER_USER = "222222222222222222"
#: Whether the follow-up reader is in (issue 13): "another one" then means the last picture's
#: words again, not a picture of the words "another one".


async def picture(
    bot: Replica, fake: FakeDiscordApi, prompt: str = "a cat", **fields: object
) -> Message:
    payload = fake.command(prompt, **fields)
    assert (await bot.deliver(fake, payload)).status_code == 202
    await until(bot.idle)
    message = fake.answer_to(payload)
    assert message is not None
    assert message.components, message.content
    return message


async def test_a_press_by_the_requester_is_the_follow_up_made_once(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    first = await picture(bot, discord_api, "a cat in a spacesuit")
    press = discord_api.press(first, "Another one")
    answer = await bot.deliver(discord_api, press)
    assert answer.status_code == 202
    # The same press delivered again (a proxy retrying) does nothing more.
    again = await bot.deliver(discord_api, press)
    assert again.status_code == 202
    await until(bot.idle)
    follow_up = discord_api.answer_to(press)
    assert follow_up is not None
    assert follow_up.id != first.id  # a new message under the first: the first picture stays
    assert follow_up.attachments
    assert follow_up.components
    assert first.attachments
    assert fast_sim_server.sim.stats()["creates"] == 2
    assert discord_api.problems == []
    # The same words again, from the chat's memory.
    prompts = [t.order.prompt for t in fast_sim_server.sim.tasks.values()]
    assert prompts == ["a cat in a spacesuit"] * 2


async def test_a_press_by_someone_else_gets_a_line_only_they_see_and_spends_nothing(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    first = await picture(bot, discord_api)
    calls = len(discord_api.calls)
    for locale, words in (("en-US", "belong to the person"), ("zh-CN", "发起这张图的人")):
        press = discord_api.press(first, 0, user=OTHER_USER, locale=locale)
        answer = await bot.deliver(discord_api, press)
        assert answer.status_code == 200
        body = answer.json()
        assert body["type"] == 4
        assert body["data"]["flags"] == 64  # ephemeral
        assert words in body["data"]["content"]
        assert body["data"]["allowed_mentions"] == {"parse": []}
    await asyncio.sleep(0.3)
    assert bot.idle()
    assert len(discord_api.calls) == calls  # no callback, no edit
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_an_unknown_button_or_command_is_told_so_only_to_the_presser(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    stale = discord_api.interaction(3, data={"custom_id": "ima:upscale:1", "component_type": 2})
    unknown = discord_api.interaction(2, data={"id": "2", "name": "draw", "type": 1})
    for payload, words in ((stale, "no longer works"), (unknown, "I only know /imagine")):
        body = (await bot.deliver(discord_api, payload)).json()
        assert body["data"]["flags"] == 64
        assert words in body["data"]["content"]
    assert discord_api.calls == []
    assert fast_sim_server.sim.stats()["creates"] == 0


async def test_one_interaction_reaching_two_replicas_creates_once(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    one, two = await discord_replicas(), await discord_replicas()
    payload = discord_api.command("a cat")
    answers = await asyncio.gather(
        one.deliver(discord_api, payload), two.deliver(discord_api, payload)
    )
    assert [a.status_code for a in answers] == [202, 202]
    await until(lambda: one.idle() and two.idle())
    # Discord took one first answer and refused the other (40060): one conversation.
    assert sorted(c.status for c in discord_api.of("POST", "/callback")) == [204, 400]
    assert fast_sim_server.sim.stats()["creates"] == 1
    message = discord_api.answer_to(payload)
    assert message is not None
    assert message.attachments


async def test_the_shared_store_alone_keeps_a_twice_answered_interaction_to_one_create(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    discord_api.strict_acks = False  # both first answers land: only the bot's dedup is left
    one, two = await discord_replicas(), await discord_replicas()
    payload = discord_api.command("a cat")
    await asyncio.gather(one.deliver(discord_api, payload), two.deliver(discord_api, payload))
    await until(lambda: one.idle() and two.idle())
    assert [c.status for c in discord_api.of("POST", "/callback")] == [204, 204]
    assert fast_sim_server.sim.stats()["creates"] == 1


def expiring(fake: FakeDiscordApi, in_s: float) -> float:
    """An interaction's time such that its token stops working ``in_s`` seconds from now."""
    return time.time() - TOKEN_LIFETIME_S + in_s


async def test_a_task_that_outlives_the_token_is_finished_in_a_channel_message(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, 400.0)  # 2 s of real time
    bot = await discord_replicas(token_margin_s=0.5)
    payload = discord_api.command("a cat", created_at=expiring(discord_api, 1.5))
    await bot.deliver(discord_api, payload)
    await until(bot.idle)
    answer = discord_api.answer_to(payload)
    assert answer is not None
    assert not answer.attachments  # the answer could no longer be edited...
    (message,) = discord_api.bot_messages()  # ...so the bot said it in the channel
    user = payload["member"]["user"]["id"]
    assert message.content.startswith(f"<@{user}>")
    assert message.mentions == [user]  # the person is told; nobody else is pinged
    assert message.reference == answer.id
    assert message.attachments
    assert message.components
    assert all(
        c.headers["authorization"].startswith("Bot ") for c in discord_api.of("POST", "/channels/")
    )
    assert fast_sim_server.sim.stats()["creates"] == 1
    assert discord_api.problems == []


async def test_a_job_taken_up_after_the_token_expired_is_finished_in_a_channel_message(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.set_duration(NB2, 600.0)  # 3 s of real time
    stopping = await discord_replicas(token_margin_s=0.2)
    payload = discord_api.command("a cat", created_at=expiring(discord_api, 1.0), locale="zh-CN")
    await stopping.deliver(discord_api, payload)
    await until(lambda: fast_sim_server.sim.stats()["creates"] == 1)
    await asyncio.sleep(0.3)  # the job is noted as shown here
    await stopping.door.bot.stop()  # SIGTERM: the job is left in the journal
    await asyncio.sleep(1.0)  # the token is spent by now
    taking = await discord_replicas(serve=ServeConfig(take_up_interval_s=0.2), token_margin_s=0.2)
    await until(lambda: bool(discord_api.bot_messages()) and taking.idle())
    await until(lambda: bool(discord_api.bot_messages()[0].attachments))
    (message,) = discord_api.bot_messages()
    assert "图片生成成功" in message.content  # the person's language, kept with the job
    assert message.components
    assert fast_sim_server.sim.stats()["creates"] == 1


async def test_a_failure_offers_its_alternatives_as_buttons(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    fast_sim_server.sim.inject("resource_failed", match="a cat")
    bot = await discord_replicas()
    payload = discord_api.command("a cat")
    await bot.deliver(discord_api, payload)
    await until(bot.idle)
    message = discord_api.answer_to(payload)
    assert message is not None
    assert "❌" in message.content
    buttons = [b for row in message.components for b in row["components"]]
    assert [b["custom_id"].split(":")[1] for b in buttons] == ["pick1", "pick2"][: len(buttons)]
    assert buttons
    for button in buttons:  # each names an alternative the failure itself offers
        name = button["label"].removeprefix("Try ").split(" at ")[0]
        assert name in message.content


async def test_a_picture_attached_to_the_command_makes_it_an_edit(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    before = downloads()
    message = await picture(
        bot, discord_api, "make it a watercolor", image_url=f"{discord_api.url}/media/cat.png"
    )
    (task,) = fast_sim_server.sim.tasks.values()
    assert task.order.task_type == "image_to_image"
    assert list(fast_sim_server.sim.uploads.values()) == [discord_api.media_bytes]
    assert message.attachments
    assert downloads() == before  # the person's picture is not left behind


async def test_an_attachment_that_is_no_picture_is_refused_and_nothing_is_made(
    discord_replicas: Replicas, discord_api: FakeDiscordApi, fast_sim_server: SimServer
) -> None:
    bot = await discord_replicas()
    discord_api.media_bytes = b"%PDF-1.7 not a picture at all"
    payload = discord_api.command(
        "make it a watercolor", image_url=f"{discord_api.url}/media/x.pdf"
    )
    await bot.deliver(discord_api, payload)
    await until(bot.idle)
    await until(lambda: "⚠️" in (discord_api.answer_to(payload) or Message("", "")).content)
    assert fast_sim_server.sim.stats()["creates"] == 0


def downloads() -> set[Path]:
    """The bot's download folders in the temporary folder."""
    return set(Path(tempfile.gettempdir()).glob("ima-discord-*"))
