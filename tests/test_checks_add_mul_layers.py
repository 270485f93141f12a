"""The checks of 02_add_mul_layers: visible and hidden checks pass on the
reference and on the notebook's own solution, and every listed mistake makes
them fail (the visible one with the mistake's hint in its message)."""
from __future__ import annotations

import pytest

from autograder import reference
from autograder.hidden import add_mul_layers as hidden
from autograder.mistakes.add_mul_layers import MISTAKES
from course import previous
from course.checks import add_mul_layers as checks
from notebooks import SOURCE

GRADED = ["MulLayer", "AddLayer", "SigmoidLayer"]
ASPECTS = ["forward", "backward"]  # one grade cell each, in this order in the notebook
CASES = [(name, aspect) for name in GRADED for aspect in ASPECTS]


def _checks(module, name):
    return [getattr(module, f"check_{name}_{aspect}") for aspect in ASPECTS]


@pytest.fixture(scope="module")
def notebook_solution():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("NBGRADER_EXECUTION", raising=False)
        return dict(zip(GRADED, previous.load("02_add_mul_layers", GRADED, course_dir=SOURCE)))


@pytest.mark.parametrize("name,aspect", CASES)
def test_visible_check_passes_on_reference(name, aspect):
    getattr(checks, f"check_{name}_{aspect}")(getattr(reference, name))


@pytest.mark.parametrize("name,aspect", CASES)
def test_visible_check_passes_on_notebook_solution(name, aspect, notebook_solution):
    getattr(checks, f"check_{name}_{aspect}")(notebook_solution[name])


@pytest.mark.parametrize("name,aspect", CASES)
def test_hidden_check_passes_on_reference(name, aspect):
    getattr(hidden, f"check_{name}_{aspect}")(getattr(reference, name))


@pytest.mark.parametrize("name,aspect", CASES)
def test_hidden_check_passes_on_notebook_solution(name, aspect, notebook_solution):
    getattr(hidden, f"check_{name}_{aspect}")(notebook_solution[name])


def test_every_graded_class_has_a_mistake():
    assert {m.function for m in MISTAKES} == set(GRADED)


def test_every_visible_check_is_failed_by_some_mistake():
    failed = set()
    for mistake in MISTAKES:
        for check in _checks(checks, mistake.function):
            try:
                check(mistake.compile())
            except AssertionError:
                failed.add(check.__name__)
            except Exception:  # noqa: BLE001 - a crash is not an explanation; keep looking
                pass
    assert failed == {f"check_{n}_{a}" for n, a in CASES}


def _first_failure(check_list, obj):
    """The exception of the first check that fails, as the notebook's grade cells run them."""
    for check in check_list:
        try:
            check(obj)
        except Exception as err:  # noqa: BLE001 - any error fails a grade cell
            return err
    return None


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_visible_checks_explain_mistake(mistake):
    err = _first_failure(_checks(checks, mistake.function), mistake.compile())
    assert isinstance(err, AssertionError), f"no visible check failed with an explanation: {err!r}"
    assert mistake.hint in str(err)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_hidden_checks_reject_mistake(mistake):
    assert _first_failure(_checks(hidden, mistake.function), mistake.compile()) is not None
