"""The Feishu channel against a loopback fake of the open platform."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from pathlib import Path

import pytest
from fake_platforms import (
    ACK,
    DONE,
    FAILURE,
    PNG,
    START,
    FakeFeishu,
    Scripted,
    http_date,
    progress,
    rate_limited_feishu,
    success,
)

from skill.channels._http import ChannelConfigError, ChannelError, RateLimited
from skill.channels.feishu import RATE_LIMIT_DEFAULT_WAIT_S, FeishuChannel
from skill.clock import FakeClock
from skill.events import Reply
from skill.net import RETRY_AFTER_CEILING_S

INTERVAL = 0.1  # the channel's minimum time between card edits in these tests (real seconds)


def channel(fake: FakeFeishu, **kwargs: object) -> FeishuChannel:
    env = {
        "FEISHU_APP_ID": fake.APP_ID,
        "FEISHU_APP_SECRET": fake.APP_SECRET,
        "FEISHU_BASE_URL": fake.url,
    }
    return FeishuChannel.from_env("oc_fake_chat", env, min_edit_interval_s=INTERVAL, **kwargs)


async def deliver(ch: FeishuChannel, replies: list[Reply], *, gap: float = 0.0) -> None:
    try:
        for reply in replies:
            await ch.send(reply)
            if gap:
                await asyncio.sleep(gap)
    finally:
        await ch.aclose()


def joined(*replies: Reply) -> str:
    return "\n\n".join(r.text or "" for r in replies)


async def test_success_with_progress_one_card_edits_and_the_picture(feishu: FakeFeishu) -> None:
    media = f"{feishu.url}/media/cat.png"
    replies = [ACK, START, progress(37, 15), progress(75, 30), success(media), DONE]
    await deliver(channel(feishu), replies, gap=INTERVAL + 0.05)

    (card,) = feishu.cards()
    # Created with the acknowledgement, to the chat, as a shared card.
    (create, *_) = feishu.of("POST", "/im/v1/messages")
    assert create.json["receive_id"] == "oc_fake_chat"
    assert json.loads(create.json["content"])["elements"][0]["text"]["content"] == ACK.text
    # Edited in place: start, two progress, the outcome; each text different, spaced out.
    patches = feishu.of("PATCH", f"/im/v1/messages/{card}")
    shown = [json.loads(p.json["content"])["elements"][0]["text"]["content"] for p in patches]
    assert shown == [
        joined(ACK, START),
        joined(ACK, START, progress(37, 15)),
        joined(ACK, START, progress(75, 30)),
        joined(ACK, success(media)),
    ]
    gaps = [b.at - a.at for a, b in itertools.pairwise(patches)]
    assert all(g >= INTERVAL * 0.9 for g in gaps[:-1]), gaps
    # The picture: downloaded, uploaded for an image_key, sent as an image message.
    (upload,) = feishu.of("POST", "/im/v1/images")
    assert upload.parts["image"][2] == PNG
    assert feishu.image_messages() == list(feishu.images)
    # One token for the whole conversation, sent on every call.
    assert len(feishu.of("POST", "/tenant_access_token/")) == 1
    assert all(c.headers["authorization"].startswith("Bearer t-fake-") for c in patches)


async def test_a_burst_of_progress_collapses_into_one_edit(feishu: FakeFeishu) -> None:
    ch = channel(feishu)
    try:
        for reply in (ACK, START, progress(10, 4), progress(20, 8), progress(30, 12)):
            await ch.send(reply)
        await asyncio.sleep(INTERVAL * 2.5)
        await ch.send(success(f"{feishu.url}/media/cat.png"))
        await ch.send(DONE)
    finally:
        await ch.aclose()
    (card,) = feishu.cards()
    patches = feishu.of("PATCH", card)
    assert len(patches) == 2
    first = json.loads(patches[0].json["content"])["elements"][0]["text"]["content"]
    assert first == joined(ACK, START, progress(30, 12))
    # The deferred edit waited for the interval after the card was created.
    (create,) = feishu.of("POST", "/im/v1/messages")[:1]
    assert patches[0].at - create.at >= INTERVAL * 0.9


async def test_failure_is_shown_on_the_card_at_once(feishu: FakeFeishu) -> None:
    await deliver(channel(feishu), [ACK, START, FAILURE, DONE])
    (card,) = feishu.cards()
    # The start edit was still waiting for its turn: the outcome replaces it, never held back.
    assert len(feishu.of("PATCH", card)) == 1
    assert feishu.card_text(card) == joined(ACK, FAILURE)
    assert feishu.of("POST", "/im/v1/images") == []
    assert feishu.image_messages() == []


async def test_refusal_before_start_is_ack_then_failure(feishu: FakeFeishu) -> None:
    refusal = Reply(
        event="failure", text="❌ 需要一张图片才能改图,请发给我", reason="missing_image"
    )
    await deliver(channel(feishu), [ACK, refusal, DONE])
    (card,) = feishu.cards()
    assert feishu.card_text(card) == joined(ACK, refusal)


async def test_local_picture_is_uploaded_without_downloading(
    feishu: FakeFeishu, tmp_path: Path
) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    await deliver(channel(feishu), [ACK, success("https://cdn.example/cat.png", str(picture))])
    assert feishu.of("GET", "/media/") == []
    (upload,) = feishu.of("POST", "/im/v1/images")
    assert upload.parts["image"][0] == "cat.png"
    assert len(feishu.image_messages()) == 1


async def test_rate_limit_is_waited_out_and_the_card_still_created(feishu: FakeFeishu) -> None:
    feishu.script(rate_limited_feishu("/im/v1/messages", "POST", reset_s=0.1))
    await deliver(channel(feishu), [ACK, DONE])
    first, second = feishu.of("POST", "/im/v1/messages")
    assert first.status == 429
    assert second.status == 200
    assert second.at - first.at >= 0.09
    assert len(feishu.cards()) == 1


async def test_each_message_has_its_own_uuid_kept_when_it_is_sent_again(
    feishu: FakeFeishu,
) -> None:
    feishu.script(rate_limited_feishu("/im/v1/messages", "POST", reset_s=0))
    await deliver(channel(feishu, clock=FakeClock()), [ACK, success(f"{feishu.url}/media/c.png")])
    refused, card, picture = feishu.of("POST", "/im/v1/messages")
    assert [refused.status, card.status, picture.status] == [429, 200, 200]
    uuids = [json.loads(c.body)["uuid"] for c in (refused, card, picture)]
    # The card's second try is the same message to Feishu; the picture is another one.
    assert uuids[0] == uuids[1] != uuids[2]
    assert all(0 < len(u) <= 50 for u in uuids)


@pytest.mark.parametrize(
    ("reset", "wait"),
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
async def test_the_reset_header_is_waited_out_on_the_clock(
    feishu: FakeFeishu, reset: str, wait: float
) -> None:
    clock = FakeClock()
    feishu.script(rate_limited_feishu("/im/v1/messages", "POST", reset_s=reset))
    await deliver(channel(feishu, clock=clock), [ACK, DONE])
    assert [c.status for c in feishu.of("POST", "/im/v1/messages")] == [429, 200]
    assert clock.sleeps == [wait]
    assert len(feishu.cards()) == 1


@pytest.mark.parametrize("zone", ["GMT", "-0000", "+0800"])
async def test_a_reset_given_as_an_http_date_is_waited_until(feishu: FakeFeishu, zone: str) -> None:
    # "-0000" once raised TypeError here: Python reads it as a naive datetime.
    clock = FakeClock()
    feishu.script(rate_limited_feishu("/im/v1/messages", "POST", reset_s=http_date(5, zone)))
    await deliver(channel(feishu, clock=clock), [ACK, DONE])
    assert [c.status for c in feishu.of("POST", "/im/v1/messages")] == [429, 200]
    (slept,) = clock.sleeps
    assert 3 < slept <= 5


@pytest.mark.parametrize("reset", ["1e12", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_a_huge_reset_fails_at_once_with_a_finite_wait(
    feishu: FakeFeishu, reset: str
) -> None:
    clock = FakeClock()
    feishu.script(rate_limited_feishu("/im/v1/messages", "POST", reset_s=reset))
    ch = channel(feishu, clock=clock)
    try:
        with pytest.raises(RateLimited) as info:
            await ch.send(ACK)
    finally:
        await ch.aclose()
    assert info.value.retry_after_s == RETRY_AFTER_CEILING_S
    assert clock.sleeps == []
    assert len(feishu.of("POST", "/im/v1/messages")) == 1


async def test_per_message_edit_limit_drops_progress_but_not_the_outcome(
    feishu: FakeFeishu,
) -> None:
    # The edit limit of one message (code 230020), asking for a longer wait than we accept.
    feishu.script(
        Scripted(
            "PATCH",
            "/im/v1/messages/",
            400,
            {"code": 230020, "msg": "This operation triggers the frequency limit."},
            {"x-ogw-ratelimit-reset": "60"},
        )
    )
    ch = channel(feishu)
    try:
        await ch.send(ACK)
        await asyncio.sleep(INTERVAL + 0.05)
        await ch.send(START)  # refused: dropped, no exception, no 60 s wait
        await ch.send(FAILURE)  # the outcome still lands
    finally:
        await ch.aclose()
    (card,) = feishu.cards()
    assert feishu.card_text(card) == joined(ACK, FAILURE)
    assert [c.status for c in feishu.of("PATCH")] == [400, 200]


async def test_outcome_edit_that_cannot_be_made_is_raised(feishu: FakeFeishu) -> None:
    feishu.script(rate_limited_feishu("/im/v1/messages/", "PATCH", reset_s=60))
    ch = channel(feishu)
    try:
        await ch.send(ACK)
        with pytest.raises(ChannelError, match="rate limit"):
            await ch.send(FAILURE)
    finally:
        await ch.aclose()


async def test_a_refused_token_is_renewed_once(feishu: FakeFeishu) -> None:
    ch = channel(feishu)
    try:
        await ch.send(ACK)
        feishu.revoke_tokens()
        await asyncio.sleep(INTERVAL + 0.05)
        await ch.send(START)
        await ch.send(DONE)
    finally:
        await ch.aclose()
    assert len(feishu.of("POST", "/tenant_access_token/")) == 2
    (card,) = feishu.cards()
    assert feishu.card_text(card) == joined(ACK, START)


async def test_token_is_fetched_again_when_it_expires(feishu: FakeFeishu) -> None:
    # A token that lives no longer than the refresh margin is never reused.
    feishu.token_lifetime_s = 300
    await deliver(channel(feishu), [ACK, START], gap=INTERVAL + 0.05)
    assert len(feishu.of("POST", "/tenant_access_token/")) == 2


async def test_secrets_never_reach_logs_or_errors(
    feishu: FakeFeishu, caplog: pytest.LogCaptureFixture
) -> None:
    from skill.logs import RedactingFilter

    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    await deliver(channel(feishu), [ACK, START, FAILURE, DONE])
    bad = FeishuChannel(
        chat_id="oc_x",
        app_id=feishu.APP_ID,
        app_secret="wrong-secret-0123456789",
        base_url=feishu.url,
    )
    with pytest.raises(ChannelError) as info:
        await deliver(bad, [ACK])
    assert "wrong-secret" not in str(info.value)
    tokens = {c.headers["authorization"][7:] for c in feishu.calls if "authorization" in c.headers}
    for secret in {feishu.APP_SECRET, *tokens}:
        assert secret not in caplog.text


def test_configuration_is_checked_before_anything_is_sent() -> None:
    with pytest.raises(ChannelConfigError, match="FEISHU_APP_ID"):
        FeishuChannel.from_env("oc_1", {})
    with pytest.raises(ChannelConfigError, match="chat id"):
        FeishuChannel.from_env(None, {"FEISHU_APP_ID": "a", "FEISHU_APP_SECRET": "b"})
    env = {
        "FEISHU_APP_ID": "a",
        "FEISHU_APP_SECRET": "b",
        "FEISHU_BASE_URL": "https://evil.example",
    }
    with pytest.raises(ChannelConfigError, match="FEISHU_BASE_URL"):
        FeishuChannel.from_env("oc_1", env)
    env["FEISHU_BASE_URL"] = "http://open.feishu.cn"  # the official host, but not over https
    with pytest.raises(ChannelConfigError):
        FeishuChannel.from_env("oc_1", env)
