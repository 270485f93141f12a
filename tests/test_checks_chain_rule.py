"""The checks of 01_chain_rule: visible and hidden checks pass on the reference
and on the notebook's own solution, and every listed mistake makes them fail
(the visible one with the mistake's hint in its message)."""
from __future__ import annotations

import pytest

from autograder import reference
from autograder.hidden import chain_rule as hidden
from autograder.mistakes.chain_rule import MISTAKES
from course import previous
from course.checks import chain_rule as checks
from notebooks import SOURCE

GRADED = ["numerical_derivative", "chain_forward", "chain_backward"]


def _visible(name):
    return getattr(checks, f"check_{name}")


def _hidden(name):
    return getattr(hidden, f"check_{name}")


@pytest.fixture(scope="module")
def notebook_solution():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("NBGRADER_EXECUTION", raising=False)
        return dict(zip(GRADED, previous.load("01_chain_rule", GRADED, course_dir=SOURCE)))


@pytest.mark.parametrize("name", GRADED)
def test_visible_check_passes_on_reference(name):
    _visible(name)(getattr(reference, name))


@pytest.mark.parametrize("name", GRADED)
def test_visible_check_passes_on_notebook_solution(name, notebook_solution):
    _visible(name)(notebook_solution[name])


@pytest.mark.parametrize("name", GRADED)
def test_hidden_check_passes_on_reference(name):
    _hidden(name)(getattr(reference, name))


@pytest.mark.parametrize("name", GRADED)
def test_hidden_check_passes_on_notebook_solution(name, notebook_solution):
    _hidden(name)(notebook_solution[name])


def test_every_graded_function_has_a_mistake():
    assert {m.function for m in MISTAKES} == set(GRADED)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_visible_check_explains_mistake(mistake):
    with pytest.raises(AssertionError) as err:
        _visible(mistake.function)(mistake.compile())
    assert mistake.hint in str(err.value)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_hidden_check_rejects_mistake(mistake):
    # Any exception fails a grade cell; most are AssertionErrors with a message.
    with pytest.raises(Exception):
        _hidden(mistake.function)(mistake.compile())
