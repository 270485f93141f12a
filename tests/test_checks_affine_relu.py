"""03_affine_relu: the visible checks pass on right answers and explain every listed mistake;
the hidden checks pass on the reference and fail on every mistake."""
import numpy as np
import pytest

import autograder.reference as reference
from autograder.hidden import affine_relu as hidden
from autograder.mistakes.affine_relu import MISTAKES
from course import previous
from course.checks import affine_relu as checks

ASSIGNMENT = "03_affine_relu"
GRADED = ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
          "sigmoid_forward", "sigmoid_backward"]


@pytest.fixture(scope="module")
def notebook_solutions():
    """The solution cells of source/03_affine_relu, as a student's notebook would be loaded."""
    mp = pytest.MonkeyPatch()
    mp.delenv("NBGRADER_EXECUTION", raising=False)
    try:
        return dict(zip(GRADED, previous.load(ASSIGNMENT, GRADED, course_dir="source")))
    finally:
        mp.undo()


@pytest.mark.parametrize("name", GRADED)
def test_visible_check_passes_on_reference(name):
    getattr(checks, f"check_{name}")(getattr(reference, name))


@pytest.mark.parametrize("name", GRADED)
def test_visible_check_passes_on_notebook_solution(name, notebook_solutions):
    getattr(checks, f"check_{name}")(notebook_solutions[name])


@pytest.mark.parametrize("name", GRADED)
def test_hidden_check_passes_on_reference(name):
    getattr(hidden, f"check_{name}")(getattr(reference, name))


@pytest.mark.parametrize("name", GRADED)
def test_every_graded_function_has_a_mistake(name):
    assert any(m.function == name for m in MISTAKES)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_visible_check_names_the_mistake(mistake):
    with pytest.raises(AssertionError) as err:
        getattr(checks, f"check_{mistake.function}")(mistake.compile())
    assert mistake.hint in str(err.value)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_hidden_check_fails_on_mistake(mistake):
    with pytest.raises(AssertionError):
        getattr(hidden, f"check_{mistake.function}")(mistake.compile())


@pytest.mark.parametrize("name", GRADED)
def test_unwritten_function_shows_not_implemented(name):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        getattr(checks, f"check_{name}")(stub)


def test_worked_example_matches_the_hand_computation():
    # The notebook's worked example, row by row: [1,2,3,4] @ w + b and [0,-1,2,1] @ w + b.
    x_flat = checks.EXAMPLE_X.reshape(2, 4)
    assert x_flat.tolist() == [[1, 2, 3, 4], [0, -1, 2, 1]]
    np.testing.assert_allclose(x_flat @ checks.EXAMPLE_W + checks.EXAMPLE_B, checks.EXAMPLE_OUT)
