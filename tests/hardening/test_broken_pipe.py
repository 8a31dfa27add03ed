"""A reader that goes away (an agent that stopped reading, ``| head -1``) ends the run cleanly:
no traceback, exit 130, and a task already created stays pending for ``resume``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

from skill import catalog
from skill.sim import SimServer
from tests.hardening.helpers import SKILL, journal_files


def test_run_whose_reader_goes_away_stops_quietly_and_keeps_the_task(
    fast_sim_server: SimServer, sim_env: Callable[..., dict[str, str]]
) -> None:
    fast_sim_server.sim.set_duration(catalog.NANO_BANANA_PRO.model_id, 120)
    env = sim_env(fast_sim_server)
    with subprocess.Popen(
        [*SKILL, "run", "use Nano Banana Pro: a castle", "--format", "jsonl"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert json.loads(proc.stdout.readline())["event"] == "ack"
        assert json.loads(proc.stdout.readline())["event"] == "start"
        proc.stdout.close()  # the reader is gone; the next progress line has nowhere to go
        code = proc.wait(timeout=30)
        errors = proc.stderr.read()
    assert code == 130
    assert "Traceback" not in errors
    assert "Output closed by the reader" in errors
    assert [task["status"] for task in journal_files(env).values()] == ["pending"]
