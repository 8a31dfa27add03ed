"""SIGTERM: a replica stops taking events, leaves the job it was following in the journal and
exits in time; another replica takes the job up and delivers it, without a second create."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from skill.sim import SimServer
from skill.store.redis_store import RedisStore
from tests.serve.conftest import NB2, Replicas, until

ROOT = Path(__file__).resolve().parents[2]
#: The stopping replica's bound from SIGTERM to exit (IMA_SERVE_STOP_S), and the margin a
#: loaded test machine gets on top of it.
STOP_S = 4
MARGIN_S = 3.0
SPEED = 50.0


def cards(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


async def test_sigterm_hands_the_job_over_and_another_replica_delivers_it_once(
    fast_sim_server: SimServer,
    sim_env: Callable[..., dict[str, str]],
    redis_url: str,
    replicas: Replicas,
    tmp_path: Path,
) -> None:
    # Slower than the other tests' 200x, so that the task outlives the stop by seconds while
    # our deadline (600 simulated seconds, 12 s here) stays far away.
    fast_sim_server.sim.speed = SPEED
    fast_sim_server.sim.set_duration(NB2, 200.0)  # 4 s of real time
    log = tmp_path / "cards.jsonl"
    env = sim_env(
        fast_sim_server,
        IMA_STORE_URL=redis_url,
        IMA_SERVE_CONCURRENCY="1",
        IMA_SERVE_STOP_S=str(STOP_S),
        PYTHONPATH=str(ROOT),
    )
    stopping = subprocess.Popen(  # noqa: ASYNC220 -- a replica of its own is the point
        [sys.executable, str(ROOT / "tests" / "serve" / "fake_bot_main.py"), str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert stopping.stdout is not None
        port = int(await asyncio.to_thread(stopping.stdout.readline))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for event, chat in (("ev1", "c1"), ("ev2", "c2")):
                body = {"event_id": event, "chat": chat, "user": "u1", "text": "画一只猫"}
                answer = await http.post("/fake/events", json=body)
                assert answer.json() == {"receipt": "accepted"}
            await until(lambda: any(c["event"] == "start" for c in cards(log)))
        began = time.monotonic()
        stopping.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(stopping.wait, STOP_S + MARGIN_S + 5)
        took = time.monotonic() - began
        stderr = stopping.stderr.read() if stopping.stderr else ""
    finally:
        if stopping.poll() is None:
            stopping.kill()
            stopping.wait()
        for stream in (stopping.stdout, stopping.stderr):
            if stream is not None:
                stream.close()
    assert code == 0, stderr
    assert took < STOP_S + MARGIN_S
    shown = cards(log)
    first = [c["event"] for c in shown if c["card"] == "ev1"]
    second = [c["event"] for c in shown if c["card"] == "ev2"]
    # The running job was handed over in silence; the message still in line was told busy.
    assert first[:2] == ["ack", "start"]
    assert "failure" not in first
    assert second[-2:] == ["failure", "done"]
    assert [c.get("reason") for c in shown if c["card"] == "ev2" and c["event"] == "failure"] == [
        "service_busy"
    ]
    store = RedisStore(redis_url)
    (left,) = await store.pending()
    await store.aclose()
    assert fast_sim_server.sim.stats()["creates"] == 1

    # Another replica takes it up (at its start) and finishes it on the same card.
    other = await replicas()
    await until(lambda: bool(other.platform.resumed) and other.platform.card("ev1").finished)
    ((job, card),) = other.platform.resumed
    assert job.job_id == left.job_id
    assert card.card == "ev1"
    assert card.events[0] == "ack"
    assert card.events[-2:] == ["success", "done"]
    assert fast_sim_server.sim.stats()["creates"] == 1
    delivered = await other.bot.store.job(left.job_id or "")
    assert delivered is not None
    assert delivered.status == "delivered"
    # And it is not taken up again.
    assert await other.bot.take_up() == 0
