"""The picture's own download, as every chat channel and bot fetches it from the image store:
over real loopback HTTP against the fake's ``/media/``, which can drop a connection or answer
busy. A GET is safe to repeat, so a lost picture is only one that stayed lost."""

from __future__ import annotations

import logging

import httpx
import pytest
from fake_platforms import ACK, DONE, PNG, FakeFeishu, Scripted, success

from skill.channels._http import DOWNLOAD_ATTEMPTS, load_picture
from skill.channels.feishu import FeishuChannel
from skill.events import Reply

LIMIT = 10 * 1024 * 1024


class Waits:
    """Records the waits instead of sleeping them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def fetch(fake: FakeFeishu, waits: Waits) -> object:
    async with httpx.AsyncClient(timeout=5.0) as http:
        return await load_picture(
            success(f"{fake.url}/media/cat.png"), http, max_bytes=LIMIT, sleep=waits
        )


def gets(fake: FakeFeishu) -> list[tuple[bool, int]]:
    return [(c.dropped, c.status) for c in fake.of("GET", "/media/")]


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
async def test_a_download_whose_connection_drops_once_is_fetched_again(
    feishu: FakeFeishu, reset: bool
) -> None:
    feishu.drop("GET", "/media/", reset=reset)
    waits = Waits()
    picture = await fetch(feishu, waits)
    assert picture is not None
    assert getattr(picture, "data", None) == PNG
    assert [dropped for dropped, _ in gets(feishu)] == [True, False]
    assert len(waits.seconds) == 1
    assert 0.1 <= waits.seconds[0] <= 0.5


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_a_busy_answer_is_fetched_again(feishu: FakeFeishu, status: int) -> None:
    feishu.script(Scripted("GET", "/media/", status, {"message": "busy"}))
    waits = Waits()
    assert await fetch(feishu, waits) is not None
    assert gets(feishu) == [(False, status), (False, 200)]
    assert len(waits.seconds) == 1


async def test_a_short_retry_after_is_honoured(feishu: FakeFeishu) -> None:
    feishu.script(Scripted("GET", "/media/", 503, {}, {"Retry-After": "1.5"}))
    waits = Waits()
    assert await fetch(feishu, waits) is not None
    assert waits.seconds == [1.5]


async def test_a_long_retry_after_ends_it_at_once(
    feishu: FakeFeishu, caplog: pytest.LogCaptureFixture
) -> None:
    feishu.script(Scripted("GET", "/media/", 429, {}, {"Retry-After": "3600"}))
    waits = Waits()
    assert await fetch(feishu, waits) is None
    assert waits.seconds == []
    assert len(gets(feishu)) == 1
    assert "sent without it" in caplog.text


@pytest.mark.parametrize("status", [403, 404, 410])
async def test_an_answer_that_will_not_change_is_not_asked_again(
    feishu: FakeFeishu, status: int
) -> None:
    feishu.script(Scripted("GET", "/media/", status, {}))
    waits = Waits()
    assert await fetch(feishu, waits) is None
    assert gets(feishu) == [(False, status)]
    assert waits.seconds == []


async def test_a_download_lost_every_time_gives_up_after_its_attempts(
    feishu: FakeFeishu, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="skill.channels")
    feishu.drop("GET", "/media/", times=DOWNLOAD_ATTEMPTS)
    waits = Waits()
    assert await fetch(feishu, waits) is None
    assert [dropped for dropped, _ in gets(feishu)] == [True] * DOWNLOAD_ATTEMPTS
    assert len(waits.seconds) == DOWNLOAD_ATTEMPTS - 1
    assert caplog.text.count("again in") == DOWNLOAD_ATTEMPTS - 1
    assert f"{DOWNLOAD_ATTEMPTS} attempts: sent without it" in caplog.text


async def test_the_chat_gets_its_picture_although_the_first_download_dropped(
    feishu: FakeFeishu,
) -> None:
    feishu.drop("GET", "/media/", reset=True)
    env = {
        "FEISHU_APP_ID": feishu.APP_ID,
        "FEISHU_APP_SECRET": feishu.APP_SECRET,
        "FEISHU_BASE_URL": feishu.url,
    }
    ch = FeishuChannel.from_env("oc_fake_chat", env, min_edit_interval_s=0.0)
    replies: list[Reply] = [ACK, success(f"{feishu.url}/media/cat.png"), DONE]
    try:
        for reply in replies:
            await ch.send(reply)
    finally:
        await ch.aclose()
    (upload,) = feishu.of("POST", "/im/v1/images")
    assert upload.parts["image"][2] == PNG
    assert len(feishu.image_messages()) == 1
