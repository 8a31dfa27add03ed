"""Step 0 on its own (:mod:`skill.flow.ack`), and the driver fed a Step 0 done beforehand, as
``run`` does to give its first reply before the IMA client is loaded."""

from __future__ import annotations

import subprocess
import sys

from skill.events import Reply
from skill.flow import Request, follow
from skill.flow.ack import Acknowledgement, acknowledge
from skill.flow.message import job_for
from skill.ima import ImaClient
from skill.intent import parse
from skill.render import Renderer
from skill.store import PreferenceStore
from tests.flow.conftest import World, services_for

PRO = "gemini-3-pro-image"


class Opened:
    """A ``prefs`` opener that counts how often the store was asked for."""

    def __init__(self, store: PreferenceStore) -> None:
        self.store = store
        self.count = 0

    def __call__(self) -> PreferenceStore:
        self.count += 1
        return self.store


def test_the_ack_of_a_drawing(world: World) -> None:
    opened = Opened(world.prefs)
    step0 = acknowledge(Request("画一只猫,16:9"), prefs=opened, renderer=Renderer())
    assert step0.reply == Reply("ack", text="收到!马上为你生成一张 16:9 的猫咪图 🐱", lang="zh")
    assert step0.lang == "zh"
    assert step0.intent == parse("画一只猫,16:9")
    assert opened.count == 0  # the preference file is none of a drawing's first reply


def test_the_language_asked_for_wins_over_the_message(world: World) -> None:
    step0 = acknowledge(
        Request("画一只猫", lang="en"), prefs=Opened(world.prefs), renderer=Renderer()
    )
    assert (step0.lang, step0.reply.lang) == ("en", "en")
    assert step0.reply.text == "OK! Drawing a cute cat for you 🐱"


def test_remembering_a_model_is_done_by_the_ack(world: World) -> None:
    opened = Opened(world.prefs)
    step0 = acknowledge(Request("以后都用 Pro", user_id="u7"), prefs=opened, renderer=Renderer())
    assert opened.count == 1
    assert "Nano Banana Pro" in (step0.reply.text or "")
    for task_type in ("text_to_image", "image_to_image"):
        saved = world.prefs.get("u7", task_type)
        assert saved is not None
        assert saved.model_id == PRO


def test_dropping_the_saved_model_is_done_by_the_ack(world: World) -> None:
    world.prefs.save("u8", "text_to_image", model_id=PRO, model_name="Nano Banana Pro", credit=10)
    step0 = acknowledge(
        Request("用默认的", user_id="u8"), prefs=Opened(world.prefs), renderer=Renderer()
    )
    assert step0.reply.text is not None
    assert world.prefs.get("u8", "text_to_image") is None


async def test_a_job_acknowledged_beforehand_is_not_acknowledged_again(
    world: World, client: ImaClient
) -> None:
    request = Request("以后都用 Pro", user_id="u9")
    opened = Opened(world.prefs)
    step0 = acknowledge(request, prefs=opened, renderer=Renderer())
    following = follow(job_for(request, step0), services_for(world, client), acknowledged=True)
    replies = [reply async for reply in following]
    assert [r.event for r in replies] == ["failure", "done"]
    assert replies[0].reason == "bad_request"  # and what to draw is asked, as without Step 0
    assert opened.count == 1  # the preference was written once, by Step 0


async def test_the_job_runs_on_the_step0_it_was_made_from(world: World, client: ImaClient) -> None:
    # follow does not parse the message again: the intent of Step 0 is the one it runs.
    request = Request("画一只猫")
    given = acknowledge(Request("draw a cat in 4K"), prefs=Opened(world.prefs), renderer=Renderer())
    step0 = Acknowledgement(
        intent=given.intent, lang="en", message=given.message, reply=given.reply
    )
    following = follow(job_for(request, step0), services_for(world, client), ack=step0.message)
    replies = [reply async for reply in following]
    assert replies[0].text == given.reply.text
    assert replies[-2].event == "success"
    (create,) = [r for r in world.sim.requests if r.path.endswith("/tasks/create")]
    assert b"4K" in create.body


def test_step0_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from skill.flow.ack import Request, acknowledge\n"
        "from skill.render import Renderer\n"
        "acknowledge(Request('画一只猫'), prefs=None, renderer=Renderer())\n"
        "print(sorted(m for m in ('httpx', 'pydantic', 'asyncio', 'babel', 'skill.ima',"
        " 'skill.flow.steps', 'skill.job') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "[]", result.stderr
