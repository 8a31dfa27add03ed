"""The transition table, written out here by hand: every legal move works, every other one is
refused. The expectations are literal so that a wrong edit of the table fails a test."""

from __future__ import annotations

import pytest

from skill.flow.states import TRANSITIONS, IllegalTransition, State, advance

S = State
#: Every move the skill card's Steps 0-5 allow, as a person would notice them.
LEGAL: frozenset[tuple[State, State]] = frozenset(
    {
        (S.RECEIVED, S.ACKNOWLEDGED),  # Step 0
        (S.RECEIVED, S.RESUMED),  # "found your picture", for a job from the journal
        (S.ACKNOWLEDGED, S.RESOLVING),
        (S.ACKNOWLEDGED, S.FAILED),  # a refusal needing no network (nothing to draw)
        (S.RESOLVING, S.UPLOADING),
        (S.RESOLVING, S.CREATING),
        (S.RESOLVING, S.FAILED),
        (S.UPLOADING, S.CREATING),
        (S.UPLOADING, S.FAILED),
        (S.CREATING, S.STARTED),  # Step 1
        (S.CREATING, S.FAILED),
        (S.STARTED, S.GENERATING),  # Step 2
        (S.STARTED, S.SUCCEEDED),  # a task done before the first progress point
        (S.STARTED, S.FAILED),
        (S.GENERATING, S.GENERATING),  # one more progress message
        (S.GENERATING, S.SUCCEEDED),  # Step 3
        (S.GENERATING, S.FAILED),  # Step 4
        (S.RESUMED, S.GENERATING),
        (S.RESUMED, S.SUCCEEDED),  # delivered again from the journal
        (S.RESUMED, S.FAILED),
        (S.SUCCEEDED, S.DONE),  # Step 5
        (S.FAILED, S.DONE),
    }
)
ILLEGAL = sorted(
    ((a, b) for a in State for b in State if (a, b) not in LEGAL),
    key=lambda p: (p[0].value, p[1].value),
)


def test_the_table_is_exactly_the_legal_moves() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize(
    ("current", "target"), sorted(LEGAL, key=lambda p: (p[0].value, p[1].value)), ids=str
)
def test_every_legal_move(current: State, target: State) -> None:
    assert advance(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=str)
def test_every_other_move_is_refused(current: State, target: State) -> None:
    with pytest.raises(IllegalTransition) as info:
        advance(current, target)
    assert info.value.current is current
    assert info.value.target is target


def test_the_table_is_frozen() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[State.DONE] = frozenset({State.RECEIVED})  # type: ignore[index]
