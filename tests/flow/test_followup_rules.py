"""The follow-up rules (:func:`skill.flow.followup.decide`) on remembered jobs, and
:func:`skill.flow.message.answer` carrying them out in-process against the simulator."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from skill.flow.ack import Request, acknowledge, recalled
from skill.flow.followup import Turn, decide
from skill.flow.message import answer
from skill.ima import ImaClient
from skill.intent import parse
from skill.job import Job, JobRequest, Offer
from skill.render import Renderer
from skill.store.chats import FileRecall, read_memory
from tests.flow.conftest import World, services_for

NB2 = "gemini-3.1-flash-image"
PRO = "gemini-3-pro-image"


def remembered(
    status: str = "failed",
    *,
    reason: str | None = "generation_failed",
    offers: list[dict[str, Any]] | None = None,
    media: list[str] | None = None,
    created: bool = True,
    size: str | None = "1K",
    count: int = 1,
) -> dict[str, Any]:
    """A remembered job as plain JSON, as the file store keeps it."""
    job = Job(
        request=JobRequest(
            prompt="一只猫", size=size, aspect_ratio="16:9", chat_id="c", user_id="u", count=count
        ),
        status=status,  # type: ignore[arg-type]
        reason=reason,  # type: ignore[arg-type]
        task_ids=["t1"] if created else [],
        created_at="2026-01-01T00:00:00+00:00" if created else None,
        media=media or [],
        offers=[Offer.model_validate(o) for o in offers or []],
    )
    return job.model_dump(mode="json")


PRO_OFFER = {"model_id": PRO, "model_name": "Nano Banana Pro", "credits_min": 10, "credits_max": 18}
SMALLER = {
    "model_id": NB2, "model_name": "Nano Banana 2", "size": "512px", "credits_min": 4,
    "credits_max": 4,
}  # fmt: skip


def turn_of(text: str, memory: dict[str, Any] | None) -> Turn:
    return decide(parse(text), memory, lang="zh", missing=None)


def test_yes_takes_the_first_alternative_with_the_original_prompt() -> None:
    turn = turn_of("好的", remembered(offers=[PRO_OFFER, SMALLER]))
    assert (turn.action, turn.how, turn.model_name) == ("make", "offer", "Nano Banana Pro")
    assert turn.request is not None
    assert (turn.request["model_id"], turn.request["prompt"]) == (PRO, "一只猫")
    # Not said again: the size and the shape come along, to be checked against Pro's offer.
    assert set(turn.inherited) == {"size", "aspect_ratio"}


def test_the_second_alternative_is_its_model_at_its_size() -> None:
    turn = turn_of("第二个", remembered(offers=[PRO_OFFER, SMALLER]))
    assert turn.request is not None
    assert (turn.request["model_id"], turn.request["size"]) == (NB2, "512px")
    assert (turn.model_name, turn.size) == ("Nano Banana 2", "512px")
    assert "size" not in turn.inherited


@pytest.mark.parametrize(
    ("memory", "action", "said"),
    [
        # A timeout offers nothing faster than Nano Banana 2: the picture may still come.
        (remembered("pending", reason="timeout"), "fetch", None),
        # The network failed: the same again.
        (remembered(reason="network", created=False), "make", None),
        # Too few points and nothing cheaper: trying the same again would not help.
        (remembered(reason="insufficient_points", created=False), "say", "not_retryable"),
        # The answer to a create was lost: never sent twice on a plain yes.
        (remembered(reason="unconfirmed", created=True), "say", "not_retryable"),
        # After a success, yes is the same again.
        (remembered("delivered", reason=None, media=["https://x/1.png"]), "make", None),
    ],
)
def test_yes_without_alternatives(memory: dict[str, Any], action: str, said: str | None) -> None:
    turn = turn_of("好的", memory)
    assert (turn.action, turn.said) == (action, said)


def test_follow_ups_with_nothing_to_work_on_say_why() -> None:
    assert turn_of("好的", None).said == "nothing"
    assert turn_of("第二个", remembered(offers=[PRO_OFFER])).said == "no_offer"
    assert turn_of("把它变成水彩画", remembered()).said == "nothing"  # no picture: asked for one
    assert turn_of("上一张图呢", remembered(created=False)).said == "nothing"
    assert turn_of("算了", None).said == "declined"
    assert all(
        t.exit_code == 2
        for t in (turn_of("好的", None), turn_of("第二个", remembered(offers=[PRO_OFFER])))
    )
    assert turn_of("算了", None).exit_code == 0


def test_a_change_says_only_what_changes() -> None:
    delivered = remembered("delivered", reason=None, media=["https://x/1.png"])
    tall = turn_of("换成竖图", delivered)
    assert tall.request is not None
    assert (tall.request["aspect_ratio"], tall.request["size"]) == ("9:16", "1K")
    assert tall.inherited == ("size",)
    other = turn_of("换个模型再画一次", delivered)
    assert other.request is not None
    assert other.request["model_id"] == PRO  # no plan remembered: the default's other model
    edit = turn_of("把它变成水彩画", delivered)
    assert edit.request is not None
    assert (edit.request["task_type"], edit.request["input_images"]) == (
        "image_to_image",
        ["https://x/1.png"],
    )
    assert edit.request["prompt"] == "把它变成水彩画"


def test_again_makes_as_many_as_this_message_says() -> None:
    group = remembered("delivered", reason=None, media=["https://x/1.png"], count=3)
    assert turn_of("再来一张", group).count == 1
    assert turn_of("再来两张", group).count == 2
    assert turn_of("好的", group).count == 3  # yes: the same request again, all of it


def test_a_busy_claim_makes_the_first_reply_say_so(world: World) -> None:
    step0 = acknowledge(
        Request("好的", chat_id="c", user_id="u"),
        prefs=lambda: None,
        renderer=Renderer(),
        recall=recalled(remembered(offers=[PRO_OFFER]), None, busy=True),
    )
    assert (step0.turn.action, step0.turn.said) == ("say", "busy")
    assert step0.reply.text == "⏳ 上一张还在画,画好马上发给你。"


def test_the_file_recall_reads_plain_json_only(world: World, tmp_path: Any) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from skill.store.chats import FileRecall\n"
        f"recall = FileRecall(Path({str(tmp_path)!r}))\n"
        "print(recall.last('c', 'u'), recall.hold('c', 'u') is not None)\n"
        "heavy = ('pydantic', 'httpx', 'skill.ima', 'skill.job')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.splitlines() == ["None True", "[]"], result.stderr
    # Broken or missing memory is as good as none, never an error.
    (tmp_path / "x.json").write_text("{not json", "utf-8")
    assert read_memory(tmp_path, "c", "u") is None
    assert FileRecall(tmp_path).last("c", "u") is None


async def test_an_inherited_size_the_new_model_lacks_falls_back_to_its_default(
    world: World, client: ImaClient
) -> None:
    # Nano Banana 2 at 512px failed; Pro offers no 512px: "好的" makes Pro at its default size
    # rather than a refusal, since the person never asked Pro for 512px.
    world.sim.inject("resource_failed")
    services = services_for(world, client)
    first = answer(Request("画一只猫 512px", chat_id="c", user_id="u"), services)
    assert [r.event async for r in first][-2] == "failure"
    retry = answer(Request("好的", chat_id="c", user_id="u"), services)
    events = [r async for r in retry]
    assert [e.event for e in events][-2:] == ["success", "done"], events
    assert retry.job is not None
    assert retry.job.plan is not None
    assert (retry.job.plan.model_id, retry.job.plan.size) == (PRO, "1K")
    assert retry.exit_code == 0


async def test_the_answer_remembers_the_job_and_gives_the_claim_back(
    world: World, client: ImaClient
) -> None:
    services = services_for(world, client)
    done = answer(Request("画一只猫", chat_id="c", user_id="u"), services)
    assert [r.event async for r in done][-1] == "done"
    last = await world.store.last_job("c", "u")
    assert last is not None
    assert last.status == "delivered"
    lease = await world.store.hold("c", "u")  # given back: free again
    assert lease is not None
    await lease.release()
