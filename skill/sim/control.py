"""Control over HTTP, under ``/_sim/``: what subprocess tests and the ``sim`` command use.

:func:`serve` is the door both ways in (the server and the transport) knock at: it answers the
control paths here, through the :class:`~skill.sim.core.Simulator`'s own methods, and hands
every other request to :meth:`Simulator.handle`. The simulator itself knows nothing of this
module. No auth (the server only listens on loopback). Control requests are not recorded.

| method and path              | body                                         | effect            |
|------------------------------|----------------------------------------------|-------------------|
| ``POST /_sim/faults``        | ``{"fault", "endpoint"?, "times"?, "match"?}`` | inject a fault  |
| ``DELETE /_sim/faults``      |                                              | clear faults      |
| ``GET /_sim/requests``       |                                              | recorded requests |
| ``GET /_sim/stats``          |                                              | counters, points  |
| ``PUT /_sim/products/<cat>`` | a product-list envelope                      | serve it          |
| ``POST /_sim/config``        | ``{"points"?, "speed"?, "durations"?}``      | configure         |
| ``POST /_sim/reset``         |                                              | back to the start |

``times`` absent means once, ``null`` means always (as :meth:`Simulator.inject`); ``match``
(a string) aims the fault at creates whose prompt contains it and at their tasks' details.
``"echo_key": true`` in the config makes every error message quote the caller's key
(``Simulator.echo_key``), to test that the client never lets it through.
"""

from __future__ import annotations

from typing import Any

from skill.sim.core import Simulator
from skill.sim.wire import SimRequest, SimResponse, json_response

_CONTROL_PATHS = (
    "/_sim/faults",
    "/_sim/requests",
    "/_sim/stats",
    "/_sim/tasks",
    "/_sim/config",
    "/_sim/reset",
)
_PRODUCTS_PREFIX = "/_sim/products/"


def is_control(path: str) -> bool:
    """Whether ``path`` is one of the control API's (every other path is the IMA API's)."""
    return path in _CONTROL_PATHS or path.startswith(_PRODUCTS_PREFIX)


def serve(sim: Simulator, request: SimRequest) -> SimResponse:
    """Answer any request that reaches the simulator: control here, the rest by ``sim``."""
    if is_control(request.path):
        return handle(sim, request)
    return sim.handle(request)


def _ok(**extra: Any) -> SimResponse:
    return json_response(200, {"ok": True, **extra})


def _refuse(message: str, status: int = 400) -> SimResponse:
    return json_response(status, {"ok": False, "error": message})


def _body(request: SimRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    parsed = request.json()
    if not isinstance(parsed, dict):
        raise ValueError("the body must be a JSON object")
    return parsed


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def handle(sim: Simulator, request: SimRequest) -> SimResponse:
    """Answer one control request, as one step under the simulator's lock (a configuration is
    checked whole before any of it applies, and no request lands half-way through)."""
    try:
        with sim.lock:
            return _dispatch(sim, request.method.upper(), request.path, request)
    except ValueError as exc:  # bad JSON or a value the simulator refuses
        return _refuse(str(exc))


def _dispatch(sim: Simulator, method: str, path: str, request: SimRequest) -> SimResponse:
    if path == "/_sim/faults" and method == "POST":
        body = _body(request)
        times = body.get("times", 1)
        if times is not None and (not isinstance(times, int) or isinstance(times, bool)):
            raise ValueError("times must be an integer or null")
        match = body.get("match")
        if match is not None and not isinstance(match, str):
            raise ValueError("match must be a string")
        sim.inject(str(body.get("fault")), endpoint=body.get("endpoint"), times=times, match=match)
        return _ok()
    if path == "/_sim/faults" and method == "DELETE":
        sim.clear_faults()
        return _ok()
    if path == "/_sim/requests" and method == "GET":
        return json_response(200, [r.as_dict() for r in sim.requests])
    if path == "/_sim/stats" and method == "GET":
        return json_response(200, sim.stats())
    if path == "/_sim/tasks" and method == "GET":
        now = sim.now()
        return json_response(200, [task.summary(now) for task in sim.tasks.values()])
    if path.startswith(_PRODUCTS_PREFIX) and method == "PUT":
        category = path[len(_PRODUCTS_PREFIX) :]
        if not category:
            raise ValueError("name the category: PUT /_sim/products/<category>")
        sim.set_product_list(category, _body(request))
        return _ok()
    if path == "/_sim/config" and method == "POST":
        return _configure(sim, _body(request))
    if path == "/_sim/reset" and method == "POST":
        sim.reset()
        return _ok()
    return _refuse(f"no control route for {method} {path}", status=404)


def _configure(sim: Simulator, body: dict[str, Any]) -> SimResponse:
    points = body.get("points")
    speed = body.get("speed")
    durations = body.get("durations")
    echo_key = body.get("echo_key")
    # Check everything before changing anything, so a bad request changes nothing.
    if points is not None and (not isinstance(points, int) or isinstance(points, bool)):
        raise ValueError("points must be an integer")
    if speed is not None and (not _is_number(speed) or speed <= 0):
        raise ValueError("speed must be a positive number")
    if durations is not None and (
        not isinstance(durations, dict)
        or not all(v is None or (_is_number(v) and v >= 0) for v in durations.values())
    ):
        raise ValueError("durations must map model ids to seconds (or null)")
    if echo_key is not None and not isinstance(echo_key, bool):
        raise ValueError("echo_key must be true or false")
    if echo_key is not None:
        sim.echo_key = echo_key
    if points is not None:
        sim.points = points
    if speed is not None:
        sim.speed = float(speed)
    for model_id, seconds in (durations or {}).items():
        sim.set_duration(str(model_id), None if seconds is None else float(seconds))
    return _ok(**sim.stats())
