"""A small fake agent follows SKILL.md over a real `run --format jsonl` process.

It starts the exact command SKILL.md shows (the message in the environment), reads the JSON
lines as they come, and maps each event the way the card says: ``ack`` -> its normal reply,
``start``/``progress``/``failure`` -> ``message(action=send, message=...)``, ``success`` ->
``message(action=send, media=..., caption=...)``, ``done`` -> ``NO_REPLY``. The transcript must
be exactly Steps 0 to 5 of the conversation, for a success and for a failure; after a failure
the person's "好的" is passed on as it is (SKILL.md: every message, answers included), with the
same chat and sender, and the new run uses the alternative model.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from skill import catalog
from skill.clock import FakeClock
from skill.render import violations
from skill.sim import SimServer, Simulator

ROOT = Path(__file__).resolve().parents[2]
LEAKS = re.compile(r"gemini-|\.py\b|task_id|attribute_id|Traceback|\b(?:401|429|500|4008|6010)\b")


@dataclass
class Turn:
    """What the agent did for one event: a normal reply, or a ``message`` tool call."""

    kind: str  # "reply" | "message"
    step: int  # the conversation step this turn delivers (0..5)
    payload: dict[str, Any]
    at: float  # when the line arrived (monotonic seconds)
    process_running: bool  # the command had not exited yet when the line arrived


@dataclass
class Run:
    turns: list[Turn] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    stderr: str = ""


def card_exec_call() -> dict[str, Any]:
    """The one exec example of SKILL.md, as the agent would copy it."""
    body = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    for block in re.findall(r"```json\n(.*?)```", body, re.DOTALL):
        call = json.loads(block)
        if call.get("tool") == "exec":
            return call  # type: ignore[no-any-return]
    raise AssertionError("SKILL.md shows no exec call")


STEP_OF = {"ack": 0, "start": 1, "progress": 2, "success": 3, "failure": 4, "done": 5}


class FakeAgent:
    """Relays one chat message through the skill, as SKILL.md instructs."""

    def __init__(self, base_env: dict[str, str]) -> None:
        self.base_env = base_env
        self.call = card_exec_call()

    def handle(
        self, message: str, user_id: str = "ou_fake_user", chat_id: str = "oc_fake_chat"
    ) -> Run:
        env = dict(self.base_env)
        # The card's `env` entries, filled in; the message never touches the command line.
        env.update({"IMA_USER_TEXT": message, "IMA_USER_ID": user_id, "IMA_CHAT_ID": chat_id})
        assert set(self.call["env"]) == {"IMA_USER_TEXT", "IMA_USER_ID", "IMA_CHAT_ID"}
        assert message not in self.call["command"]
        run = Run()
        with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
            with subprocess.Popen(
                ["/bin/sh", "-c", self.call["command"]],
                env=env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                encoding="utf-8",
                bufsize=1,
            ) as proc:
                assert proc.stdout is not None
                done = False
                for line in proc.stdout:  # one line at a time, as the process flushes it
                    arrived, running = time.monotonic(), proc.poll() is None
                    assert not done, f"a line after done: {line!r}"
                    event = json.loads(line)
                    assert isinstance(event, dict)
                    run.events.append(event)
                    done = self.relay(event, run, arrived, running)
                run.exit_code = proc.wait(timeout=30)
            errors.seek(0)
            run.stderr = errors.read()
        assert done, f"the process ended without done: {run.stderr[-2000:]}"
        return run

    @staticmethod
    def relay(event: dict[str, Any], run: Run, at: float, running: bool) -> bool:
        kind = event["event"]
        step = STEP_OF[kind]

        def turn(turn_kind: str, payload: dict[str, Any]) -> None:
            run.turns.append(Turn(turn_kind, step, payload, at, running))

        if kind == "ack":
            turn("reply", {"text": event["text"]})
        elif kind in ("start", "progress", "failure"):
            turn("message", {"action": "send", "message": event["text"]})
        elif kind == "success":
            media = event.get("path") or event["media"]
            turn("message", {"action": "send", "media": media, "caption": event["text"]})
        elif kind == "done":
            turn("reply", {"text": "NO_REPLY"})
            return True
        else:
            raise AssertionError(f"unknown event {kind}")
        return False


def steps(run: Run) -> list[int]:
    return [t.step for t in run.turns]


def assert_clean_texts(run: Run) -> None:
    for t in run.turns:
        text = t.payload.get("text") or t.payload.get("message") or t.payload.get("caption")
        assert text, t
        assert not LEAKS.search(text), text
        # The conversation's own never-say guard agrees (links are data, not leaks).
        assert violations(text) == [], text


@pytest.fixture
def agent(fast_sim_server: SimServer, sim_env: Callable[..., dict[str, str]]) -> FakeAgent:
    env = sim_env(fast_sim_server)
    # The skill's command is found on PATH, as OpenClaw's requires.bins demands.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return FakeAgent(env)


def test_success_transcript_is_exactly_steps_0_to_5(agent: FakeAgent, fast_sim: Simulator) -> None:
    # 38 simulated seconds: progress at 15 s and 30 s (Nano Banana 2 reports every 15 s). At
    # x50 the picture comes 160 ms of real time after the 30 s point, room for a loaded machine.
    fast_sim.speed = 50
    agent.base_env["IMA_TIME_SCALE"] = "50"
    fast_sim.set_duration(catalog.NANO_BANANA_2.model_id, 38)
    run = agent.handle("画一只戴墨镜的柴犬,16:9")

    assert run.exit_code == 0, run.stderr[-2000:]
    assert steps(run) == [0, 1, 2, 2, 3, 5]
    ack, start, *_, success, final = run.turns
    assert ack.kind == "reply"
    assert start.kind == "message"
    assert start.payload == {"action": "send", "message": run.events[1]["text"]}
    assert "Nano Banana 2" in start.payload["message"]
    percents = [e["percent"] for e in run.events if e["event"] == "progress"]
    assert percents == sorted(percents)
    assert all(0 < p <= catalog.PROGRESS_CAP_PERCENT for p in percents)
    assert set(success.payload) == {"action", "media", "caption"}
    assert success.payload["media"].startswith(("http://127.0.0.1", "/"))
    assert final.kind == "reply"
    assert final.payload == {"text": "NO_REPLY"}
    # Only the ack is a normal reply; everything in between went through the message tool.
    assert [t.kind for t in run.turns[1:-1]] == ["message"] * 4
    # Read as they came: the acknowledgement arrived while the picture was still being made.
    assert ack.process_running
    assert success.at - ack.at > 0.05
    assert_clean_texts(run)


def test_failure_transcript_then_yes_runs_the_alternative(
    agent: FakeAgent, fast_sim: Simulator
) -> None:
    # One progress point (15 s), then the failure at 25 s: at x50, 200 ms of real time apart.
    fast_sim.speed = 50
    agent.base_env["IMA_TIME_SCALE"] = "50"
    fast_sim.set_duration(catalog.NANO_BANANA_2.model_id, 25)
    fast_sim.inject("resource_failed")
    run = agent.handle("画一只猫")

    assert run.exit_code == 1, run.stderr[-2000:]
    assert steps(run) == [0, 1, 2, 4, 5]
    failure = run.events[-2]
    assert failure["event"] == "failure"
    assert run.turns[-2].payload == {"action": "send", "message": failure["text"]}
    assert run.turns[-1].payload == {"text": "NO_REPLY"}
    assert "Nano Banana Pro" in failure["text"]  # the first alternative, by name
    assert_clean_texts(run)

    # "Yes": passed on as the person said it; the command knows what was offered.
    fast_sim.set_duration(catalog.NANO_BANANA_PRO.model_id, 20)
    retry = agent.handle("好的")
    assert retry.exit_code == 0, retry.stderr[-2000:]
    assert steps(retry)[:2] == [0, 1]
    assert steps(retry)[-2:] == [3, 5]
    assert retry.events[0]["text"] == "好的,换 Nano Banana Pro 再试一次 🎨"
    assert retry.events[1]["model"] == "Nano Banana Pro"
    assert fast_sim.stats()["creates"] == 2


# --- the same loop over the Python API ---------------------------------------------------------


def pictures_in(folder: Path) -> list[str]:
    return [str(p) for p in sorted(folder.glob("*.png"))]


async def test_generate_yields_the_same_steps_as_run(
    sim_server: SimServer, sim: Simulator, sim_clock: FakeClock, tmp_path: Path
) -> None:
    """``skill.generate`` in-process: the simulator and the conversation share a fake clock,
    so a 35-second job takes no real time; the events are run's, step for step."""
    import skill

    sim.set_duration(catalog.NANO_BANANA_2.model_id, 35)
    env = {
        "IMA_API_KEY": "ima_test_key_123",
        "IMA_BASE_URL": sim_server.url,
        "IMA_IM_BASE_URL": sim_server.url,
        "HOME": str(tmp_path),
    }
    replies = [
        r
        async for r in skill.generate(
            "画一只戴墨镜的柴犬,16:9", user_id="ou_1", env=env, clock=sim_clock, out_dir=tmp_path
        )
    ]
    assert [STEP_OF[r.event] for r in replies] == [0, 1, 2, 2, 3, 5]
    success = replies[-2]
    assert (success.media or "").startswith(sim_server.url)
    assert pictures_in(tmp_path) == [success.path]
    # The same JSON objects run prints.
    assert replies[1].to_json()["model"] == "Nano Banana 2"


async def test_generate_without_a_key_fails_before_anything_is_sent(
    sim_server: SimServer, sim: Simulator, tmp_path: Path
) -> None:
    import skill
    from skill.ima import ConfigurationError

    env = {"IMA_BASE_URL": sim_server.url, "IMA_IM_BASE_URL": sim_server.url, "HOME": str(tmp_path)}
    with pytest.raises(ConfigurationError, match="IMA_API_KEY"):
        async for _ in skill.generate("a cat", env=env):
            pass
    assert sim.requests == []
