"""Issue 7's fault matrix: every endpoint times every fault the simulator injects, once and
always, each a whole conversation over real loopback HTTP, checked against the oracle
(``tests/faults/oracle.py``, written from the rules).

Each cell runs ``follow()`` in-process against a :class:`SimServer` whose simulator, the
client's retries and the driver's polling all run on one FakeClock: simulated minutes take
milliseconds. Only a stall costs real time (the client's own HTTP timeout, kept short here).
A slice at the end runs ``ima-nano-banana run`` as a real process, one endpoint each.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from skill import catalog
from skill.clock import FakeClock
from skill.events import REASONS, Reply
from skill.flow import Follow, Options, Request, Services, follow
from skill.flow.ack import acknowledge
from skill.flow.message import job_for
from skill.ima import ImaClient
from skill.render import Renderer, violations
from skill.settings import Endpoints
from skill.sim import FAULTS, SimServer, Simulator
from skill.sim.faults import OUTCOME_FAULTS, RATE_LIMIT_RETRY_AFTER_S, RESPONSE_FAULTS
from skill.sim.png import render_png
from skill.store import FileStore
from tests.conftest import SimEnv
from tests.faults import oracle
from tests.flow.runkit import run

KEY = "ima_fault_matrix_key"
NB2 = catalog.NANO_BANANA_2.model_id
#: The task takes this long when nothing goes wrong (simulated seconds).
TASK_S = 25.0
#: Our own deadline for the task (``run --timeout``), short so never-finishing ends soon.
TASK_TIMEOUT_S = 120.0
#: The client's HTTP timeout in the stall cells (real seconds): short, so a stall costs little,
#: yet far above a loopback answer's few milliseconds.
STALL_HTTP_TIMEOUT_S = 0.3
#: The most a conversation may wait on retries of its one faulted request (simulated seconds):
#: every attempt but the last followed by the longest backoff or the fault's Retry-After.
RETRY_BUDGET_S = (catalog.RETRY_ATTEMPTS - 1) * max(
    catalog.RETRY_BACKOFF_CAP_S, float(RATE_LIMIT_RETRY_AFTER_S)
)
#: A cell that takes longer than this in real time is hanging (simulated time is free).
REAL_BOUND_S = 10.0
#: What the client says when a create's answer was lost (``ImaClient.create``).
MAY_EXIST_WORDS = "may have been created"
TEXT_TO_IMAGE = "draw a cat wearing a tiny hat"
IMAGE_TO_IMAGE = "make this picture look like a watercolor"
#: One TLS context for every cell's client: loading the CA bundle is most of a new client's
#: cost (~30 ms), and the simulator speaks plain HTTP anyway.
_TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Cell:
    fault: str
    endpoint: str
    always: bool

    @property
    def id(self) -> str:
        return f"{self.endpoint}-{self.fault}-{'always' if self.always else 'once'}"

    @property
    def expected(self) -> oracle.Expected:
        return oracle.expect(self.fault, self.endpoint, always=self.always)


def _cells() -> list[Cell]:
    cells = [
        Cell(fault, endpoint, always)
        for endpoint in oracle.ENDPOINTS
        for fault in RESPONSE_FAULTS
        for always in (False, True)
    ]
    # Outcome faults decide how the created task ends: create is their only endpoint.
    cells += [Cell(fault, "create", always) for fault in OUTCOME_FAULTS for always in (False, True)]
    return cells


CELLS = _cells()


def test_the_matrix_covers_every_fault_and_every_endpoint() -> None:
    assert set(FAULTS) == oracle.KNOWN_FAULTS  # a new simulator fault needs its rule here
    covered = {(c.fault, c.endpoint, c.always) for c in CELLS}
    for endpoint in oracle.ENDPOINTS:
        for fault in RESPONSE_FAULTS:
            assert {(fault, endpoint, False), (fault, endpoint, True)} <= covered
    assert len(CELLS) == len(covered) == 2 * (5 * len(RESPONSE_FAULTS) + len(OUTCOME_FAULTS))


@dataclass
class Played:
    replies: list[Reply]
    conversation: Follow
    sim: Simulator
    simulated_s: float
    real_s: float
    log: str


async def _collect(conversation: Follow) -> list[Reply]:
    return [reply async for reply in conversation]


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(render_png(64, 48, "fault-matrix"))
    return path


async def _play(cell: Cell, tmp: Path, picture: Path, caplog: pytest.LogCaptureFixture) -> Played:
    clock = FakeClock()
    sim = Simulator(speed=1.0, clock=clock.now, seed=7)
    sim.set_duration(NB2, TASK_S)
    sim.inject(cell.fault, endpoint=cell.endpoint, times=None if cell.always else 1)
    uploads = cell.endpoint in oracle.UPLOAD_ENDPOINTS
    request = Request(
        IMAGE_TO_IMAGE if uploads else TEXT_TO_IMAGE,
        images=(str(picture),) if uploads else (),
    )
    http_timeout = STALL_HTTP_TIMEOUT_S if cell.fault == "stall" else catalog.HTTP_TIMEOUT_S
    caplog.set_level(logging.INFO, logger="skill")
    real_start = time.monotonic()
    with SimServer(sim) as server:
        async with ImaClient(
            KEY,
            endpoints=Endpoints(server.url, server.url),
            transport=httpx.AsyncHTTPTransport(verify=_TLS),
            clock=clock,
            timeout_s=http_timeout,
        ) as client:
            store = FileStore.at(tmp)
            step0 = acknowledge(request, prefs=lambda: store.prefs, renderer=Renderer())
            conversation = follow(
                job_for(request, step0),
                Services(client, clock, store),
                Options(timeout_s=TASK_TIMEOUT_S),
                ack=step0.message,
            )
            replies = await asyncio.wait_for(_collect(conversation), REAL_BOUND_S)
    return Played(
        replies=replies,
        conversation=conversation,
        sim=sim,
        simulated_s=clock.now(),
        real_s=time.monotonic() - real_start,
        log=caplog.text,
    )


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
async def test_fault_matrix(
    cell: Cell, tmp_path: Path, picture: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = cell.expected
    played = await _play(cell, tmp_path, picture, caplog)
    events = [r.event for r in played.replies]

    # One ending, said once, in the contract's shape.
    assert events[0] == "ack", events
    assert events[-1] == "done", events
    assert events.count("success") + events.count("failure") == 1, events
    outcome = played.conversation.outcome
    if expected.reason is None:
        assert "success" in events, (events, outcome.reason, played.log)
        assert outcome.succeeded
    else:
        (failure,) = [r for r in played.replies if r.event == "failure"]
        assert failure.reason == expected.reason, played.log
        assert failure.reason in REASONS
        assert not outcome.refused  # a fault is a failure, never "bad input"

    # Nothing escaped: no bug caught by the driver's last resort, nothing unsayable said.
    assert "unexpected error in the conversation" not in played.log
    for reply in played.replies:
        if reply.text:
            allowed = (reply.media or "", reply.path or "")
            assert violations(reply.text, allowed=allowed) == [], reply.text

    # Never a second create that could be carried out; one whose answer was lost says the
    # task may exist.
    assert played.sim.creates == expected.creates
    assert played.sim.accepted_creates <= 1
    assert (MAY_EXIST_WORDS in played.log) == expected.may_exist, played.log

    # Within the deadline: simulated time bounded by our timeout plus one request's retries,
    # and real time small (a stall costs a few short HTTP timeouts; the rest is simulated).
    assert played.simulated_s <= TASK_TIMEOUT_S + RETRY_BUDGET_S
    assert played.real_s < REAL_BOUND_S


# --- a real process per endpoint: "never a traceback" where a person would see it ------------
#: One fault per endpoint, always: the stalls and drops of the cells above, as a process meets
#: them (at the fast simulator's speed a stall is cut by the simulator's cap, after 0.3 s).
PROCESS_SLICE: list[tuple[str, str]] = [
    ("product_list", "server_error"),
    ("create", "accepted_then_drop"),
    ("detail", "drop_connection"),
    ("upload_token", "rate_limited"),
    ("upload_put", "unavailable"),
]


@pytest.mark.parametrize(("endpoint", "fault"), PROCESS_SLICE, ids=[e for e, _ in PROCESS_SLICE])
def test_a_real_process_ends_plainly(
    fast_sim_server: SimServer, sim_env: SimEnv, picture: Path, endpoint: str, fault: str
) -> None:
    expected = oracle.expect(fault, endpoint, always=True)
    assert expected.reason is not None
    sim = fast_sim_server.sim
    sim.inject(fault, endpoint=endpoint, times=None)
    args = [TEXT_TO_IMAGE]
    if endpoint in oracle.UPLOAD_ENDPOINTS:
        args = [IMAGE_TO_IMAGE, "--image", str(picture)]
    started = time.monotonic()
    result = run(sim_env(fast_sim_server), *args, "--timeout", f"{TASK_TIMEOUT_S:g}")
    assert time.monotonic() - started < REAL_BOUND_S
    assert result.code == 1, result.err
    result.assert_clean()
    assert result.one("failure")["reason"] == expected.reason
    assert "Traceback" not in result.err
    assert sim.stats()["creates"] == expected.creates
