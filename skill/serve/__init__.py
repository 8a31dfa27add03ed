"""The bots' shared foundation: a platform's messages in, conversations out, many replicas.

* :mod:`skill.serve.sink`: :class:`Incoming` and :class:`Sink`, what a platform plugs in;
* :mod:`skill.serve.bot`: :class:`Bot`: deduplication, the work queue, the per-chat claim,
  the daily budget, "busy" when the store is out of reach, the SIGTERM hand-off and the
  take-up of jobs other replicas left;
* :mod:`skill.serve.queue`, :mod:`skill.serve.budget`, :mod:`skill.serve.config`: its parts;
* :mod:`skill.serve.http`: the ASGI app with ``GET /healthz``, uvicorn, and the process's
  life until SIGTERM (the ``serve`` extra: Starlette and uvicorn, imported only there).

Nothing below the front doors imports this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.serve.bot import Bot, Receipt
    from skill.serve.budget import Budget, Reservation
    from skill.serve.config import ServeConfig
    from skill.serve.queue import QueueClosed, Ticket, WorkQueue
    from skill.serve.sink import Incoming, ResumeSink, Sink

__all__ = [
    "Bot",
    "Budget",
    "Incoming",
    "QueueClosed",
    "Receipt",
    "Reservation",
    "ResumeSink",
    "ServeConfig",
    "Sink",
    "Ticket",
    "WorkQueue",
]

_HOMES = {
    "Bot": "skill.serve.bot",
    "Receipt": "skill.serve.bot",
    "Budget": "skill.serve.budget",
    "Reservation": "skill.serve.budget",
    "ServeConfig": "skill.serve.config",
    "QueueClosed": "skill.serve.queue",
    "Ticket": "skill.serve.queue",
    "WorkQueue": "skill.serve.queue",
    "Incoming": "skill.serve.sink",
    "ResumeSink": "skill.serve.sink",
    "Sink": "skill.serve.sink",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'skill.serve' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once loaded, a plain module attribute
    return value
