"""The conversation's states (Steps 0-5 of the skill card) and the one table of legal moves.

h11-style: an :class:`Enum` of states, one frozen transition table, and :func:`advance`, the
only way to move, which refuses anything the table does not allow::

    RECEIVED -> ACKNOWLEDGED -> RESOLVING -> [UPLOADING ->] CREATING -> STARTED -> GENERATING
       |             |              |             |             |          |       |  (loops:
       |             v              v             v             v          v       v  progress)
       |           FAILED <---------+-------------+-------------+----------+-------+
       |             |                                                  SUCCEEDED
       |             v                                                     |
       |            DONE <-------------------------------------------------+
       |
       +-> RESUMED -> GENERATING, SUCCEEDED or FAILED  (a job taken up again from the journal)

Step 0 is ACKNOWLEDGED (the ack; RESUMED is the ack of a job taken up again from the
journal), Step 1 STARTED (the start notice), Step 2 GENERATING (each progress message
re-enters it), Step 3 SUCCEEDED, Step 4 FAILED, Step 5 DONE.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType


class State(Enum):
    """Where one conversation is."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    RESUMED = "resumed"
    RESOLVING = "resolving"
    UPLOADING = "uploading"
    CREATING = "creating"
    STARTED = "started"
    GENERATING = "generating"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DONE = "done"


class IllegalTransition(RuntimeError):
    """A move the transition table does not allow: a bug in the driver, never user input."""

    def __init__(self, current: State, target: State) -> None:
        super().__init__(f"illegal transition {current.name} -> {target.name}")
        self.current = current
        self.target = target


_S = State
TRANSITIONS: Mapping[State, frozenset[State]] = MappingProxyType(
    {
        _S.RECEIVED: frozenset({_S.ACKNOWLEDGED, _S.RESUMED}),
        # A job taken up again from the journal: its task already exists (or is told as lost).
        _S.RESUMED: frozenset({_S.GENERATING, _S.SUCCEEDED, _S.FAILED}),
        # Refusals (empty prompt, missing or broken image) fail straight after the ack.
        _S.ACKNOWLEDGED: frozenset({_S.RESOLVING, _S.FAILED}),
        _S.RESOLVING: frozenset({_S.UPLOADING, _S.CREATING, _S.FAILED}),
        _S.UPLOADING: frozenset({_S.CREATING, _S.FAILED}),
        _S.CREATING: frozenset({_S.STARTED, _S.FAILED}),
        _S.STARTED: frozenset({_S.GENERATING, _S.SUCCEEDED, _S.FAILED}),
        # GENERATING -> GENERATING is one more progress message.
        _S.GENERATING: frozenset({_S.GENERATING, _S.SUCCEEDED, _S.FAILED}),
        _S.SUCCEEDED: frozenset({_S.DONE}),
        _S.FAILED: frozenset({_S.DONE}),
        _S.DONE: frozenset(),
    }
)


def advance(current: State, target: State) -> State:
    """``target`` if the table allows ``current -> target``; else :class:`IllegalTransition`."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    return target
