"""ImaClient against a scripted API on httpx.MockTransport: headers, bodies, retries, errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from ima_fakes import CDN_URL, KEY, UPLOAD_PUT_URL, FakeApi, fail, media, ok

from skill import catalog
from skill.clock import FakeClock
from skill.flow.watch import watch
from skill.ima import (
    ApiError,
    AttributeMismatch,
    ConfigurationError,
    CreateUnconfirmed,
    CreditMismatch,
    EndpointRefused,
    FixedEvery,
    ImaClient,
    ImaError,
    InsufficientPoints,
    InvalidImage,
    InvalidProductAttribute,
    NetworkError,
    RateLimited,
    ServerError,
    SubscriptionRequired,
    TaskFailed,
    TaskSnapshot,
    TaskTimeout,
    Unauthorized,
    UnsupportedModel,
)
from skill.ima.upload import sign

MakeClient = Callable[..., ImaClient]
NB2 = "gemini-3.1-flash-image"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_headers_and_product_list_query(api: FakeApi, make_client: MakeClient) -> None:
    async with make_client(language="zh") as client:
        await client.product_list("text_to_image")
    (request,) = api.sent("product_list")
    assert request.method == "GET"
    query = dict(request.url.params)
    assert query == {"app": "ima", "platform": "web", "category": "text_to_image"}
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-app-source"] == "ima_skills"
    assert request.headers["x_app_language"] == "zh"
    assert request.headers["user-agent"].startswith("ima-nano-banana/")
    assert KEY not in str(request.url)


async def test_product_list_is_cached_for_its_ttl(
    api: FakeApi, make_client: MakeClient, clock: FakeClock
) -> None:
    async with make_client() as client:
        await client.product_list("text_to_image")
        clock.advance(30)
        await client.product_list("text_to_image")
        assert len(api.sent("product_list")) == 1
        await client.product_list("image_to_image")
        assert len(api.sent("product_list")) == 2
        clock.advance(31)
        await client.product_list("text_to_image")
        assert len(api.sent("product_list")) == 3


def _watch(
    client: ImaClient, clock: FakeClock, task_id: str, *, every_s: float, timeout_s: float = 600
) -> AsyncIterator[TaskSnapshot]:
    """The one poll loop (skill.flow.watch) on a fixed schedule, snapshots only."""

    async def snapshots() -> AsyncIterator[TaskSnapshot]:
        async for item in watch(
            client,
            clock,
            task_id,
            catalog.NANO_BANANA_2,
            schedule=FixedEvery(every_s),
            timeout_s=timeout_s,
        ):
            if isinstance(item, TaskSnapshot):
                yield item

    return snapshots()


async def test_full_text_to_image_run(
    api: FakeApi, make_client: MakeClient, clock: FakeClock
) -> None:
    api.queue(
        "detail",
        ok({"medias": []}),
        ok({"medias": [media(rs=None, status="pending", url=None)]}),
        ok({"medias": [media(rs="", status="processing", url=None)]}),
    )
    polls: list[TaskSnapshot] = []
    async with make_client() as client:
        plan = await client.plan("text_to_image", NB2, size="2K", aspect_ratio="3:2")
        task_id = await client.create(plan, "a red fox")
        async for item in _watch(client, clock, task_id, every_s=3):
            polls.append(item)
    assert task_id == "task-123"
    result = polls[-1]
    assert result.state == "done"
    assert result.url == "https://cdn.example.test/out.png"
    assert (result.width, result.height) == (1024, 1024)
    assert clock.now() == 9
    (body,) = api.bodies("create")
    inner = body["parameters"][0]["parameters"]
    assert (body["parameters"][0]["credit"], inner["cast"]) == (
        10,
        {"points": 10, "attribute_id": 4402},
    )
    assert inner["prompt"] == "a red fox"
    assert "prompt" not in body
    assert api.bodies("detail") == [{"task_id": "task-123"}] * 4


async def test_unsupported_model_sends_nothing(api: FakeApi, make_client: MakeClient) -> None:
    async with make_client() as client:
        with pytest.raises(UnsupportedModel):
            await client.plan("text_to_image", "midjourney")
    assert api.requests == []


@pytest.mark.parametrize(
    ("answer", "error", "reason"),
    [
        (fail(401, "Unauthorized", status=401), Unauthorized, "unauthorized"),
        (fail(401, "Unauthorized", status=200), Unauthorized, "unauthorized"),
        (fail(4008, "Insufficient points"), InsufficientPoints, "insufficient_points"),
        (fail(4014, "Upgrade your plan"), SubscriptionRequired, "subscription_required"),
        (fail(6006, "credit mismatch"), CreditMismatch, "credit_mismatch"),
        (fail(6010, "attribute mismatch"), AttributeMismatch, "attribute_mismatch"),
        (fail(4008, "Invalid product attribute"), InvalidProductAttribute, "invalid_attribute"),
        (fail(400, "bad param", status=400), ApiError, "bad_request"),
        (httpx.Response(502, text="<html>bad gateway</html>"), ServerError, "server_error"),
        # An answer that cannot be read: the task may exist, so it is never sent again.
        (httpx.Response(200, text="{not json"), CreateUnconfirmed, "unconfirmed"),
    ],
)
async def test_create_errors_are_typed_and_never_retried(
    api: FakeApi, make_client: MakeClient, answer: httpx.Response, error: type, reason: str
) -> None:
    api.queue("create", answer)
    async with make_client() as client:
        plan = await client.plan("text_to_image", NB2)
        with pytest.raises(error) as info:
            await client.create(plan, "x")
    assert info.value.reason == reason
    assert len(api.sent("create")) == 1


async def test_create_network_error_after_sending_is_not_repeated(
    api: FakeApi, make_client: MakeClient
) -> None:
    api.queue("create", httpx.RemoteProtocolError("peer closed connection"))
    async with make_client() as client:
        plan = await client.plan("text_to_image", NB2)
        with pytest.raises(NetworkError) as info:
            await client.create(plan, "x")
    assert info.value.request_sent is True
    assert "may have been created" in str(info.value)
    assert len(api.sent("create")) == 1


async def test_create_connect_error_says_nothing_was_sent(
    api: FakeApi, make_client: MakeClient
) -> None:
    api.queue("create", httpx.ConnectError("connection refused"))
    async with make_client() as client:
        plan = await client.plan("text_to_image", NB2)
        with pytest.raises(NetworkError) as info:
            await client.create(plan, "x")
    assert info.value.request_sent is False


async def test_detail_retries_with_backoff_on_the_clock(
    api: FakeApi, make_client: MakeClient, clock: FakeClock
) -> None:
    api.queue(
        "detail",
        httpx.Response(500, text="oops"),
        httpx.ReadTimeout("slow"),
        fail(429, "slow down", status=429, **{"Retry-After": "2"}),
    )
    async with make_client() as client:
        snap = await client.detail("task-123")
    assert snap.state == "done"
    assert len(api.sent("detail")) == 4
    # Exponential backoff (no jitter in tests), then the server's Retry-After.
    assert clock.sleeps == [0.5, 1.0, 2.0]


async def test_retries_are_bounded(api: FakeApi, make_client: MakeClient) -> None:
    api.queue("detail", *[httpx.Response(503, text="down")] * 10)
    async with make_client() as client:
        with pytest.raises(ServerError):
            await client.detail("task-123")
    assert len(api.sent("detail")) == 4


async def test_long_retry_after_is_not_waited_for(
    api: FakeApi, make_client: MakeClient, clock: FakeClock
) -> None:
    api.queue("product_list", fail(429, "busy", status=429, **{"Retry-After": "3600"}))
    async with make_client() as client:
        with pytest.raises(RateLimited) as info:
            await client.product_list("text_to_image")
    assert info.value.retry_after == 3600
    assert clock.sleeps == []


async def test_watch_raises_task_failed_with_reason(
    api: FakeApi, make_client: MakeClient, clock: FakeClock
) -> None:
    api.queue("detail", ok({"medias": [media(rs=2, status="failed", error_msg="nsfw")]}))
    async with make_client() as client:
        with pytest.raises(TaskFailed) as info:
            _ = [s async for s in _watch(client, clock, "task-123", every_s=5)]
    assert info.value.reason == "generation_failed"
    assert "nsfw" in str(info.value)

    api.queue("detail", ok({"medias": [media(rs=1, status="failed", url=None)]}))
    async with make_client() as client:
        with pytest.raises(TaskFailed) as info:
            _ = [s async for s in _watch(client, clock, "task-123", every_s=5)]
    assert info.value.reason == "task_failed"


async def test_watch_times_out_with_the_task_id(
    api: FakeApi, make_client: MakeClient, clock: FakeClock
) -> None:
    pending = ok({"medias": [media(rs=0, status="processing", url=None)]})
    api.queue("detail", *[pending] * 100)
    async with make_client() as client:
        with pytest.raises(TaskTimeout) as info:
            _ = [s async for s in _watch(client, clock, "task-123", every_s=5, timeout_s=42)]
    assert info.value.task_id == "task-123"
    assert info.value.reason == "timeout"
    assert clock.now() == 42
    assert len(api.sent("detail")) == 9  # t = 0, 5, ..., 40; the deadline ends it at 42


async def test_key_never_in_errors_or_logs(
    api: FakeApi, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    api.queue("create", fail(401, f"key {KEY} is not valid; also ima_someone_elses_key"))
    caplog.set_level(logging.DEBUG, logger="skill.ima")
    async with make_client() as client:
        plan = await client.plan("text_to_image", NB2)
        with pytest.raises(ImaError) as info:
            await client.create(plan, "x")
    assert KEY not in str(info.value)
    assert "ima_someone_elses_key" not in str(info.value)
    assert "ima_***" in str(info.value)
    assert caplog.records, "each request is logged"
    assert all(KEY not in r.getMessage() for r in caplog.records)
    assert any("/open/v1/tasks/create" in r.getMessage() for r in caplog.records)


async def test_upload_flow(api: FakeApi, make_client: MakeClient, tmp_path: Path) -> None:
    image = tmp_path / "cat.data"  # the name says nothing; the bytes say PNG
    image.write_bytes(PNG)
    async with make_client() as client:
        urls = await client.prepare_inputs([str(image), "https://example.com/dog.jpg"])
    assert urls == [CDN_URL, "https://example.com/dog.jpg"]
    (token,) = api.sent("upload_token")
    assert token.method == "POST"
    assert KEY not in str(token.url)
    assert "authorization" not in token.headers
    form = dict(httpx.QueryParams(token.content.decode()))
    assert form["appUid"] == form["cmimToken"] == KEY
    assert (form["fSuffix"], form["fContentType"]) == ("png", "image/png")
    assert (form["fService"], form["fType"], form["appId"]) == ("privite", "picture", "webAgent")
    assert len(form["nonce"]) == 21
    assert form["sign"] == sign(form["appId"], form["appKey"], form["timestamp"], form["nonce"])
    (put,) = api.sent("upload_put")
    assert str(put.url) == UPLOAD_PUT_URL
    assert put.content == PNG
    assert put.headers["content-type"] == "image/png"
    assert "authorization" not in put.headers
    assert KEY not in str(put.headers)


async def test_broken_image_sends_nothing(
    api: FakeApi, make_client: MakeClient, tmp_path: Path
) -> None:
    good = tmp_path / "ok.png"
    good.write_bytes(PNG)
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    async with make_client() as client:
        with pytest.raises(InvalidImage) as info:
            await client.prepare_inputs([str(good), str(bad)])
    assert info.value.why == "not_image"
    assert api.requests == []


async def test_upload_put_is_retried_like_a_safe_request(
    api: FakeApi, make_client: MakeClient, clock: FakeClock, tmp_path: Path
) -> None:
    # A PUT of the same bytes to the same URL stores the same file: repeating it after a
    # reset, a 429 or a 5xx can cost nothing, unlike a create.
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    api.queue(
        "upload_put",
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        httpx.Response(429, headers={"Retry-After": "3"}),
    )
    async with make_client() as client:
        assert await client.prepare_inputs([str(image)]) == [CDN_URL]
    puts = api.sent("upload_put")
    assert len(puts) == 4
    assert all(put.content == PNG for put in puts)
    assert clock.sleeps[-1] == 3  # the server's Retry-After, honoured
    api.queue("upload_put", *[httpx.Response(503)] * 4)
    async with make_client() as client:
        with pytest.raises(ServerError):
            await client.prepare_inputs([str(image)])
    assert len(api.sent("upload_put")) == 8  # the policy's four attempts, then the failure


async def test_an_error_envelope_on_the_upload_put_is_that_error(
    api: FakeApi, make_client: MakeClient, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    api.queue("upload_put", fail(4008, "Insufficient points"))
    async with make_client() as client:
        with pytest.raises(InsufficientPoints):
            await client.prepare_inputs([str(image)])
    assert len(api.sent("upload_put")) == 1  # a verdict, not retried
    # An object store's own 200 answers (empty, or not an envelope) mean stored.
    api.queue("upload_put", httpx.Response(200, text="<ok/>"), ok(None))
    async with make_client() as client:
        assert await client.prepare_inputs([str(image)]) == [CDN_URL]
        assert await client.prepare_inputs([str(image)]) == [CDN_URL]


async def test_image_to_image_create_carries_urls_twice(
    api: FakeApi, make_client: MakeClient
) -> None:
    async with make_client() as client:
        plan = await client.plan("image_to_image", NB2)
        await client.create(plan, "oil painting", input_urls=["https://x.test/a.jpg"])
    (body,) = api.bodies("create")
    assert body["src_img_url"] == ["https://x.test/a.jpg"]
    assert body["parameters"][0]["parameters"]["input_images"] == ["https://x.test/a.jpg"]
    assert body["parameters"][0]["attribute_id"] == 4405


def test_empty_key_and_refused_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError):
        ImaClient("  ")
    monkeypatch.setenv("IMA_BASE_URL", "https://evil.example.com")
    with pytest.raises(EndpointRefused) as info:
        ImaClient(KEY)
    assert "evil.example.com" in str(info.value)


async def test_a_create_read_timeout_is_unconfirmed(api: FakeApi, make_client: MakeClient) -> None:
    # The request left and no answer came: the task may exist, so it is never sent again.
    api.queue("create", httpx.ReadTimeout("slow"))
    async with make_client() as client:
        plan = await client.plan("text_to_image", NB2)
        with pytest.raises(CreateUnconfirmed) as info:
            await client.create(plan, "x")
    assert info.value.reason == "unconfirmed"
    assert len(api.sent("create")) == 1
