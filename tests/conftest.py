"""Shared fixtures. Each block is owned by the module it serves; add yours below, in a block."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from skill.clock import FakeClock
from skill.sim import SimServer, Simulator
from tests.rediskit import RedisServer

# ==== hypothesis profiles ====================================================================
#
# CI (which sets CI=true) draws the same examples every run: a main that passed stays green.
# Elsewhere every run explores new examples; HYPOTHESIS_PROFILE=hunt explores many more
# (for a deliberate bug hunt: `HYPOTHESIS_PROFILE=hunt .venv/bin/pytest tests/intent`).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("hunt", max_examples=2500, deadline=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)

# ==== simulator fixtures (owner: skill/sim) =================================================
#
# In-process or same-process tests:  `sim_clock` (a FakeClock) drives `sim`; advance it with
#   sim_clock.advance(30), or hand the same FakeClock to the code under test so its sleeps move
#   the simulator's time too. `sim_server` serves `sim` on 127.0.0.1 (`sim_server.url`).
# Subprocess tests: a subprocess cannot see a fake clock, so use `fast_sim_server` (real clock,
#   speed FAST_SIM_SPEED: an NB2 task takes 0.1-0.2 s of real time) and build the child's
#   environment with `sim_env(server)`, which also sets IMA_TIME_SCALE to the server's speed so
#   the child's own clock agrees with the simulator's.

#: Simulated seconds per real second for subprocess tests.
FAST_SIM_SPEED = 200.0
#: A key the simulator accepts (any "ima_" key of 8+ characters).
SIM_TEST_KEY = "ima_test_key_123"
SIM_SEED = 1234

SimEnv = Callable[..., dict[str, str]]


@pytest.fixture
def sim_clock() -> FakeClock:
    """The fake time `sim` runs on: ``sim_clock.advance(seconds)`` moves it."""
    return FakeClock()


@pytest.fixture
def sim(sim_clock: FakeClock) -> Simulator:
    """A simulator at speed 1 on `sim_clock`, seeded, with the shipped product lists."""
    return Simulator(speed=1.0, clock=sim_clock.now, seed=SIM_SEED)


@pytest.fixture
def sim_server(sim: Simulator) -> Iterator[SimServer]:
    """`sim` on a real loopback port; ``sim_server.url`` is the base URL of both hosts."""
    with SimServer(sim) as server:
        yield server


@pytest.fixture
def fast_sim() -> Simulator:
    """A simulator on the real clock at FAST_SIM_SPEED, for subprocess tests."""
    return Simulator(speed=FAST_SIM_SPEED, seed=SIM_SEED)


@pytest.fixture
def fast_sim_server(fast_sim: Simulator) -> Iterator[SimServer]:
    """`fast_sim` on a real loopback port."""
    with SimServer(fast_sim) as server:
        yield server


@pytest.fixture
def sim_env(tmp_path: Path) -> SimEnv:
    """``sim_env(server, key=SIM_TEST_KEY, **extra) -> env`` for a subprocess.

    The environment of this process without any ``IMA_*`` variable, plus: both endpoints at
    the server, the key, ``IMA_TIME_SCALE`` equal to the simulator's speed, and ``HOME`` in a
    fresh folder under ``tmp_path`` (so ``~/.openclaw`` is the test's own). ``key=None`` leaves
    the key out. ``extra`` entries are added last.
    """

    def build(server: SimServer, key: str | None = SIM_TEST_KEY, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        env.update(
            HOME=str(home),
            IMA_BASE_URL=server.url,
            IMA_IM_BASE_URL=server.url,
            IMA_TIME_SCALE=f"{server.sim.speed:g}",
        )
        if key is not None:
            env["IMA_API_KEY"] = key
        env.update(extra)
        return env

    return build


# ==== end of simulator fixtures ==============================================================

# ==== Redis fixtures (owner: skill/store/redis_store, skill/serve) ===========================
#
# `redis_server`: one real redis-server for the whole session (tests/rediskit.py; CI fails
#   without it, elsewhere these tests skip). `redis_url`: its URL, the database flushed first.
#   `redis_factory()`: a private server of the test's own (to kill and start again).


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server on a free loopback port for the session (no persistence)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test: ``redis://127.0.0.1:<port>/0``."""
    if not redis_server.ping():
        redis_server.start()  # a test stopped it
    redis_server.command("FLUSHALL")
    return redis_server.url


@pytest.fixture
def redis_factory(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    """``redis_factory()`` starts a private redis-server, stopped after the test."""
    started: list[RedisServer] = []

    def start() -> RedisServer:
        server = RedisServer(tmp_path / f"redis{len(started)}").start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# ==== end of Redis fixtures ==================================================================
