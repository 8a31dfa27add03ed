"""How long the simulated server takes over each model's tasks: the simulator's own facts.

Written from the skill card's "Estimated Generation Time per Model" table, not borrowed from the
client's catalog (``skill.catalog``): if the client's expected times drift from what the server
really does, the tests that run the client against the simulator should notice, and they could
not if both read one table.
"""

from __future__ import annotations

#: Simulated seconds a task takes, per model id: drawn uniformly from this range.
DURATION_RANGE_S: dict[str, tuple[float, float]] = {
    "gemini-3.1-flash-image": (20.0, 40.0),  # Nano Banana 2: 20~40 s
    "gemini-3-pro-image": (60.0, 120.0),  # Nano Banana Pro: 60~120 s
}
#: A model the table does not know takes this long (a product list may name any model).
DEFAULT_DURATION_RANGE_S: tuple[float, float] = (10.0, 30.0)
#: How long after its creation the server says a task times out (create's ``timeout_at``):
#: the vendor's scripts give up after 600 s.
TASK_TIMEOUT_S = 600.0


def duration_range(model_id: str) -> tuple[float, float]:
    """The range a task of ``model_id`` takes its simulated duration from."""
    return DURATION_RANGE_S.get(model_id, DEFAULT_DURATION_RANGE_S)
