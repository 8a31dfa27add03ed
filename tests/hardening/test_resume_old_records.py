"""A task written down by the previous release still resumes after the upgrade.

That release kept one flat JSON object a task (``task_id``, ``credit``, ``lang``, ``url``...) in
``~/.openclaw/memory/ima_tasks/{pending,finished}/<task_id>.json``. The files below are the
exact bytes it wrote (``json.dumps(asdict(entry), ensure_ascii=False, indent=2) + "\\n"``); the
task is created in the simulator first, then ``ima-nano-banana resume`` runs as a real
subprocess against it and must deliver the picture without a second create.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from skill.ima import ImaClient
from skill.settings import Endpoints, journal_path
from skill.sim import SimServer, Simulator
from skill.store import TaskJournal
from tests.conftest import SIM_TEST_KEY, SimEnv
from tests.hardening.helpers import Events, events

PRO = "gemini-3-pro-image"
PROMPT = "一只戴墨镜的柴犬"

#: A pending record exactly as the previous release wrote it: 14 keys, two-space indent, the
#: Chinese prompt unescaped, a final newline. ``{task_id}`` and ``{created_at}`` are filled in.
OLD_PENDING = """\
{{
  "task_id": "{task_id}",
  "user_id": "u-old",
  "task_type": "text_to_image",
  "model_id": "gemini-3-pro-image",
  "model_name": "Nano Banana Pro",
  "size": "1K",
  "aspect_ratio": null,
  "prompt": "一只戴墨镜的柴犬",
  "credit": 10,
  "lang": "zh",
  "created_at": "{created_at}",
  "status": "pending",
  "url": null,
  "finished_at": null
}}
"""

#: The same record once that release had delivered it.
OLD_DELIVERED = """\
{{
  "task_id": "{task_id}",
  "user_id": "u-old",
  "task_type": "text_to_image",
  "model_id": "gemini-3-pro-image",
  "model_name": "Nano Banana Pro",
  "size": "1K",
  "aspect_ratio": null,
  "prompt": "一只戴墨镜的柴犬",
  "credit": 10,
  "lang": "zh",
  "created_at": "{created_at}",
  "status": "delivered",
  "url": "{url}",
  "finished_at": "{finished_at}"
}}
"""

#: Records that release may have left unreadable: torn by a crash mid-write (it wrote in place
#: before the atomic renames), and one with a field of the wrong type.
OLD_UNREADABLE = {
    "torn": '{{\n  "task_id": "{task_id}",\n  "user_id": "u-old",\n  "task_ty',
    "wrong-type": OLD_PENDING.replace('"credit": 10', '"credit": "ten"'),
}


#: The fields of that release's ``JournalEntry``, in their order.
OLD_KEYS = [
    "task_id",
    "user_id",
    "task_type",
    "model_id",
    "model_name",
    "size",
    "aspect_ratio",
    "prompt",
    "credit",
    "lang",
    "created_at",
    "status",
    "url",
    "finished_at",
]


def as_old_release_wrote(raw: bytes) -> bool:
    """``raw`` is byte for byte what ``json.dumps(asdict(entry), ensure_ascii=False,
    indent=2) + "\\n"`` gives for its 14 fields."""
    record = json.loads(raw)
    return list(record) == OLD_KEYS and raw == (
        json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")


def old_file(env: dict[str, str], kind: str, task_id: str) -> Path:
    """Where the previous release kept ``task_id``'s record (a simulator id is a plain name)."""
    return Path(env["HOME"]) / ".openclaw" / "memory" / "ima_tasks" / kind / f"{task_id}.json"


def write_old(env: dict[str, str], kind: str, task_id: str, text: str) -> bytes:
    path = old_file(env, kind, task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = text.encode("utf-8")
    path.write_bytes(raw)
    return raw


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()  # as that release stamped its records


async def _create(server: SimServer, *, wait_done: bool) -> tuple[str, str | None]:
    ends = Endpoints(server.url, server.url)
    async with ImaClient(SIM_TEST_KEY, endpoints=ends) as c:
        plan = await c.plan("text_to_image", PRO)
        task_id = await c.create(plan, PROMPT)
        url = None
        while wait_done:
            snap = await c.detail(task_id)
            if snap.state == "done" and snap.url:
                url = snap.url
                break
            await asyncio.sleep(0.05)
        return task_id, url


def create_task(server: SimServer, *, wait_done: bool = False) -> tuple[str, str | None]:
    """A Nano Banana Pro task in the simulator (and its picture's link once done, if asked)."""
    server.sim.set_duration(PRO, 100)  # half a real second at the fixture's speed
    return asyncio.run(_create(server, wait_done=wait_done))


def resume(env: dict[str, str], *args: str) -> Events:
    return events(env, "resume", "--format", "jsonl", *args)


def paths(sim: Simulator, since: int) -> list[str]:
    return [r.path for r in sim.requests[since:]]


@pytest.mark.parametrize("by_id", [False, True], ids=["newest-pending", "by-task-id"])
def test_a_pending_record_of_the_previous_release_is_resumed_and_delivered(
    fast_sim_server: SimServer, sim_env: SimEnv, by_id: bool
) -> None:
    sim = fast_sim_server.sim
    env = sim_env(fast_sim_server)
    task_id, _ = create_task(fast_sim_server)
    raw = write_old(
        env, "pending", task_id, OLD_PENDING.format(task_id=task_id, created_at=now_iso())
    )
    assert as_old_release_wrote(raw)
    creates, seen = sim.stats()["creates"], len(sim.requests)

    resumed = resume(env, *([task_id] if by_id else []))

    assert resumed.code == 0, resumed.err
    resumed.assert_clean()
    assert resumed.kinds[0] == "ack"
    assert resumed.kinds[-2:] == ["success", "done"]
    assert "start" not in resumed.kinds
    ack = resumed.one("ack")
    assert ack["lang"] == "zh"  # the old record's language, no --lang given
    assert ack["text"] == "🔍 找到你之前的那张图了(Nano Banana Pro),正在取回…"
    success = resumed.one("success")
    media = success["media"]
    assert media
    assert task_id in media  # the simulator's link for this very task
    assert media in success["text"]
    assert success["credits"] == 10
    assert "积分" in success["text"]  # said in Chinese too
    assert sim.stats()["creates"] == creates  # exactly zero creates during the resume
    assert "/open/v1/tasks/create" not in paths(sim, seen)
    assert "/open/v1/tasks/detail" in paths(sim, seen)

    job = TaskJournal(journal_path(env)).get(task_id)
    assert job is not None
    assert (job.status, job.media, job.task_ids) == ("delivered", [media], [task_id])
    assert job.finished_at is not None
    assert (job.language, job.request.user_id, job.request.prompt) == ("zh", "u-old", PROMPT)
    assert not old_file(env, "pending", task_id).exists()
    assert old_file(env, "finished", task_id).is_file()
    assert TaskJournal(journal_path(env)).pending() == []


def test_a_delivered_record_of_the_previous_release_is_sent_again_from_its_link(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    sim = fast_sim_server.sim
    env = sim_env(fast_sim_server)
    task_id, url = create_task(fast_sim_server, wait_done=True)
    assert url is not None
    assert url.startswith(fast_sim_server.url)  # the picture that release delivered
    text = OLD_DELIVERED.format(
        task_id=task_id, created_at=now_iso(), url=url, finished_at=now_iso()
    )
    assert as_old_release_wrote(write_old(env, "finished", task_id, text))
    creates, seen, polls = sim.stats()["creates"], len(sim.requests), sim.tasks[task_id].polls

    resumed = resume(env, task_id)

    assert resumed.code == 0, resumed.err
    resumed.assert_clean()
    assert resumed.kinds == ["ack", "success", "done"]
    assert resumed.one("ack")["lang"] == "zh"
    assert resumed.one("ack")["text"] == "🖼️ 这是你之前的那张图,再发你一次(Nano Banana Pro)"
    assert resumed.one("success")["media"] == url
    assert sim.tasks[task_id].polls == polls  # no detail poll at all
    assert "/open/v1/tasks/detail" not in paths(sim, seen)
    assert sim.stats()["creates"] == creates
    job = TaskJournal(journal_path(env)).get(task_id)
    assert job is not None
    assert (job.status, job.media) == ("delivered", [url])


@pytest.mark.parametrize("by_id", [False, True], ids=["newest-pending", "by-task-id"])
@pytest.mark.parametrize("kind", OLD_UNREADABLE.keys())
def test_an_unreadable_record_of_the_previous_release_is_set_aside(
    fast_sim_server: SimServer, sim_env: SimEnv, kind: str, by_id: bool
) -> None:
    sim = fast_sim_server.sim
    env = sim_env(fast_sim_server)
    task_id, _ = create_task(fast_sim_server)
    text = OLD_UNREADABLE[kind].format(task_id=task_id, created_at=now_iso())
    raw = write_old(env, "pending", task_id, text)
    seen = len(sim.requests)

    resumed = resume(env, *([task_id] if by_id else []))

    assert resumed.code == 2, resumed.err
    assert resumed.kinds == ["failure", "done"]
    failure = resumed.one("failure")
    assert failure["reason"] == "bad_request"
    expected = "I can't find that picture" if by_id else "There's no unfinished picture"
    assert expected in failure["text"]
    assert paths(sim, seen) == []  # nothing was asked of the server, nothing created
    folder = old_file(env, "pending", task_id).parent
    assert not old_file(env, "pending", task_id).exists()
    (aside,) = folder.glob(f"{task_id}.json.corrupt-*")
    assert aside.read_bytes() == raw  # kept as it was, for a person to look at
    # The journal carries on: nothing pending, and the next resume says the same.
    assert TaskJournal(journal_path(env)).pending() == []
    again = resume(env)
    assert again.code == 2
    assert len(list(folder.glob("*.corrupt-*"))) == 1
    logs = "".join(p.read_text("utf-8") for p in Path(env["HOME"]).rglob("*.log"))
    said = [line for line in logs.splitlines() if f"{task_id}.json was unreadable" in line]
    assert len(said) == 1, said  # one log line, however many reads
