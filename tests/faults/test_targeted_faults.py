"""Many conversations in one process share one simulator, each with its own targeted fault
(``match``): each must end exactly as the oracle says for its own fault, none mixed up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from skill.clock import RealClock
from skill.events import Reply
from skill.flow import Options, Request, Services, follow
from skill.flow.ack import acknowledge
from skill.flow.message import job_for
from skill.ima import ImaClient
from skill.render import Renderer
from skill.settings import Endpoints
from skill.sim import SimServer, Simulator
from skill.store import FileStore
from tests.faults import oracle

KEY = "ima_targeted_faults_key"
#: Simulated seconds per real second, for the simulator and the conversations' clock alike.
SPEED = 200.0
#: Our deadline for a never-finishing task (simulated): 0.3 s of real time.
NEVER_TIMEOUT_S = 60.0
#: Everyone else's deadline: out of reach (over a minute of real time), so that a loaded
#: machine's event-loop lag, multiplied by SPEED, can never time a finishing task out.
OTHERS_TIMEOUT_S = 20_000.0
#: (fault, endpoint, always) aimed at one conversation each; None: no fault, a picture.
PLAN: list[tuple[str, str, bool] | None] = [
    None,
    ("insufficient_points", "create", False),
    ("server_error", "create", False),
    ("accepted_then_drop", "create", False),
    ("resource_failed", "create", False),
    ("status_failed", "create", False),
    ("never_finishes", "create", False),
    ("rate_limited", "detail", True),
    ("drop_connection", "detail", False),
    ("unauthorized", "detail", False),
    ("malformed_json", "detail", True),
]
NEVER = ("never_finishes", "create", False)
#: Conversations in all: every plan line several times over, all at once.
COPIES = 4


async def _talk(
    client: ImaClient, clock: RealClock, tmp: Path, index: int, timeout_s: float
) -> list[Reply]:
    request = Request(f"draw a cat [m{index:03d}]")
    store = FileStore.at(tmp / f"memory{index}")
    step0 = acknowledge(request, prefs=lambda: store.prefs, renderer=Renderer())
    following = follow(
        job_for(request, step0),
        Services(client, clock, store),
        Options(timeout_s=timeout_s),
        ack=step0.message,
    )
    return [reply async for reply in following]


async def test_each_conversation_meets_only_its_own_fault(tmp_path: Path) -> None:
    sim = Simulator(speed=SPEED, seed=3)
    plans = PLAN * COPIES
    for index, planned in enumerate(plans):
        if planned is not None:
            fault, endpoint, always = planned
            sim.inject(
                fault, endpoint=endpoint, times=None if always else 1, match=f"[m{index:03d}]"
            )
    clock = RealClock(SPEED)
    with SimServer(sim) as server:
        async with ImaClient(
            KEY, endpoints=Endpoints(server.url, server.url), clock=clock
        ) as client:
            deadlines = [NEVER_TIMEOUT_S if p == NEVER else OTHERS_TIMEOUT_S for p in plans]
            talks = [_talk(client, clock, tmp_path, i, t) for i, t in enumerate(deadlines)]
            results = await asyncio.wait_for(asyncio.gather(*talks), 20)
    creates = 0
    for index, (planned, replies) in enumerate(zip(plans, results, strict=True)):
        ending = [r for r in replies if r.event in ("success", "failure")]
        assert len(ending) == 1, (index, [r.event for r in replies])
        if planned is None:
            assert ending[0].event == "success", (index, ending[0].reason, ending[0].text)
            creates += 1
            continue
        fault, endpoint, always = planned
        expected = oracle.expect(fault, endpoint, always=always)
        assert ending[0].reason == expected.reason, (index, planned, ending[0].text)
        creates += expected.creates
    assert sim.creates == creates  # nobody's create was sent twice
