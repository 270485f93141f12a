"""04_softmax_loss: the visible checks pass on right answers and explain every listed mistake;
the hidden checks pass on the reference and fail on every mistake."""
import numpy as np
import pytest

import autograder.reference as reference
from autograder.hidden import softmax_loss as hidden
from autograder.mistakes.softmax_loss import MISTAKES
from course import previous
from course.checks import softmax_loss as checks

ASSIGNMENT = "04_softmax_loss"
GRADED = ["softmax_loss", "TwoLayerNet"]
LAYERS = ["affine_forward", "affine_backward", "relu_forward", "relu_backward"]
# Names a TwoLayerNet mistake calls; they come from the reference, so only the mistake is wrong.
NET_NAMESPACE = {name: getattr(reference, name) for name in LAYERS + ["softmax_loss"]}


@pytest.fixture(scope="module")
def notebook_solutions():
    """softmax_loss and TwoLayerNet from source/04, wired to the layers of source/03
    (the notebook gets those from previous.load in a cell that is not a solution cell)."""
    mp = pytest.MonkeyPatch()
    mp.delenv("NBGRADER_EXECUTION", raising=False)
    try:
        layers = dict(zip(LAYERS, previous.load("03_affine_relu", LAYERS, course_dir="source")))
        objs = dict(zip(GRADED, previous.load(ASSIGNMENT, GRADED, course_dir="source")))
    finally:
        mp.undo()
    objs["TwoLayerNet"].loss.__globals__.update(layers)
    return objs


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
def test_every_graded_name_has_a_mistake(name):
    assert any(m.function == name for m in MISTAKES)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_visible_check_names_the_mistake(mistake):
    with np.errstate(all="ignore"), pytest.raises(AssertionError) as err:
        getattr(checks, f"check_{mistake.function}")(mistake.compile(NET_NAMESPACE))
    assert mistake.hint in str(err.value)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.function}-{m.name}")
def test_hidden_check_fails_on_mistake(mistake):
    with np.errstate(all="ignore"), pytest.raises(AssertionError):
        getattr(hidden, f"check_{mistake.function}")(mistake.compile(NET_NAMESPACE))


def test_unwritten_softmax_loss_shows_not_implemented():
    def softmax_loss(x, y):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_softmax_loss(softmax_loss)


def test_unwritten_net_shows_not_implemented():
    class TwoLayerNet:
        def __init__(self, *args, **kwargs):
            raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_TwoLayerNet(TwoLayerNet)


def test_net_check_leaves_the_global_random_stream_alone():
    np.random.seed(7)
    expected = np.random.rand()
    np.random.seed(7)
    checks.check_TwoLayerNet(reference.TwoLayerNet)
    assert np.random.rand() == expected
