"""``follow`` in-process: simulator transport + FakeClock (every run takes milliseconds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from skill import catalog
from skill.events import Reply
from skill.flow import State
from skill.ima import ImaClient, TaskSnapshot
from skill.render import violations
from skill.settings import Endpoints
from skill.sim import SimTransport
from tests.flow.conftest import Run, Talk, World, start

NB2 = catalog.NANO_BANANA_2.model_id
PRO = catalog.NANO_BANANA_PRO.model_id


def assert_shape(run: Run) -> None:
    """ack first, then start/progress..., exactly one outcome, done last, nothing after."""
    events = run.events
    assert events[0] == "ack"
    assert events[-1] == "done"
    assert events.count("done") == 1
    assert events.count("success") + events.count("failure") == 1
    assert events[-2] in ("success", "failure")
    for reply in run.replies:
        if reply.text:
            assert violations(reply.text, allowed=(reply.media or "", reply.path or "")) == []
    texts = [r.text for r in run.replies if r.text]
    assert len(texts) == len(set(texts)), "something was said twice"


async def test_zh_success_with_one_progress(world: World, talk: Talk) -> None:
    world.sim.set_duration(NB2, 22)
    run = await talk("画一张16:9的风景照")
    assert_shape(run)
    assert run.events == ["ack", "start", "progress", "success", "done"]
    assert run.one("ack").text == "收到!马上为你生成一张 16:9 的风景照 🏔️"
    assert run.one("ack").lang == "zh"
    start = run.one("start")
    assert start.model == "Nano Banana 2"
    assert start.credits == 6
    assert start.eta_s == (20, 40)
    assert "20~40 秒" in (start.text or "")
    progress = run.one("progress")
    assert (progress.percent, progress.elapsed_s) == (37, 15)
    success = run.one("success")
    assert success.media is not None
    assert success.media.endswith(".png")
    # Polled every 3 s from 5 s: done at 22 s, seen at the 23 s poll.
    assert success.elapsed_s == 23
    assert "实际 23s" in (success.text or "")
    assert success.media in (success.text or "")
    assert run.following.outcome.succeeded
    assert run.following.state is State.DONE


async def test_a_short_task_gets_no_progress(world: World, talk: Talk) -> None:
    world.sim.set_duration(NB2, 10)  # faster than expected: seen at the 11 s poll
    run = await talk("draw a cat")
    assert run.events == ["ack", "start", "success", "done"]
    assert run.one("ack").text == "OK! Drawing a cute cat for you 🐱"


async def test_nb2_progress_every_15_seconds_then_almost_there(world: World, talk: Talk) -> None:
    world.sim.set_duration(NB2, 62)  # overdue: past 40 s progress thins to every other point
    run = await talk("draw a robot")
    progress = run.all("progress")
    assert [p.elapsed_s for p in progress] == [15, 30, 60]
    assert [p.percent for p in progress] == [37, 75, 95]
    assert "Almost there…" in (progress[-1].text or "")
    assert "Almost there" not in (progress[1].text or "")


async def test_pro_progress_every_30_seconds(world: World, talk: Talk) -> None:
    world.sim.set_duration(PRO, 100)
    run = await talk("用 Pro 画一只猫")
    assert_shape(run)
    progress = run.all("progress")
    assert [p.elapsed_s for p in progress] == [30, 60, 90]
    assert [p.percent for p in progress] == [25, 50, 75]
    assert run.one("start").model == "Nano Banana Pro"
    assert run.one("start").eta_s == (60, 120)


async def test_pro_past_its_estimate_stays_at_95(world: World, talk: Talk) -> None:
    world.sim.set_duration(PRO, 185)
    run = await talk("用 Pro 画一只猫")
    progress = run.all("progress")
    assert [p.elapsed_s for p in progress] == [30, 60, 90, 120, 180]
    assert [p.percent for p in progress] == [25, 50, 75, 95, 95]
    assert "稍等,即将完成…" in (progress[-1].text or "")
    assert "稍等" not in (progress[-2].text or "")  # 120 s is the estimate, not past it


async def test_poll_interval_is_kept_apart_from_progress(world: World, talk: Talk) -> None:
    world.sim.set_duration(NB2, 31)
    run = await talk("draw a dog", poll_interval_s=2.0)
    details = [r for r in world.sim.requests if r.path.endswith("/tasks/detail")]
    assert len(details) == 17  # t = 0, 2, ..., 32
    assert [p.elapsed_s for p in run.all("progress")] == [15, 30]
    assert run.one("success").elapsed_s == 32


async def test_journal_records_before_polling_and_finishes_after(world: World, talk: Talk) -> None:
    world.sim.set_duration(NB2, 20)
    run = await talk("draw a house", user_id="u1")
    task_id = run.task_id
    assert task_id is not None
    job = world.journal.get(task_id)
    assert job is not None
    assert job.status == "delivered"
    assert job.media == [run.one("success").media]
    assert job.request.user_id == "u1"
    assert job.credits == 6


async def test_the_journal_says_delivered_only_after_the_picture_was_sent(
    world: World, client: ImaClient
) -> None:
    following = start(world, client, "draw a house")
    seen: list[str] = []
    async for reply in following:
        task_id = following.job.task_id
        if reply.event in ("start", "success"):
            assert task_id is not None
            entry = world.journal.get(task_id)
            assert entry is not None
            seen.append(f"{reply.event}:{entry.status}")
    assert seen == ["start:pending", "success:delivered"]
    task_id = following.job.task_id
    assert task_id is not None
    entry = world.journal.get(task_id)
    assert entry is not None
    assert entry.status == "delivered"


async def test_download_into_out_dir(world: World, talk: Talk, tmp_path: Path) -> None:
    run = await talk("draw a car", out_dir=tmp_path / "out")
    success = run.one("success")
    assert success.path is not None
    saved = Path(success.path)
    assert saved.parent == tmp_path / "out"
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")  # noqa: ASYNC240 - a test's check
    # The chat's caption never carries a path of this machine: only the event does.
    assert success.path not in (success.text or "")
    assert str(tmp_path) not in (success.text or "")


async def test_image_to_image_with_a_local_file(world: World, talk: Talk, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    picture.write_bytes(data)
    run = await talk("把这张图变成油画", images=(str(picture),))
    assert_shape(run)
    assert run.one("ack").text == "收到!马上按你的要求改图 🎨"
    assert run.following.outcome.succeeded
    assert list(world.sim.uploads.values()) == [data]
    assert State.UPLOADING in run.following.outcome.states


# --- preferences --------------------------------------------------------------------------
async def test_named_model_is_saved_and_used_next_time(world: World, talk: Talk) -> None:
    run = await talk("以后都用 Pro 画一只猫", user_id="amy")
    assert "已记住" in (run.one("start").text or "")
    saved = world.prefs.get("amy", "text_to_image")
    assert saved is not None
    assert (saved.model_id, saved.model_name, saved.credit) == (PRO, "Nano Banana Pro", 10)
    again = await talk("画一只狗", user_id="amy")
    assert again.one("start").model == "Nano Banana Pro"
    other = await talk("画一只狗", user_id="bob")
    assert other.one("start").model == "Nano Banana 2"


async def test_clear_words_forget_the_preference(world: World, talk: Talk) -> None:
    world.prefs.save("amy", "text_to_image", model_id=PRO, model_name="Nano Banana Pro", credit=10)
    run = await talk("用默认的画一只狗", user_id="amy")
    assert world.prefs.get("amy", "text_to_image") is None
    assert run.one("start").model == "Nano Banana 2"


async def test_a_named_model_beats_the_preference(world: World, talk: Talk) -> None:
    world.prefs.save("amy", "text_to_image", model_id=PRO, model_name="Nano Banana Pro", credit=10)
    run = await talk("用最便宜的画一只狗", user_id="amy")
    assert run.one("start").model == "Nano Banana 2"
    assert run.one("start").credits == 4


# --- notices that go on -------------------------------------------------------------------
async def test_8k_says_the_maximum_and_uses_4k(world: World, talk: Talk) -> None:
    run = await talk("画一张8K的风景")
    start = run.one("start")
    assert "最高 4K" in (start.text or "")
    assert start.credits == 13
    assert world.sim.stats()["accepted_creates"] == 1


async def test_another_model_named_goes_on_with_nano_banana(world: World, talk: Talk) -> None:
    run = await talk("use midjourney to draw a cat")
    assert run.following.outcome.succeeded
    text = run.one("start").text or ""
    assert "Midjourney isn't available here" in text
    assert "Nano Banana 2" in text


# --- refusals: nothing created ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "images", "reason", "words"),
    [
        ("", (), "bad_request", "What would you like me to draw?"),
        ("帮我画一张", (), "bad_request", "你想让我画点什么"),
        ("把这张图变成油画", (), "missing_image", "请把要修改的图片发给我"),
        (
            "turn this photo into a watercolor",
            ("/no/such/file.png",),
            "missing_image",
            "can't find",
        ),
        ("画一只猫,比例 1:9", (), "unsupported_aspect_ratio", "请使用支持的比例"),
        ("用 Pro 画一只猫 512px", (), "bad_request", "这个模型支持的尺寸:1K、2K和4K"),
    ],
)
async def test_refusals_create_nothing(
    world: World, talk: Talk, text: str, images: tuple[str, ...], reason: str, words: str
) -> None:
    run = await talk(text, images=images)
    assert run.events == ["ack", "failure", "done"]
    failure = run.one("failure")
    assert failure.reason == reason
    assert words in (failure.text or "")
    assert run.following.outcome.refused
    assert world.sim.stats()["creates"] == 0


async def test_a_file_that_is_not_an_image_is_refused(world: World, talk: Talk) -> None:
    bogus = world.tmp / "notes.png"
    bogus.write_text("hello")
    run = await talk("make this photo look like a painting", images=(str(bogus),))
    failure = run.one("failure")
    assert failure.reason == "invalid_image"
    assert "isn't a picture" in (failure.text or "")
    assert world.sim.requests == []  # nothing at all was sent


# --- failures ------------------------------------------------------------------------------
FAULTS = [
    ("unauthorized", "unauthorized", "API密钥无效或未授权", False),
    ("insufficient_points", "insufficient_points", "积分不足", False),
    ("subscription_required", "subscription_required", "订阅", False),
    ("credit_mismatch", "credit_mismatch", "积分计算异常", True),
    ("no_rule", "invalid_attribute", "生成参数配置异常", True),
    ("attribute_mismatch", "attribute_mismatch", "模型参数不匹配", True),
    ("invalid_product_attribute", "invalid_attribute", "生成参数配置异常", True),
    ("bad_request", "bad_request", "图片参数设置有误", True),
    ("server_error", "server_error", "图片服务暂时不稳定", True),
    ("bad_gateway", "server_error", "图片服务暂时不稳定", True),
    ("unavailable", "server_error", "图片服务暂时不稳定", True),
    # A create that left and got no readable answer may have been accepted: it is told so,
    # with nothing offered that would pay for a second picture.
    ("malformed_json", "unconfirmed", "没能确认图片是否已经开始生成", False),
    ("drop_connection", "unconfirmed", "积分也可能已经扣除", False),
    ("resource_failed", "generation_failed", "建议换个模型试试", True),
    ("resource_deleted", "generation_failed", "建议换个模型试试", True),
    ("status_failed", "task_failed", "这次生成没成功", True),
]


@pytest.mark.parametrize(("fault", "reason", "words", "alternatives"), FAULTS)
async def test_every_fault_is_said_plainly(
    world: World, talk: Talk, fault: str, reason: str, words: str, alternatives: bool
) -> None:
    world.sim.inject(fault)
    run = await talk("画一只猫")
    assert_shape(run)
    failure = run.one("failure")
    assert failure.reason == reason
    text = failure.text or ""
    assert words in text
    if alternatives:
        assert "Nano Banana Pro(高质量,10–18 积分)" in text
        assert "Nano Banana 2 512px(同款换尺寸,4 积分)" in text
        assert text.endswith("需要我帮你用其他模型重试吗?")
    else:
        assert "建议改用" not in text
    assert not run.following.outcome.refused
    assert world.sim.stats()["creates"] <= 1  # never two creates


async def test_one_429_on_create_is_tried_once_more_after_its_retry_after(
    world: World, talk: Talk
) -> None:
    # A create refused with 429 was not accepted, so sending it again cannot charge twice.
    world.sim.inject("rate_limited")  # once, with Retry-After: 1
    run = await talk("画一只猫")
    assert run.events[-2:] == ["success", "done"]
    assert world.sim.stats()["creates"] == 2
    assert world.sim.stats()["accepted_creates"] == 1
    assert 1.0 in world.clock.sleeps


async def test_a_create_refused_twice_with_429_is_told_and_not_tried_again(
    world: World, talk: Talk
) -> None:
    world.sim.inject("rate_limited", times=None)
    run = await talk("画一只猫")
    failure = run.one("failure")
    assert failure.reason == "rate_limited"
    assert "请求过于频繁" in (failure.text or "")
    assert "建议改用" not in (failure.text or "")
    assert world.sim.stats()["creates"] == 2
    assert world.sim.stats()["accepted_creates"] == 0


async def test_pro_failure_offers_nano_banana_2(world: World, talk: Talk) -> None:
    world.sim.inject("resource_failed")
    run = await talk("use Nano Banana Pro to draw a city at 2K")
    text = run.one("failure").text or ""
    assert "Nano Banana 2 (faster and cheaper, from 4 pts)" in text
    assert "Nano Banana Pro at 1K (same model, another size, 10 pts)" in text
    assert text.endswith("Want me to try another model?")


async def test_timeout_says_the_picture_may_still_arrive(world: World, talk: Talk) -> None:
    world.sim.inject("never_finishes")
    run = await talk("draw a bird", timeout_s=60)
    failure = run.one("failure")
    assert failure.reason == "timeout"
    text = failure.text or ""
    assert "may still arrive" in text
    assert "the last picture" in text
    assert "resume" not in text
    task_id = run.task_id
    assert task_id is not None
    entry = world.journal.get(task_id)
    assert entry is not None
    assert entry.status == "pending"  # still deliverable later
    assert [p.elapsed_s for p in run.all("progress")] == [15, 30]
    assert world.clock.now() == pytest.approx(60)


@pytest.mark.parametrize("fault", ["server_error", "rate_limited", "unauthorized"])
async def test_an_error_while_polling_says_the_picture_may_still_arrive(
    world: World, talk: Talk, fault: str
) -> None:
    # Each of these faults' reason is its own name.
    # The task exists; only polling failed (retries spent, or a key revoked meanwhile): it
    # stays pending in the journal, and the person is told it may still come.
    world.sim.inject(fault, endpoint="detail", times=None)
    run = await talk("draw a bird")
    failure = run.one("failure")
    assert failure.reason == fault
    assert "may still arrive" in (failure.text or "")
    task_id = run.task_id
    assert task_id is not None
    entry = world.journal.get(task_id)
    assert entry is not None
    assert entry.status == "pending"


async def test_a_failed_task_is_finished_in_the_journal(world: World, talk: Talk) -> None:
    world.sim.inject("status_failed")
    run = await talk("draw a flower")
    task_id = run.task_id
    assert task_id is not None
    entry = world.journal.get(task_id)
    assert entry is not None
    assert entry.status == "failed"


async def test_a_bug_still_ends_the_conversation(world: World, talk: Talk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(world.journal, "record", broken)
    run = await talk("draw a flower")
    assert run.events[-2:] == ["failure", "done"]
    assert run.one("failure").reason == "unknown"


async def test_a_followed_job_ends_once(world: World, talk: Talk) -> None:
    run = await talk("draw a cat")
    with pytest.raises(StopAsyncIteration):
        await run.following.__anext__()


def test_reply_events_are_json_ready() -> None:
    assert Reply("done").to_json() == {"event": "done"}


async def test_the_ack_comes_before_any_request(world: World, client: ImaClient) -> None:
    iterator = start(world, client, "画一只猫").__aiter__()
    first = await iterator.__anext__()
    assert first.event == "ack"
    assert world.sim.requests == []
    rest = [reply.event async for reply in iterator]
    assert rest[-1] == "done"


async def test_lang_forces_the_language(talk: Talk) -> None:
    run = await talk("画一只猫", lang="en")
    assert run.one("ack").text == "OK! Drawing a cute cat for you 🐱"
    assert run.one("ack").lang == "en"
    assert "Image generated!" in (run.one("success").text or "")


class _SlowDetail(httpx.AsyncBaseTransport):
    """The simulator, but every detail request takes 2 s of the shared clock."""

    def __init__(self, world: World) -> None:
        self._inner = SimTransport(world.sim)
        self._clock = world.clock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tasks/detail"):
            self._clock.advance(2.0)
        return await self._inner.handle_async_request(request)


async def test_a_late_wake_up_reports_the_cadence_point(world: World) -> None:
    """Progress says 15 s / 37 %, not 16 s / 40 %, when polling makes the loop late."""
    world.sim.set_duration(NB2, 50)
    async with ImaClient(
        "ima_flow_test_key",
        endpoints=Endpoints("http://127.0.0.1:9", "http://127.0.0.1:9"),
        transport=_SlowDetail(world),
        clock=world.clock,
    ) as client:
        replies = [reply async for reply in start(world, client, "draw a dog")]
    progress = [r for r in replies if r.event == "progress"]
    assert [p.elapsed_s for p in progress] == [15, 30]
    assert [p.percent for p in progress] == [37, 75]


async def test_the_ack_promises_nothing_when_something_is_still_missing(talk: Talk) -> None:
    nothing_to_draw = await talk("4K 16:9")
    assert nothing_to_draw.one("ack").text == "Happy to draw for you! 🎨"
    assert "What would you like me to draw?" in (nothing_to_draw.one("failure").text or "")
    no_picture = await talk("把这张图变成油画")
    assert (no_picture.one("ack").text or "").startswith("好的,我来帮你改图!")
    assert "请把要修改的图片发给我" in (no_picture.one("failure").text or "")


async def test_a_subscription_problem_links_to_an_upgrade(world: World, talk: Talk) -> None:
    world.sim.inject("subscription_required")
    run = await talk("画一只猫")
    text = run.one("failure").text or ""
    assert "升级套餐:https://www.imaclaw.ai/imaclaw/subscription" in text
    assert "购买积分" not in text


async def test_after_a_timeout_only_something_faster_is_offered(world: World, talk: Talk) -> None:
    world.sim.inject("never_finishes", times=None)
    fast = (await talk("draw a bird, 2K", timeout_s=60)).one("failure").text or ""
    # Nothing is faster than Nano Banana 2: no "faster model" advice, no slower Pro offered.
    assert "Nano Banana Pro" not in fast
    assert "faster" not in fast
    assert "may still arrive" in fast
    slow = (await talk("用 Pro 画一只鸟", timeout_s=60)).one("failure").text or ""
    # Nano Banana Pro was too slow: Nano Banana 2 is the faster choice, and the only one.
    assert "Nano Banana 2(更快更省" in slow
    assert "Nano Banana Pro 1K" not in slow
    world.sim.clear_faults()
    world.sim.inject("resource_failed")
    other = (await talk("draw a bird with Nano Banana 2, 2K")).one("failure").text or ""
    # Any other failure keeps the card's order: the other model first.
    assert other.index("Nano Banana Pro (high quality") < other.index("Nano Banana 2 at 1K")


async def test_too_few_points_offers_the_cheapest_option_below_the_price(
    world: World, talk: Talk
) -> None:
    world.sim.inject("insufficient_points")
    run = await talk("用 Pro 画一只猫,4K")
    text = run.one("failure").text or ""
    assert "购买积分:https://www.imaclaw.ai/imaclaw/subscription" in text
    assert "Nano Banana 2 512px,只需 4 积分" in text
    assert run.job.offers[0].model_id == NB2
    assert run.job.offers[0].size == "512px"
    world.sim.clear_faults()
    world.sim.inject("insufficient_points")
    cheapest = (await talk("用最便宜的画一只猫")).one("failure").text or ""
    assert "更省" not in cheapest  # nothing costs less than 4 points


async def test_a_ratio_only_the_other_model_offers_is_pointed_to(world: World, talk: Talk) -> None:
    run = await talk("用 Pro 画一只猫,1:8")
    failure = run.one("failure")
    assert failure.reason == "unsupported_aspect_ratio"
    text = failure.text or ""
    assert "Nano Banana 2 支持 1:8,要我换它来画吗?" in text
    assert world.sim.creates == 0
    neither = await talk("draw a cat with Nano Banana 2, 7:3")
    assert "offers 7:3" not in (neither.one("failure").text or "")


async def test_a_refusal_does_not_say_generation_failed(world: World, talk: Talk) -> None:
    refused = (await talk("用 Pro 画一只猫,1:8")).one("failure").text or ""
    assert refused.startswith("⚠️ 这样还画不了")
    assert "图片生成失败" not in refused
    broken = world.tmp / "not-a-picture.png"
    broken.write_bytes(b"hello")
    bad_image = await talk("make this look like a watercolor", images=(str(broken),))
    assert (bad_image.one("failure").text or "").startswith("⚠️ I can't make this one as asked")
    world.sim.inject("resource_failed")
    failed = (await talk("画一只猫")).one("failure").text or ""
    assert failed.startswith("❌ 图片生成失败")  # a task that ran and failed says so


async def test_a_message_that_only_sets_the_model_remembers_it(world: World, talk: Talk) -> None:
    only_pref = await talk("以后都用 Pro")
    assert only_pref.one("ack").text == "💾 记住了!以后默认用 Nano Banana Pro。"
    assert only_pref.one("failure").reason == "bad_request"  # and asks what to draw
    assert "你想让我画点什么" in (only_pref.one("failure").text or "")
    assert world.sim.creates == 0
    for task_type in catalog.TASK_TYPES:
        saved = world.prefs.get("default", task_type)
        assert saved is not None
        assert saved.model_id == catalog.NANO_BANANA_PRO.model_id
    next_picture = await talk("画一只猫")
    assert next_picture.one("start").model == "Nano Banana Pro"
    back = await talk("use the default")
    assert back.one("ack").text == "💾 OK! Back to the default model from now on."
    assert world.prefs.get("default", "text_to_image") is None
    assert (await talk("draw a dog")).one("start").model == "Nano Banana 2"


async def test_polls_go_every_three_seconds_whatever_the_lists_earlier_estimate(
    world: World, talk: Talk, client: ImaClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    polled: list[float] = []
    detail = client.detail

    async def timed(task_id: str) -> TaskSnapshot:
        polled.append(world.clock.now() - created[0])
        return await detail(task_id)

    created: list[float] = []
    create = client.create

    async def noted(*args: Any, **kwargs: Any) -> str:
        task_id = await create(*args, **kwargs)
        created.append(world.clock.now())
        return task_id

    monkeypatch.setattr(client, "detail", timed)
    monkeypatch.setattr(client, "create", noted)
    world.sim.set_duration(PRO, 61)
    run = await talk("用 Pro 画一只猫")
    assert run.events[-2:] == ["success", "done"]
    # The live list says Pro takes "25~45s", sooner than the card's 60-120 s: that changes
    # nothing (a server estimate can only widen the 3 s promise). Every 3 s from 5 s; done at
    # 61 s, seen at the 62 s poll.
    assert polled == pytest.approx([5.0 + 3 * k for k in range(20)])
