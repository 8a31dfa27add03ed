"""The Discord channel against a loopback fake of a webhook."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from fake_platforms import (
    ACK,
    DONE,
    FAILURE,
    PNG,
    START,
    FakeDiscord,
    Scripted,
    http_date,
    progress,
    rate_limited_discord,
    success,
)

from skill.channels._http import ChannelConfigError, ChannelError, RateLimited
from skill.channels.discord import RATE_LIMIT_DEFAULT_WAIT_S, DiscordChannel, check_webhook_url
from skill.clock import FakeClock
from skill.events import Reply
from skill.net import RETRY_AFTER_CEILING_S

INTERVAL = 0.1  # the channel's minimum time between edits in these tests (real seconds)


def channel(fake: FakeDiscord) -> DiscordChannel:
    return DiscordChannel(fake.webhook_url, min_edit_interval_s=INTERVAL)


async def deliver(ch: DiscordChannel, replies: list[Reply], *, gap: float = 0.0) -> None:
    try:
        for reply in replies:
            await ch.send(reply)
            if gap:
                await asyncio.sleep(gap)
    finally:
        await ch.aclose()


def joined(*replies: Reply) -> str:
    return "\n\n".join(r.text or "" for r in replies)


async def test_success_with_progress_one_message_edits_and_the_attachment(
    discord: FakeDiscord,
) -> None:
    media = f"{discord.url}/media/shiba.png"
    replies = [ACK, START, progress(37, 15), success(media), DONE]
    await deliver(channel(discord), replies, gap=INTERVAL + 0.05)

    (post,) = discord.of("POST")
    assert post.query == {"wait": ["true"]}
    assert post.json["content"] == ACK.text
    (message_id,) = discord.messages
    edits = discord.of("PATCH", f"/messages/{message_id}")
    assert [e.json["content"] for e in edits] == [
        joined(ACK, START),
        joined(ACK, START, progress(37, 15)),
        joined(ACK, success(media)),
    ]
    # The outcome carries the picture: multipart, payload_json + files[0].
    final = edits[-1]
    assert final.headers["content-type"].startswith("multipart/form-data")
    assert final.json["attachments"] == [{"id": 0, "filename": "shiba.png"}]
    filename, ctype, data = final.parts["files[0]"]
    assert (filename, ctype, data) == ("shiba.png", "image/png", PNG)
    assert discord.messages[message_id]["attachments"] == [("shiba.png", PNG)]
    gaps = [b.at - a.at for a, b in zip([post, *edits], edits, strict=False)]
    assert all(g >= INTERVAL * 0.9 for g in gaps[:-1]), gaps


async def test_failure_edits_the_message_without_attachment(discord: FakeDiscord) -> None:
    await deliver(channel(discord), [ACK, START, FAILURE, DONE])
    (message_id,) = discord.messages
    # The start edit was waiting for its turn: the outcome replaces it at once.
    (edit,) = discord.of("PATCH")
    assert edit.headers["content-type"].startswith("application/json")
    assert discord.messages[message_id]["content"] == joined(ACK, FAILURE)
    assert discord.messages[message_id]["attachments"] == []


async def test_429_retry_after_in_the_body_is_honoured(discord: FakeDiscord) -> None:
    discord.script(rate_limited_discord("/api/webhooks/", "POST", retry_after=0.15))
    await deliver(channel(discord), [ACK, DONE])
    first, second = discord.of("POST")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.14
    assert len(discord.messages) == 1


async def test_429_retry_after_header_is_honoured_for_an_edit(discord: FakeDiscord) -> None:
    discord.script(rate_limited_discord("/messages/", "PATCH", retry_after=0.15, in_body=False))
    await deliver(channel(discord), [ACK, FAILURE, DONE])
    first, second = discord.of("PATCH")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.14
    (message,) = discord.messages.values()
    assert message["content"] == joined(ACK, FAILURE)


async def first_message_after_429(
    discord: FakeDiscord, retry_after: float | str, *, in_body: bool
) -> list[float]:
    """Post the first message against one 429; the waits the channel slept on its clock."""
    clock = FakeClock()
    discord.script(
        rate_limited_discord("/api/webhooks/", "POST", retry_after=retry_after, in_body=in_body)
    )
    ch = DiscordChannel(discord.webhook_url, clock=clock, min_edit_interval_s=INTERVAL)
    await deliver(ch, [ACK, DONE])
    assert [c.status for c in discord.of("POST")] == [429, 200]
    assert len(discord.messages) == 1
    return clock.sleeps


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("2", 2.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-1", 0.0),  # a negative wait is no wait
        ("soon", RATE_LIMIT_DEFAULT_WAIT_S),  # nothing usable: the channel's default
        ("", RATE_LIMIT_DEFAULT_WAIT_S),
        ("nan", RATE_LIMIT_DEFAULT_WAIT_S),
    ],
)
async def test_the_retry_after_header_in_seconds(
    discord: FakeDiscord, header: str, wait: float
) -> None:
    assert await first_message_after_429(discord, header, in_body=False) == [wait]


@pytest.mark.parametrize("zone", ["GMT", "-0000", "+0800"])
async def test_the_retry_after_header_as_an_http_date(discord: FakeDiscord, zone: str) -> None:
    # "-0000" once raised TypeError here: Python reads it as a naive datetime.
    (slept,) = await first_message_after_429(discord, http_date(5, zone), in_body=False)
    assert 3 < slept <= 5


@pytest.mark.parametrize(("body", "wait"), [(0.15, 0.15), (2, 2.0), (0, 0.0), (-1, 0.0)])
async def test_the_retry_after_in_the_body(discord: FakeDiscord, body: float, wait: float) -> None:
    assert await first_message_after_429(discord, body, in_body=True) == [wait]


@pytest.mark.parametrize(
    ("retry_after", "in_body"),
    [(1e12, True), ("1e12", False), ("inf", False), ("Fri, 31 Dec 9999 23:59:59 GMT", False)],
)
async def test_a_huge_wait_fails_at_once_with_a_finite_wait(
    discord: FakeDiscord, retry_after: float | str, in_body: bool
) -> None:
    clock = FakeClock()
    discord.script(
        rate_limited_discord("/api/webhooks/", "POST", retry_after=retry_after, in_body=in_body)
    )
    ch = DiscordChannel(discord.webhook_url, clock=clock)
    try:
        with pytest.raises(RateLimited) as info:
            await ch.send(ACK)
    finally:
        await ch.aclose()
    assert info.value.retry_after_s == RETRY_AFTER_CEILING_S
    assert clock.sleeps == []
    assert len(discord.of("POST")) == 1


async def test_a_progress_edit_that_fails_is_dropped_and_the_job_goes_on(
    discord: FakeDiscord,
) -> None:
    discord.script(Scripted("PATCH", "/messages/", 500, {"message": "Internal", "code": 0}))
    # A 429 asking for a minute: not waited for during progress, just dropped.
    discord.script(rate_limited_discord("/messages/", "PATCH", retry_after=60))
    media = f"{discord.url}/media/cat.png"
    await deliver(channel(discord), [ACK, START, progress(50, 20), success(media), DONE], gap=0.15)
    assert [e.status for e in discord.of("PATCH")] == [500, 429, 200]
    (message,) = discord.messages.values()
    assert message["content"] == joined(ACK, success(media))
    assert message["attachments"] == [("cat.png", PNG)]


async def test_the_outcome_that_cannot_be_delivered_is_raised(discord: FakeDiscord) -> None:
    discord.script(*[Scripted("PATCH", "/messages/", 503, {"message": "down"}) for _ in range(2)])
    ch = channel(discord)
    try:
        await ch.send(ACK)
        with pytest.raises(ChannelError, match="503"):
            await ch.send(FAILURE)
    finally:
        await ch.aclose()


async def test_attachment_refused_still_delivers_the_caption(discord: FakeDiscord) -> None:
    discord.script(Scripted("PATCH", "/messages/", 413, {"message": "Request entity too large"}))
    media = f"{discord.url}/media/cat.png"
    await deliver(channel(discord), [ACK, success(media), DONE])
    (message,) = discord.messages.values()
    assert message["content"] == joined(ACK, success(media))
    assert [e.status for e in discord.of("PATCH")] == [413, 200]


async def test_nobody_is_pinged_and_long_text_is_cut(discord: FakeDiscord) -> None:
    shout = Reply(event="ack", text="@everyone " + "画" * 2500, lang="zh")
    await deliver(channel(discord), [shout, DONE])
    (post,) = discord.of("POST")
    assert post.json["allowed_mentions"] == {"parse": []}
    assert len(post.json["content"]) == 2000


async def test_the_webhook_token_never_reaches_logs_or_errors(
    discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    from skill.logs import RedactingFilter

    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    discord.script(Scripted("PATCH", "/messages/", 500, {"message": "Internal"}))
    await deliver(channel(discord), [ACK, START, FAILURE, DONE], gap=0.15)
    wrong = discord.webhook_url.replace(discord.TOKEN, "not_the_token_abcdef0123")
    with pytest.raises(ChannelError) as info:
        await deliver(DiscordChannel(wrong), [ACK])
    assert "not_the_token" not in str(info.value)
    assert discord.TOKEN not in caplog.text
    assert "not_the_token" not in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/api/webhooks/1/secret_token_1",
        "http://discord.com/api/webhooks/1/secret_token_1",
        "https://discord.com/api/channels/1/messages",
        "https://user:pw@discord.com/api/webhooks/1/secret_token_1",
        "https://discord.com.evil.example/api/webhooks/1/secret_token_1",
    ],
)
def test_only_discord_webhooks_or_loopback_are_accepted(url: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        check_webhook_url(url)
    assert "secret_token_1" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://discord.com/api/webhooks/123/abc_DEF-1",
        "https://discordapp.com/api/v10/webhooks/123/abc",
        "http://127.0.0.1:9/api/webhooks/123/abc",
    ],
)
def test_discord_webhooks_are_accepted(url: str) -> None:
    assert check_webhook_url(url) == url


async def test_picture_too_large_is_not_attached(discord: FakeDiscord) -> None:
    discord.media_bytes = PNG + b"\0" * (10 * 1024 * 1024)
    media = f"{discord.url}/media/big.png"
    await deliver(channel(discord), [ACK, success(media), DONE])
    (edit,) = discord.of("PATCH")
    assert edit.headers["content-type"].startswith("application/json")
    assert json.loads(edit.body)["content"] == joined(ACK, success(media))


@pytest.mark.parametrize(
    ("head", "name", "mime"),
    [
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "cat.gif", "image/gif"),
        (b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/", "cat.webp", "image/webp"),
    ],
)
async def test_a_picture_is_attached_by_what_its_bytes_say(
    discord: FakeDiscord, head: bytes, name: str, mime: str
) -> None:
    # A chat takes a GIF, unlike the IMA upload: the channel attaches every format it knows,
    # named and typed by its bytes, whatever the link's name says.
    discord.media_bytes = head
    media = f"{discord.url}/media/cat.png"
    await deliver(channel(discord), [ACK, success(media), DONE])
    (edit,) = discord.of("PATCH")
    assert edit.parts["files[0]"] == (name, mime, head)


async def test_bytes_that_are_no_picture_are_not_attached(discord: FakeDiscord) -> None:
    discord.media_bytes = b"<html>not found</html>"
    media = f"{discord.url}/media/cat.png"
    await deliver(channel(discord), [ACK, success(media), DONE])
    (edit,) = discord.of("PATCH")
    assert edit.headers["content-type"].startswith("application/json")
