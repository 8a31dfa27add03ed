"""The transition table: every legal move works, illegal ones are refused."""

from __future__ import annotations

import pytest

from skill.flow.states import TRANSITIONS, IllegalTransition, State, advance

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets, key=str)]
ILLEGAL = [(a, b) for a in State for b in State if b not in TRANSITIONS[a]]


def test_every_state_has_a_row() -> None:
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=lambda s: s.name)
def test_every_legal_move(current: State, target: State) -> None:
    assert advance(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL[::3], ids=lambda s: s.name)
def test_illegal_moves_are_refused(current: State, target: State) -> None:
    with pytest.raises(IllegalTransition) as info:
        advance(current, target)
    assert info.value.current is current
    assert info.value.target is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.RECEIVED, State.STARTED),  # no start before the ack
        (State.ACKNOWLEDGED, State.SUCCEEDED),
        (State.SUCCEEDED, State.FAILED),  # one outcome only
        (State.FAILED, State.SUCCEEDED),
        (State.DONE, State.ACKNOWLEDGED),  # nothing after done
        (State.DONE, State.DONE),
        (State.CREATING, State.GENERATING),  # progress only after the start notice
    ],
)
def test_moves_a_person_would_notice_are_refused(current: State, target: State) -> None:
    with pytest.raises(IllegalTransition):
        advance(current, target)


def test_done_is_final_and_reachable_only_from_an_outcome() -> None:
    assert TRANSITIONS[State.DONE] == frozenset()
    assert {a for a, t in TRANSITIONS.items() if State.DONE in t} == {State.SUCCEEDED, State.FAILED}


def test_the_table_is_frozen() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[State.DONE] = frozenset({State.RECEIVED})  # type: ignore[index]
