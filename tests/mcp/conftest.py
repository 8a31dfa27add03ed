"""Fixtures of the MCP server's tests: the transport to drive it over, and its environment."""

from __future__ import annotations

import pytest

from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.mcp.mcpkit import TRANSPORTS, mcp_env

#: Slow enough that a busy machine cannot shift a poll past a progress point (as the run
#: tests do), fast enough that a 35 s task takes 1.75 s.
COUNTING_SPEED = 20.0


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Each test that takes it runs over stdio and over streamable HTTP."""
    value: str = request.param
    return value


@pytest.fixture
def server_env(fast_sim_server: SimServer, sim_env: SimEnv) -> dict[str, str]:
    """The environment of a server talking to the fast simulator."""
    return mcp_env(sim_env(fast_sim_server))


@pytest.fixture
def counting_env(fast_sim_server: SimServer, sim_env: SimEnv) -> dict[str, str]:
    """As ``server_env``, on a simulator slowed to :data:`COUNTING_SPEED`."""
    fast_sim_server.sim.speed = COUNTING_SPEED
    return mcp_env(sim_env(fast_sim_server), IMA_TIME_SCALE=f"{COUNTING_SPEED:g}")
