"""A faithful IMA Open API simulator: the demo's backend and every test's server.

    sim = Simulator(seed=1)
    with SimServer(sim) as server:          # real HTTP on 127.0.0.1, any free port
        ...                                 # point IMA_BASE_URL and IMA_IM_BASE_URL at server.url
    httpx.AsyncClient(transport=SimTransport(sim))   # or in-process, no socket

See ``docs/simulator.md`` for the endpoints, the faults and the control API.
"""

from __future__ import annotations

from skill.sim.core import Simulator
from skill.sim.faults import FAULTS
from skill.sim.server import SimServer
from skill.sim.transport import SimTransport
from skill.sim.wire import Headers, RecordedRequest, SimRequest, SimResponse

__all__ = [
    "FAULTS",
    "Headers",
    "RecordedRequest",
    "SimRequest",
    "SimResponse",
    "SimServer",
    "SimTransport",
    "Simulator",
]
